"""The release_hooks role, run by ansible-playbook as a release flow would, against local HTTP servers
(127.0.0.1, free ports, stopped by each test) and task files of a user's. No AWS call is made.

The play sets the AWS group's module_defaults as a release flow does: bluegreen.aws.http_check is not
in that group (it takes no AWS options), so they do not reach it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO
from local_http import LocalServer

PLAYBOOK = """
- name: Hooks of one stage
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:            # as a release flow sets them: http_check is not an AWS module, not in the group
    group/bluegreen.aws.aws:
      region: us-east-1
  tasks:
    - name: Run the hooks
      ansible.builtin.include_role:
        name: bluegreen.aws.release_hooks
      vars:
        release_hooks_stage: "{{ stage }}"
        release_hooks_definitions: "{{ hooks }}"
        release_hooks_context: {app: web, color: green, version: "2", weights: {blue: 90, green: 10}}

    - name: Show the outcome
      ansible.builtin.debug:
        msg: "release_hooks_failed={{ release_hooks_failed | to_json }}"
"""

KPI = """
- name: The KPI hook sees the stage and the context
  ansible.builtin.copy:
    content: "{{ release_hooks_stage }} {{ release_hooks_context.app }} {{ release_hooks_context.color }} \
{{ release_hooks_context.version }} {{ release_hooks_context.weights.green }} {{ release_hooks_hook.name }}"
    dest: "{{ seen_file }}"
    mode: "0600"

- name: The KPI is too low
  ansible.builtin.fail:
    msg: conversion rate 1.2% below 2%
  when: kpi_fails | default(false) | bool
"""


@pytest.fixture
def servers():
    started = []

    def start(*answers):
        started.append(LocalServer(answers))
        return started[-1]

    yield start
    for each in started:
        each.stop()


@pytest.fixture
def play(tmp_path):
    playbook = tmp_path / "hooks.yml"
    playbook.write_text(PLAYBOOK)
    (tmp_path / "kpi.yml").write_text(KPI)

    def run(stage, hooks, *args, **extra):
        variables = dict(stage=stage, hooks=hooks, seen_file=str(tmp_path / "seen.txt"), **extra)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_CALLBACK_RESULT_FORMAT="json")
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook), "-e", json.dumps(variables),
                               *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
        return proc.returncode, proc.stdout + proc.stderr

    run.kpi = str(tmp_path / "kpi.yml")
    run.seen = tmp_path / "seen.txt"
    return run


def http_hook(server, name="smoke", **extra):
    return dict(dict(name=name, url=server.url + "/health", status=200, timeout=2, interval=1), **extra)


def test_after_switch_hook_answering_500_fails_naming_the_hook(play, servers):
    down = servers((500, "broken"))
    rc, out = play("after_switch", dict(after_switch=[http_hook(down)]))
    assert rc != 0, out[-3000:]
    assert "Hook smoke (after_switch) failed: hook smoke (%s/health) did not pass within 2 s" % down.url in out
    assert len(down.requests) >= 2


def test_after_switch_hook_answering_200_passes(play, servers):
    up = servers((500, "starting"), (200, "ok"))
    rc, out = play("after_switch", dict(after_switch=[http_hook(up, body="ok", timeout=10)]))
    assert rc == 0, out[-3000:]
    assert "release_hooks_failed=null" in out and len(up.requests) == 2


def test_a_failing_task_file_hook_at_after_step_stops_and_later_hooks_do_not_run(play, servers):
    later = servers((200, "ok"))
    hooks = dict(after_step=[dict(name="business-kpi", tasks=play.kpi), http_hook(later, name="later")])
    rc, out = play("after_step", hooks, kpi_fails=True)
    assert rc != 0
    assert "Hook business-kpi (after_step) failed: conversion rate 1.2% below 2%" in out
    assert play.seen.read_text() == "after_step web green 2 10 business-kpi"
    assert later.requests == []


def test_a_passing_task_file_hook(play):
    rc, out = play("after_step", dict(after_step=[dict(name="business-kpi", tasks=play.kpi)]))
    assert rc == 0, out[-3000:]
    assert play.seen.read_text() == "after_step web green 2 10 business-kpi"


def test_a_failed_after_rollback_hook_is_only_reported(play, servers):
    down = servers((503, "down"))
    rc, out = play("after_rollback", dict(after_rollback=[http_hook(down, name="page-oncall", timeout=1)]))
    assert rc == 0, out[-3000:]
    assert "Hook page-oncall (after_rollback) failed" in out
    assert re.search(r"release_hooks_failed=\{[^}]*page-oncall", out), out[-3000:]


def test_check_mode_runs_no_hook_and_says_which_would(play, servers):
    up = servers((200, "ok"))
    hooks = dict(after_delivery=[http_hook(up, body="ok"), dict(name="business-kpi", tasks=play.kpi)])
    rc, out = play("after_delivery", hooks, "--check")
    assert rc == 0, out[-3000:]
    assert "after_delivery: smoke: GET %s/health until status 200 with 'ok' (timeout 2 s)" % up.url in out
    assert "after_delivery: business-kpi: run the tasks in %s" % play.kpi in out
    assert up.requests == [] and not play.seen.exists()


def test_bad_hooks_are_refused_naming_the_field(play):
    rc, out = play("after_switch", dict(after_switch=[dict(name="smoke", url="http://127.0.0.1:1/", tasks="x.yml")]))
    assert rc != 0
    assert "bluegreen_hooks.after_switch[0] (smoke) needs exactly one of url (an HTTP hook) or tasks" in out


def test_a_stage_without_hooks_does_nothing(play):
    rc, out = play("after_switch", dict(after_delivery=[dict(name="kpi", tasks="x.yml")]))
    assert rc == 0 and "release_hooks_failed=null" in out

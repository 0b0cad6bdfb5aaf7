# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cloudwatch_agent role: everything that runs without a Windows host.

* its configuration template, rendered by Ansible with the role's defaults and
  vars (as ``win_template`` renders it), ships each log source to the right
  group of the application, in a stream named ``{color}/{instance_id}/...``;
  without a color (a Packer bake) the streams carry the token that the boot
  script replaces;
* the groups it writes to are exactly the ones the monitoring role creates and
  the iam role's ``write-logs`` policy grants (the three roles list the sources
  separately);
* bad input is rejected by the role's first task, on the controller, before
  any task touches the host;
* every module and option its tasks use exists in the installed collections
  (read from the modules' own DOCUMENTATION), installs use ``win_package`` with
  ``creates_service`` (no ``msiexec`` command), and ansible-lint (production
  profile) passes on the role and on the Packer playbook that applies it.

On a Windows host, the molecule ``windows`` scenario applies the roles.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

ROLE = REPO / "roles" / "cloudwatch_agent"
SOURCES = ["iis", "application", "codedeploy", "windows-events"]

RENDER = """
- name: Render the CloudWatch agent configuration
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files:
    - {role}/defaults/main.yml
    - {role}/vars/main.yml
  tasks:
    - name: Render
      ansible.builtin.copy:
        content: "{{{{ lookup('ansible.builtin.template', '{role}/templates/amazon-cloudwatch-agent.json.j2') }}}}"
        dest: "{{{{ out }}}}"
        mode: "0644"
"""


def ansible(args, tmp_path):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing here may reach AWS
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def render(tmp_path, **variables):
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER.format(role=ROLE))
    out = tmp_path / "config.json"
    rc, output = ansible([str(playbook), "-e", json.dumps(dict(variables, out=str(out)))], tmp_path)
    assert rc == 0, output[-3000:]
    return json.loads(out.read_text())


def by_stream(config):
    collected = config["logs"]["logs_collected"]
    return {entry["log_stream_name"]: entry
            for entry in collected["files"]["collect_list"] + collected["windows_events"]["collect_list"]}


@pytest.mark.parametrize("color", ["blue", "green"])
def test_each_source_goes_to_its_group_in_a_stream_named_by_the_color(tmp_path, color):
    config = render(tmp_path, cloudwatch_agent_color=color, bluegreen_app="shop", bluegreen_region="eu-west-1")
    assert config["agent"]["region"] == "eu-west-1"
    streams = by_stream(config)
    prefix = "/bluegreen/shop/"
    expected = {
        color + "/{instance_id}/iis": (prefix + "iis", "C:\\inetpub\\logs\\LogFiles\\W3SVC*\\u_ex*.log"),
        color + "/{instance_id}/stdout": (prefix + "application", "C:\\inetpub\\shop\\logs\\stdout*.log"),
        color + "/{instance_id}/agent": (prefix + "codedeploy",
                                         "C:\\ProgramData\\Amazon\\CodeDeploy\\log\\codedeploy-agent-log.txt"),
        color + "/{instance_id}/deployments": (
            prefix + "codedeploy", "C:\\ProgramData\\Amazon\\CodeDeploy\\deployment-logs\\codedeploy-agent-deployments.log"),
        color + "/{instance_id}/Application": (prefix + "windows-events", "Application"),
        color + "/{instance_id}/System": (prefix + "windows-events", "System"),
    }
    assert {stream: (entry["log_group_name"], entry.get("file_path", entry.get("event_name")))
            for stream, entry in streams.items()} == expected
    iis = streams[color + "/{instance_id}/iis"]
    assert (iis["timestamp_format"], iis["timezone"]) == ("%Y-%m-%d %H:%M:%S", "UTC")
    for name in ("Application", "System"):
        assert streams["%s/{instance_id}/%s" % (color, name)]["event_levels"] == ["CRITICAL", "ERROR", "WARNING", "INFORMATION"]
    # The stack owns the groups and their retention: the agent neither sets a retention nor collects metrics.
    assert "retention_in_days" not in json.dumps(config) and "metrics" not in config


def test_a_bake_leaves_the_color_to_the_boot_script(tmp_path):
    """No color (Packer): every stream starts with the token apply-config.ps1 replaces with BLUEGREEN_COLOR."""
    config = render(tmp_path, bluegreen_app="web")
    assert "region" not in config["agent"]  # the agent reads the instance's region
    assert all(stream.startswith("__BLUEGREEN_COLOR__/{instance_id}/") for stream in by_stream(config))
    script = (ROLE / "files" / "apply-config.ps1").read_text()
    assert ".Replace('__BLUEGREEN_COLOR__', $Color)" in script
    assert "GetEnvironmentVariable('BLUEGREEN_COLOR', 'Machine')" in script
    # The fleet's user data sets that variable.
    assert "'BLUEGREEN_COLOR'" in (REPO / "roles/fleet/templates/user_data.ps1.j2").read_text()


def test_agent_monitoring_and_iam_agree_on_the_groups(tmp_path):
    config = render(tmp_path, cloudwatch_agent_color="blue", bluegreen_app="web")
    agent_groups = {entry["log_group_name"] for entry in by_stream(config).values()}
    assert agent_groups == {"/bluegreen/web/" + source for source in SOURCES}
    monitoring = yaml.safe_load((REPO / "roles/monitoring/vars/main.yml").read_text())
    iam = yaml.safe_load((REPO / "roles/iam/vars/main.yml").read_text())
    assert monitoring["_monitoring_log_sources"] == iam["_iam_log_sources"] == SOURCES
    for role, variable in (("monitoring", "monitoring_log_group_prefix"), ("iam", "iam_log_group_prefix"),
                           ("cloudwatch_agent", "cloudwatch_agent_log_group_prefix")):
        default = yaml.safe_load((REPO / "roles" / role / "defaults/main.yml").read_text())[variable]
        assert "bluegreen_log_group_prefix | default('/bluegreen/' ~ " in default, (role, default)


CONTROLLER_TASKS = re.compile(r"Validating arguments against arg spec|Check the input formats")


@pytest.mark.parametrize("extra_vars, words", [
    ({"cloudwatch_agent_color": "purple"}, ["cloudwatch_agent_color", "purple"]),
    ({"cloudwatch_agent_log_group_prefix": "/bluegreen/web/"}, ["cloudwatch_agent_log_group_prefix", "/bluegreen/web/"]),
    ({"cloudwatch_agent_msi_url": "http://mirror/agent.msi"}, ["cloudwatch_agent_msi_url", "http://mirror/agent.msi"]),
    ({"cloudwatch_agent_msi_checksum": "abc"}, ["cloudwatch_agent_msi_checksum", "abc"]),
    ({"cloudwatch_agent_region": "Europe"}, ["cloudwatch_agent_region", "Europe"]),
    ({"cloudwatch_agent_event_levels": ["ERROR", "LOUD"]}, ["cloudwatch_agent_event_levels", "LOUD"]),
    ({"cloudwatch_agent_color_wait": "soon"}, ["cloudwatch_agent_color_wait", "soon"]),
])
def test_bad_input_is_rejected_before_any_task_touches_the_host(tmp_path, extra_vars, words):
    playbook = tmp_path / "apply.yml"
    playbook.write_text("- hosts: localhost\n  connection: local\n  gather_facts: false\n"
                        "  roles:\n    - bluegreen.aws.cloudwatch_agent\n")
    rc, out = ansible([str(playbook), "-e", json.dumps(extra_vars)], REPO)
    assert rc != 0, out[-3000:]
    for word in words:
        assert word in out, (word, out[-3000:])
    ran = [name for name in re.findall(r"^TASK \[([^\]]+)\]", out, re.MULTILINE) if not CONTROLLER_TASKS.search(name)]
    assert not ran, (ran, out[-3000:])


def module_options(fqcn):
    """The options of an installed module, from its DOCUMENTATION (Windows modules document themselves in a .py)."""
    namespace, collection, name = fqcn.split(".")
    module = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % (namespace, collection, name))
    return set(yaml.safe_load(module.DOCUMENTATION).get("options", {}))


TASK_KEYWORDS = {"name", "when", "register", "block", "vars", "loop", "loop_control", "notify", "check_mode", "until",
                 "retries", "delay", "failed_when", "changed_when", "no_log", "tags", "become", "listen"}


def tasks(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks(task.get(key))


def test_every_module_and_option_the_role_uses_exists_in_the_installed_collections():
    used = []
    for path in sorted((ROLE / "tasks").glob("*.yml")):
        for task in tasks(yaml.safe_load(path.read_text())):
            modules = [key for key in task if key not in TASK_KEYWORDS and "." in key]
            assert len(modules) <= 1, (path.name, task)
            if not modules or modules[0].startswith("ansible.builtin."):
                continue
            options = set(task[modules[0]] or {})
            missing = options - module_options(modules[0])
            assert not missing, "%s: %s has no option %s" % (path.name, modules[0], sorted(missing))
            used.append((path.name, modules[0], task[modules[0]]))
    # Installed idempotently by win_package (creates_service), never by an msiexec command.
    installs = [args for _name, module, args in used if module == "ansible.windows.win_package"]
    assert installs and all(args.get("creates_service") == "{{ _cloudwatch_agent_service }}" for args in installs)
    assert not any(module in ("ansible.windows.win_command", "ansible.windows.win_shell") for _name, module, _args in used)
    assert "msiexec" not in "".join(p.read_text() for p in (ROLE / "tasks").glob("*.yml")).lower()
    # Windows modules only in the Windows task files; main.yml runs on the controller.
    assert {name for name, _module, _args in used} <= {"install.yml", "configure.yml", "verify.yml"}


def test_ansible_lint_passes_on_the_role_and_the_packer_playbook():
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", NO_COLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["ansible-lint", "roles/cloudwatch_agent", "packer/playbooks/prerequisites.yml"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert "- role: bluegreen.aws.cloudwatch_agent" in (REPO / "packer/playbooks/prerequisites.yml").read_text()

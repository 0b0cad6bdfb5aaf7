"""What roles/windows_web and roles/codedeploy_agent do on a Windows host, read
from their YAML (no Windows host here) or rendered by Ansible on localhost:

* a reboot handler never acts on a result from before an earlier flush (the
  features' ``reboot_required`` rebooted the host a second time after the
  Hosting Bundle);
* IIS (WAS, W3SVC with it) is stopped before the Hosting Bundle installs or
  repairs, restarted by the handler, and started again if the installer fails;
* what the role does with the runtimes it finds: the decision variable
  ``_windows_web_bundle_action`` of roles/windows_web/vars/main.yml rendered by
  ansible-playbook for each case (a newer patch of the same band is kept, not
  reinstalled every run), and the runtime folder is checked after installing;
* the CodeDeploy agent is uninstalled before a new release is installed, as AWS
  documents for Windows Server;
* every task that sends the instance metadata token is ``no_log``.
"""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

WEB = REPO / "roles/windows_web"
AGENT = REPO / "roles/codedeploy_agent"


def load(path):
    return yaml.safe_load(path.read_text()) or []


def module_of(task):
    keys = [k for k in task if "." in k and not k.startswith("ansible.builtin.include")]
    return keys[0] if keys else next((k for k in task if k.startswith("ansible.builtin.")), None)


def flatten(tasks, role, where=""):
    """The role's tasks in run order, following include_tasks and blocks, with the
    flush_handlers points; (task, file) pairs."""
    for task in tasks:
        for section in ("block", "rescue", "always"):
            if section in task:
                yield from flatten(task[section], role, where)
        if "ansible.builtin.include_tasks" in task:
            name = task["ansible.builtin.include_tasks"]
            yield from flatten(load(role / "tasks" / name), role, name)
        elif not any(s in task for s in ("block", "rescue", "always")):
            yield task, where


def segments(role):
    """Tasks split at every meta: flush_handlers."""
    parts = [[]]
    for task, where in flatten(load(role / "tasks/main.yml"), role, "main.yml"):
        if task.get("ansible.builtin.meta") == "flush_handlers":
            parts.append([])
        else:
            parts[-1].append((task, where))
    return parts


def notified(task):
    value = task.get("notify", [])
    return [value] if isinstance(value, str) else list(value)


def test_reboot_handlers_read_only_results_of_their_own_flush():
    handlers = load(WEB / "handlers/main.yml")
    parts = segments(WEB)
    for handler in handlers:
        topics = {handler["name"], handler.get("listen", handler["name"])}
        where = [i for i, part in enumerate(parts) for task, _file in part if topics & set(notified(task))]
        assert where, "handler %r is never notified" % handler["name"]
        assert len(set(where)) == 1, (
            "handler %r is notified before different flushes (%s): its condition would see results of the first"
            % (handler["name"], sorted(set(where))))
        condition = str(handler.get("when", ""))
        registered_elsewhere = {
            task["register"] for i, part in enumerate(parts) if i != where[0] for task, _file in part if "register" in task}
        stale = sorted(name for name in registered_elsewhere if name in condition)
        assert not stale, "handler %r reads %s, registered before another flush" % (handler["name"], stale)


def test_iis_is_stopped_before_the_hosting_bundle_installs_and_started_if_it_fails():
    tasks = load(WEB / "tasks/hosting_bundle.yml")
    outer = next(t for t in tasks if "block" in t and "Download" in t["name"])
    inner = next(t for t in outer["block"] if "block" in t)
    modules = [(module_of(t), t) for t in inner["block"]]
    stop = next(i for i, (m, t) in enumerate(modules) if m == "ansible.windows.win_service")
    assert modules[stop][1]["ansible.windows.win_service"] == {"name": "WAS", "state": "stopped", "force_dependent_services": True}
    assert "Restart IIS" in notified(modules[stop][1])
    packages = [i for i, (m, t) in enumerate(modules) if m == "ansible.windows.win_package"]
    assert len(packages) == 2 and all(stop < i for i in packages), "install and repair must come after stopping WAS"
    for i in packages:
        assert "Restart IIS" in notified(modules[i][1])
    rescue = inner["rescue"]
    assert rescue[0]["ansible.windows.win_service"] == {"name": "W3SVC", "state": "started"}
    assert "ansible.builtin.fail" in rescue[-1]


def test_the_runtime_folder_is_checked_after_installing():
    tasks = load(WEB / "tasks/hosting_bundle.yml")
    block = next(t for t in tasks if "block" in t and "Download" in t["name"])["block"]
    after = block[[i for i, t in enumerate(block) if "block" in t][0] + 1:]
    stat = next(t for t in after if "ansible.windows.win_stat" in t)
    assert stat["ansible.windows.win_stat"]["path"] == "{{ _windows_web_runtime_dir }}"
    check = next(t for t in after if "ansible.builtin.assert" in t)
    assert check["ansible.builtin.assert"]["that"] == "%s.stat.exists" % stat["register"]


ACTIONS = [
    # (pinned version, runtime folders found, module registered, expected action)
    ("8.0.22", ["8.0.22"], True, "none"),
    ("8.0.22", ["6.0.36", "8.0.22"], True, "none"),
    ("8.0.22", ["8.0.23"], True, "newer"),
    ("8.0.9", ["8.0.10"], True, "newer"),  # a version comparison, not a string one
    ("8.0.22", ["8.0.22"], False, "repair"),
    ("8.0.22", [], False, "install"),
    ("8.0.22", ["8.0.21"], True, "install"),
    ("8.0.22", ["9.0.1"], True, "install"),  # another band
    ("8.0.22", ["8.0.23"], False, "install"),
    ("8.0.22", ["8.0.23-preview.1"], True, "install"),
]


def test_the_hosting_bundle_decision_for_each_case(tmp_path):
    """roles/windows_web/vars/main.yml's _windows_web_bundle_action, rendered by
    ansible-playbook from the shape win_powershell registers (output: a list)."""
    tasks = []
    for i, (version, found, ancm, _expected) in enumerate(ACTIONS):
        tasks.append({
            "name": "case %d" % i,
            "ansible.builtin.debug": {"msg": "case %d: {{ _windows_web_bundle_action }}" % i},
            "vars": {"windows_web_hosting_bundle_version": version, "_windows_web_runtimes": {"output": found},
                     "_windows_web_ancm": {"output": [ancm]}},
        })
    playbook = tmp_path / "decide.yml"
    # vars_files, below task vars in precedence (include_vars would override them).
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                         "vars_files": [str(WEB / "defaults/main.yml"), str(WEB / "vars/main.yml")],
                                         "tasks": tasks}], sort_keys=False))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook), "-e",
                           json.dumps({"ansible_python_interpreter": sys.executable})],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    for i, (version, found, ancm, expected) in enumerate(ACTIONS):
        assert re.search(r"case %d: %s\b" % (i, expected), out), "%s with %s, module %s: expected %s\n%s" % (
            version, found, ancm, expected, out[-3000:])


def test_the_installer_runs_only_for_install_or_repair():
    tasks = load(WEB / "tasks/hosting_bundle.yml")
    block = next(t for t in tasks if "block" in t and "Download" in t["name"])
    assert block["when"] == "_windows_web_bundle_action in ['install', 'repair']"
    inner = next(t for t in block["block"] if "block" in t)["block"]
    whens = [t.get("when") for t in inner if module_of(t) == "ansible.windows.win_package"]
    assert whens == ["_windows_web_bundle_action == 'install'", "_windows_web_bundle_action == 'repair'"]


# --- codedeploy_agent ---------------------------------------------------------------


def test_the_agent_is_uninstalled_before_a_new_release_is_installed():
    install = load(AGENT / "tasks/install.yml")
    block = next(t for t in install if "block" in t and "agent" in t["name"])["block"]
    names = [module_of(t) for t in block]
    uninstall = next(i for i, t in enumerate(block)
                     if module_of(t) == "ansible.windows.win_package" and t[module_of(t)].get("state") == "absent")
    assert block[uninstall]["when"] == "_codedeploy_agent_upgrade"
    assert block[uninstall]["ansible.windows.win_package"]["product_id"] == "{{ item }}"
    installs = [i for i, t in enumerate(block) if names[i] == "ansible.windows.win_package" and "path" in t[names[i]]]
    assert len(installs) == 1 and uninstall < installs[0], names
    assert block[installs[0]]["ansible.windows.win_package"]["creates_service"] == "codedeployagent"
    # An upgrade whose installed product is not found stops, instead of leaving the old agent.
    found = next(t for t in block[:uninstall] if module_of(t) == "ansible.builtin.assert")
    assert "_codedeploy_agent_products.output" in found["ansible.builtin.assert"]["that"]


def all_tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from all_tasks(item)
    elif isinstance(node, dict):
        if module_of(node) and not any(s in node for s in ("block", "hosts")):
            yield node
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            if key in node:
                yield from all_tasks(node[key])


@pytest.mark.parametrize("path", sorted(
    str(p.relative_to(REPO)) for base in ("roles", "playbooks", "packer/playbooks") for p in (REPO / base).rglob("*.yml")
    if "tasks" in p.parts or "handlers" in p.parts or base != "roles"))
def test_tasks_that_send_the_metadata_token_are_no_log(path):
    for task in all_tasks(load(REPO / path)):
        args = json.dumps(task[module_of(task)])
        if "169.254.169.254" in args or "metadata-token" in args.lower():
            assert task.get("no_log") is True, "%s: %r sends the metadata token and is not no_log" % (path, task["name"])

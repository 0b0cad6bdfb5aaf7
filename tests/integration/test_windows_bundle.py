"""The CodeDeploy bundle of the Windows application, as its two builders make it.

Neither CodeDeploy nor a Windows host runs here, so the bundle is checked where
it is made and read:

* ``app/appspec.yml``: ``file_exists_behavior: OVERWRITE`` (a pipeline deployment
  cannot pass the option, and the image already holds files in the site), and
  the destination is a placeholder that both builders replace;
* ``app/buildspec.yml`` (CodeBuild) is RUN: its pre_build/build/post_build
  commands, in bash, with a stand-in ``dotnet`` on PATH (the only thing that is
  not the buildspec's own) for an application not named ``web``;
* ``playbooks/bundle.yml``: its own expressions (the play's vars and the task
  that writes appspec.yml, read from the playbook) rendered by ansible-playbook
  on localhost for the same application, without AWS;
* both produce the same appspec.yml and scripts/bundle.json;
* the hook scripts end within their appspec timeouts (sum of the waits), and the
  64-bit relaunch keeps the child's exit code (a static check of common.ps1:
  no PowerShell here).
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

APPSPEC = yaml.safe_load((REPO / "app/appspec.yml").read_text())
BUILDSPEC = yaml.safe_load((REPO / "app/buildspec.yml").read_text())
SETTINGS = {"app": "shop", "version": "1.4.0", "site": "shop", "app_pool": "shop", "health_path": "/health", "port": 80}

DOTNET_STUB = """#!/bin/sh
# Stand-in for the .NET SDK: `publish --output DIR` writes what dotnet publish does.
if [ "$1" = publish ]; then
    while [ $# -gt 0 ]; do
        if [ "$1" = --output ]; then out=$2; fi
        shift
    done
    mkdir -p "$out/wwwroot"
    printf '<configuration />\\n' > "$out/web.config"
    printf 'MZ' > "$out/Shop.dll"
fi
exit 0
"""


def run_buildspec(tmp_path, env):
    """The buildspec's commands in one bash, as CodeBuild runs them (one shell for
    all phases, a failing command stops the build)."""
    work = tmp_path / "src-root"
    shutil.copytree(REPO / "app", work / "app")
    (work / "src/Web").mkdir(parents=True)
    (work / "src/Web/Web.csproj").write_text("<Project />\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dotnet").write_text(DOTNET_STUB)
    (bin_dir / "dotnet").chmod(stat.S_IRWXU)
    script = ["set -e"]
    script += ["export %s=%s" % (k, json.dumps(str(v))) for k, v in BUILDSPEC["env"]["variables"].items()]
    for phase in ("pre_build", "build", "post_build"):
        commands = BUILDSPEC["phases"][phase]["commands"]
        assert all(isinstance(c, str) for c in commands), "a command YAML reads as a mapping (': '): %s" % commands
        script += commands
    environment = {"PATH": "%s:%s" % (bin_dir, os.environ["PATH"]), "HOME": str(tmp_path), **env}
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=environment, capture_output=True,
                          text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr, work / "bundle"


def render_bundle_playbook(tmp_path, extra_vars, expect_failure=False):
    """appspec.yml and bundle.json as playbooks/bundle.yml writes them: the play's
    vars, its check of the site settings and the content of its two writing
    tasks, taken from the playbook."""
    play = yaml.safe_load((REPO / "playbooks/bundle.yml").read_text())[0]
    check = next(t for t in play["tasks"] if t["name"] == "Check the IIS site settings the bundle carries")
    block = next(t for t in play["tasks"] if "block" in t)["block"]
    appspec_task = next(t for t in block if t["name"].startswith("Write appspec.yml"))
    settings_task = next(t for t in block if t["name"] == "Write the settings the hooks read")
    out = tmp_path / "rendered"
    out.mkdir()
    playbook = [{
        "name": "Render what bundle.yml writes",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {**play["vars"], "_bundle_app_dir": str(REPO / "app")},
        "tasks": [
            check,
            {"name": "appspec",
             "ansible.builtin.copy": {"content": appspec_task["ansible.builtin.copy"]["content"],
                                      "dest": str(out / "appspec.yml"), "mode": "0644"},
             "vars": appspec_task["vars"]},
            {"name": "settings",
             "ansible.builtin.copy": {"content": settings_task["ansible.builtin.copy"]["content"],
                                      "dest": str(out / "bundle.json"), "mode": "0644"}},
        ],
    }]
    path = tmp_path / "render.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    extra_vars = dict(extra_vars, ansible_python_interpreter=sys.executable)
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(path), "-e", json.dumps(extra_vars)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    if expect_failure:
        assert proc.returncode != 0 and not (out / "appspec.yml").exists(), (proc.stdout + proc.stderr)[-3000:]
        return proc.stdout + proc.stderr
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return (out / "appspec.yml").read_text(), (out / "bundle.json").read_text()


# --- appspec.yml ----------------------------------------------------------------


def test_appspec_overwrites_files_already_on_the_instance():
    assert APPSPEC["file_exists_behavior"] == "OVERWRITE"


def test_appspec_destination_is_left_to_the_builders():
    """No application's path is written in the source appspec: both builders put the site's."""
    assert APPSPEC["files"] == [{"source": "site", "destination": "BUNDLE_SITE_PATH"}]
    assert "inetpub" not in (REPO / "app/appspec.yml").read_text().split("---", 1)[1]


# --- the two builders -------------------------------------------------------------


def test_buildspec_writes_the_appspec_and_bundle_json_of_its_application(tmp_path):
    rc, out, bundle = run_buildspec(tmp_path, {"BLUEGREEN_APP": "shop", "APP_VERSION": "1.4.0"})
    assert rc == 0, out
    appspec = yaml.safe_load((bundle / "appspec.yml").read_text())
    assert appspec["files"] == [{"source": "site", "destination": "C:\\inetpub\\shop"}]
    assert appspec["file_exists_behavior"] == "OVERWRITE"
    assert appspec["hooks"] == APPSPEC["hooks"]
    assert json.loads((bundle / "scripts/bundle.json").read_text()) == SETTINGS
    assert (bundle / "site/web.config").is_file() and (bundle / "scripts/validate.ps1").is_file()
    assert (bundle / "VERSION").read_text() == "1.4.0\n"


def test_buildspec_takes_the_site_settings(tmp_path):
    rc, out, bundle = run_buildspec(tmp_path, {
        "BLUEGREEN_APP": "shop", "APP_VERSION": "7", "BUNDLE_SITE_NAME": "Shop Site", "BUNDLE_SITE_PATH": "D:\\sites\\shop",
        "BUNDLE_APP_POOL": "shop-pool", "BUNDLE_HEALTH_PATH": "/healthz", "BUNDLE_PORT": "8080"})
    assert rc == 0, out
    assert yaml.safe_load((bundle / "appspec.yml").read_text())["files"][0]["destination"] == "D:\\sites\\shop"
    assert json.loads((bundle / "scripts/bundle.json").read_text()) == {
        "app": "shop", "version": "7", "site": "Shop Site", "app_pool": "shop-pool", "health_path": "/healthz", "port": 8080}


@pytest.mark.parametrize("env,words", [
    ({}, ["BLUEGREEN_APP is not set"]),
    ({"BLUEGREEN_APP": "shop", "BUNDLE_PORT": "eighty"}, ["BUNDLE_PORT", "eighty"]),
    ({"BLUEGREEN_APP": "shop", "BUNDLE_SITE_PATH": "inetpub\\shop"}, ["BUNDLE_SITE_PATH", "inetpub"]),
    ({"BLUEGREEN_APP": "shop", "BUNDLE_HEALTH_PATH": "health"}, ["BUNDLE_HEALTH_PATH", "health"]),
])
def test_buildspec_refuses_missing_or_bad_settings(tmp_path, env, words):
    rc, out, bundle = run_buildspec(tmp_path, {"APP_VERSION": "1", **env})
    assert rc != 0, out
    for word in words:
        assert word in out, out
    assert not (bundle / "appspec.yml").exists()


def test_both_builders_write_the_same_appspec_and_settings(tmp_path):
    rc, out, bundle = run_buildspec(tmp_path, {"BLUEGREEN_APP": "shop", "APP_VERSION": "1.4.0"})
    assert rc == 0, out
    appspec, settings = render_bundle_playbook(tmp_path, {"bluegreen_app": "shop", "version": "1.4.0"})
    assert yaml.safe_load(appspec) == yaml.safe_load((bundle / "appspec.yml").read_text())
    assert json.loads(settings) == json.loads((bundle / "scripts/bundle.json").read_text()) == SETTINGS
    assert settings == (bundle / "scripts/bundle.json").read_text()


def test_bundle_playbook_follows_the_site_settings_of_windows_web(tmp_path):
    appspec, settings = render_bundle_playbook(tmp_path, {
        "bluegreen_app": "shop", "version": "2", "windows_web_site_name": "Shop Site", "windows_web_site_port": 8080})
    assert yaml.safe_load(appspec)["files"] == [{"source": "site", "destination": "C:\\inetpub\\Shop Site"}]
    assert json.loads(settings)["site"] == "Shop Site" and json.loads(settings)["port"] == 8080


@pytest.mark.parametrize("extra,words", [
    ({"windows_web_site_path": "inetpub\\shop"}, ["site path inetpub\\shop"]),
    ({"windows_web_health_path": "health"}, ["health path health"]),
    ({"windows_web_site_port": 70000}, ["port 70000"]),
])
def test_bundle_playbook_refuses_bad_site_settings(tmp_path, extra, words):
    out = render_bundle_playbook(tmp_path, {"bluegreen_app": "shop", "version": "2", **extra}, expect_failure=True)
    for word in words:
        assert word in " ".join(out.split()), out[-3000:]


# --- the hook scripts -------------------------------------------------------------

SCRIPTS = REPO / "app/scripts"


def ps_number(text, expression):
    """The value of a number or of a $Variable assigned a number in the script."""
    expression = expression.strip()
    if re.fullmatch(r"\d+", expression):
        return int(expression)
    match = re.search(r"(?m)^\s*%s\s*=\s*(\d+)\s*$" % re.escape(expression), text)
    assert match, "%s is not assigned a number" % expression
    return int(match.group(1))


def worst_case_seconds(text):
    """Deadline + the longest request + the longest pause: what a deadline-bounded
    retry loop can take. A retry loop that is not bounded by a deadline fails."""
    sleeps = [ps_number(text, m) for m in re.findall(r"Start-Sleep -Seconds (\$?\w+)", text)]
    deadlines = [ps_number(text, m) for m in re.findall(r"\.AddSeconds\((\$?\w+)\)", text)
                 if not re.search(r"\(Get-Date\)\.AddSeconds\(%s\) -ge" % re.escape(m), text)]
    requests = [ps_number(text, m) for m in re.findall(r"-TimeoutSec (\$?\w+)", text)]
    if sleeps:
        assert deadlines, "a retry loop (Start-Sleep) without a deadline (AddSeconds)"
    return sum(deadlines) + max(requests, default=0) + max(sleeps, default=0)


# PowerShell start, the 64-bit relaunch, module import.
START_UP_SECONDS = 30


@pytest.mark.parametrize("event", sorted(APPSPEC["hooks"]))
def test_every_hook_ends_within_its_timeout(event):
    for hook in APPSPEC["hooks"][event]:
        text = (REPO / "app" / hook["location"].replace("\\", "/")).read_text()
        worst = worst_case_seconds(text) + START_UP_SECONDS
        assert worst < hook["timeout"], "%s (%s) can run %d s, its timeout is %d s" % (
            hook["location"], event, worst, hook["timeout"])


def test_validate_waits_long_enough_for_a_cold_start():
    text = (SCRIPTS / "validate.ps1").read_text()
    assert ps_number(text, "$BudgetSeconds") >= 120


def test_the_64_bit_relaunch_keeps_the_child_exit_code():
    """Windows PowerShell 5.1 wraps a native command's stderr lines in error records:
    under $ErrorActionPreference = 'Stop' the first one ends the parent (exit 1) and
    the child's exit code is lost. Static check: 'Continue' for the relaunch, the
    child's exit code captured right after it, and never $null (exit $null is 0)."""
    text = (SCRIPTS / "common.ps1").read_text()
    function = text[text.index("function Invoke-In64BitPowerShell"):]
    call = function.index("& $PowerShell64")
    relaxed = [m.start() for m in re.finditer(r"\$ErrorActionPreference = 'Continue'", function)]
    assert relaxed and relaxed[-1] < call, "the relaunch runs under the script's 'Stop'"
    assert "'Stop'" not in function[relaxed[-1]:call]
    after = function[call:]
    assert re.search(r"\$ChildExitCode = \$LASTEXITCODE", after)
    assert re.search(r"if \(\$null -eq \$ChildExitCode\) \{ \$ChildExitCode = 1 \}", after)
    assert re.search(r"exit \$ChildExitCode", after)
    # The module-level preference stays 'Stop' for the hooks themselves.
    assert text.index("$ErrorActionPreference = 'Stop'") < text.index("function Invoke-In64BitPowerShell")

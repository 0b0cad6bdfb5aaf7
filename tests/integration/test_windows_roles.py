"""Windows roles, playbook and Packer templates: everything that runs without a
Windows host or an AWS account.

* ``playbooks/windows.yml`` passes ``--syntax-check`` and, on the embedded AWS
  inventory (no Windows host), is a no-op that says so;
* bad role input is rejected before any task touches the host: by the roles'
  ``meta/argument_specs.yml`` (types, choices) or, for formats argument_specs
  cannot express (versions, checksums, paths), by the role's first task, an
  assert that runs on the controller. The roles are applied to ``localhost``
  with ``ansible_connection: local``: had validation let the input through, the
  next task (a Windows module) would fail differently, and the test would see it;
* the Packer templates pass ``packer validate`` and ``packer fmt -check`` and
  refuse WinRM open to the world (skipped when ``packer`` is not on PATH);
* no default opens WinRM (5986/5985) or RDP (3389) to 0.0.0.0/0, and the final
  image step disables WinRM.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

PACKER = REPO / "packer"
PACKER_VARS = ["-var", "build_run_id=ci", "-var-file=" + str(PACKER / "example.pkrvars.hcl")]
APP_VARS = ["-var", "source_ami=ami-0123456789abcdef0"]


def run(cmd, **kwargs):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
    # ansible-playbook from the interpreter running the tests (Packer's ansible
    # provisioner also looks it up on PATH when it validates).
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("BLUEGREEN_WINDOWS_TEST", None)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    return proc.returncode, proc.stdout + proc.stderr


def task_names(output):
    return re.findall(r"^TASK \[([^\]]+)\]", output, re.MULTILINE)


# --- playbook ---------------------------------------------------------------------


def test_windows_playbook_syntax():
    rc, out = run(["ansible-playbook", "--syntax-check", "playbooks/windows.yml"])
    assert rc == 0, out


def test_windows_playbook_is_a_clear_noop_without_windows_hosts():
    rc, out = run(["ansible-playbook", "playbooks/windows.yml"])
    assert rc == 0, out
    assert "No Windows host in this inventory" in out
    assert "skipping: no hosts matched" in out
    assert "changed=0" in out


# --- role input validation --------------------------------------------------------

BAD_INPUT = [
    # (role, extra vars, words the message must contain)
    ("windows_web", {"windows_web_hosting_bundle_version": "8.x"}, ["windows_web_hosting_bundle_version", "8.x"]),
    ("windows_web", {"windows_web_hosting_bundle_version": "latest"}, ["windows_web_hosting_bundle_version", "latest"]),
    ("windows_web", {"windows_web_hosting_bundle_version": "8.0"}, ["windows_web_hosting_bundle_version", "8.0"]),
    ("windows_web", {"windows_web_hosting_bundle_checksum": "abc123"}, ["windows_web_hosting_bundle_checksum", "abc123"]),
    ("windows_web", {"windows_web_hosting_bundle_url": "http://example.com/x.exe"}, ["windows_web_hosting_bundle_url", "https://"]),
    ("windows_web", {"windows_web_health_path": "health"}, ["windows_web_health_path", "health"]),
    ("windows_web", {"windows_web_site_port": "eighty"}, ["windows_web_site_port", "eighty"]),
    ("windows_web", {"windows_web_site_port": 70000}, ["windows_web_site_port", "70000"]),
    ("windows_web", {"windows_web_features": "Web-Server"}, []),  # a str is split into a list: accepted, see below
    ("windows_web", {"windows_web_verify": "maybe"}, ["windows_web_verify", "maybe"]),
    ("codedeploy_agent", {"codedeploy_agent_version": "v1.7"}, ["codedeploy_agent_version", "v1.7"]),
    ("codedeploy_agent", {"codedeploy_agent_version": "1.x"}, ["codedeploy_agent_version", "1.x"]),
    ("codedeploy_agent", {"codedeploy_agent_region": "Mars"}, ["codedeploy_agent_region", "Mars"]),
    ("codedeploy_agent", {"codedeploy_agent_bucket_url": "http://mirror"}, ["codedeploy_agent_bucket_url", "http://mirror"]),
    ("codedeploy_agent", {"codedeploy_agent_verify": "perhaps"}, ["codedeploy_agent_verify", "perhaps"]),
]
# A string where a list is expected is converted by argument_specs (comma split),
# so it is not bad input; keep the table honest.
BAD_INPUT = [case for case in BAD_INPUT if case[2]]

# The only tasks allowed to have run when input is rejected: argument_specs
# validation, and the role's own input checks (controller-side asserts).
VALIDATION_TASKS = re.compile(r"Validating arguments against arg spec|Check the input formats|Check the bucket URL")


@pytest.mark.parametrize(
    "role,extra_vars,words",
    BAD_INPUT,
    ids=["%s-%s" % (case[0], "-".join("%s=%s" % kv for kv in case[1].items())) for case in BAD_INPUT],
)
def test_bad_role_input_is_rejected_before_any_task(tmp_path, role, extra_vars, words):
    playbook = tmp_path / "apply.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  connection: local\n"
        "  gather_facts: false\n"
        "  roles:\n"
        "    - bluegreen.aws.%s\n" % role
    )
    rc, out = run_with_config(playbook, extra_vars)
    assert rc != 0, "bad input %s was accepted:\n%s" % (extra_vars, out[-3000:])
    for word in words:
        assert word in out, "the message does not name %r:\n%s" % (word, out[-3000:])
    ran = [name for name in task_names(out) if not VALIDATION_TASKS.search(name)]
    assert not ran, "tasks ran before the input was rejected: %s\n%s" % (ran, out[-3000:])
    assert re.search(r"localhost\s+:.*failed=1", out), out[-3000:]


def run_with_config(playbook, extra_vars):
    """ansible-playbook on a playbook outside the repository, with the repository's ansible.cfg."""
    import json

    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        ["ansible-playbook", str(playbook), "-e", json.dumps(extra_vars)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


# --- Packer -----------------------------------------------------------------------

needs_packer = pytest.mark.skipif(
    shutil.which("packer") is None,
    reason="packer is not on PATH (CI installs Debian's packer 1.6.6: apt-get install -y packer)",
)


@needs_packer
def test_packer_fmt():
    rc, out = run(["packer", "fmt", "-check", "-diff", str(PACKER)])
    assert rc == 0, "packer fmt would change:\n" + out


@needs_packer
@pytest.mark.parametrize("template,extra", [("prerequisites.pkr.hcl", []), ("application.pkr.hcl", APP_VARS)])
def test_packer_validate(template, extra):
    # One template at a time: plugins.pkr.hcl (required_plugins) is for Packer >= 1.7.
    rc, out = run(["packer", "validate", *PACKER_VARS, *extra, str(PACKER / template)])
    assert rc == 0, out


@needs_packer
@pytest.mark.parametrize("template,extra", [("prerequisites.pkr.hcl", []), ("application.pkr.hcl", APP_VARS)])
@pytest.mark.parametrize("cidrs", ['["0.0.0.0/0"]', '["192.0.2.10/32", "0.0.0.0/0"]', "[]"])
def test_packer_refuses_winrm_open_to_the_world(template, extra, cidrs):
    rc, out = run(["packer", "validate", *PACKER_VARS, *extra, "-var", "winrm_source_cidrs=" + cidrs, str(PACKER / template)])
    assert rc != 0, out
    assert "winrm_source_cidrs" in out, out


@needs_packer
def test_packer_needs_the_build_host_cidr():
    rc, out = run(["packer", "validate", "-var", "build_run_id=ci", str(PACKER / "prerequisites.pkr.hcl")])
    assert rc != 0
    assert 'Unset variable "winrm_source_cidrs"' in out, out


@needs_packer
@pytest.mark.parametrize("ami", ["latest", "", "ami-XYZ"])
def test_packer_application_needs_an_ami_id(ami):
    rc, out = run(["packer", "validate", *PACKER_VARS, "-var", "source_ami=" + ami, str(PACKER / "application.pkr.hcl")])
    assert rc != 0
    assert "source_ami" in out, out


# --- static guarantees --------------------------------------------------------------

WORLD_OPEN = re.compile(r"0\.0\.0\.0/0|::/0")
# Lines that mention 0.0.0.0/0 to refuse it, not to open anything.
REFUSING = re.compile(r"description|error_message|contains\(|refused|never", re.IGNORECASE)


def test_no_default_opens_winrm_or_rdp_to_the_world():
    files = [
        *PACKER.glob("*.pkr.hcl"),
        *PACKER.glob("*.pkrvars.hcl"),
        *PACKER.glob("scripts/*.ps1"),
        REPO / "inventories/aws/group_vars/windows.yml",
        *(REPO / "roles/windows_web").rglob("*.yml"),
        *(REPO / "roles/codedeploy_agent").rglob("*.yml"),
    ]
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if WORLD_OPEN.search(code) and not REFUSING.search(code):
                pytest.fail("%s:%d opens something to the world: %s" % (path.relative_to(REPO), number, line.strip()))
            assert "3389" not in code, "%s:%d mentions RDP: %s" % (path.relative_to(REPO), number, line.strip())


def test_no_secret_in_the_windows_files():
    texts = {
        str(p.relative_to(REPO)): p.read_text()
        for p in [*PACKER.rglob("*.hcl"), *PACKER.rglob("*.ps1"), REPO / "inventories/aws/group_vars/windows.yml"]
    }
    for name, text in texts.items():
        assert not re.search(r"winrm_password\s*=", text), name
        assert not re.search(r"(?im)^\s*ansible_password:\s*['\"]?[^'\"{\s]", text), name
        assert "ConvertTo-SecureString" not in text, name


def test_final_image_has_winrm_disabled():
    finalize = (PACKER / "scripts/finalize.ps1").read_text()
    assert "Set-Service -Name WinRM -StartupType Disabled" in finalize
    assert "Remove-Item -Recurse -Force" in finalize  # every listener
    assert "sysprep" in finalize
    for template in ("prerequisites.pkr.hcl", "application.pkr.hcl"):
        text = (PACKER / template).read_text()
        last = text[text.rindex('provisioner "') :]
        assert last.startswith('provisioner "powershell"') and "scripts/finalize.ps1" in last, template
        assert re.search(r"disable_stop_instance\s*=\s*true", text), template

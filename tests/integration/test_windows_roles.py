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
  image step disables WinRM;
* the connection the aws inventory gives the ``windows`` group: ``aws_ssm`` by
  default, WinRM over HTTPS with ``bluegreen_winrm_enabled`` (password resolved
  from SSM in the embedded AWS, never printed), shown by where each attempt to
  reach a host that does not exist fails;
* the fleet user data: nothing about WinRM by default; with WinRM enabled, an
  HTTPS listener on 5986 only, the password read from the SSM parameter at
  launch, a firewall rule for the admin CIDRs.
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
    # WinRM on the stack roles: a missing admin CIDR, the whole internet, no CA, a bad key.
    ("network", {"network_winrm_enabled": True, "bluegreen_admin_cidrs": []}, ["network_admin_cidrs", "network_winrm_enabled", "5986"]),
    ("network", {"bluegreen_winrm_enabled": True, "bluegreen_admin_cidrs": []}, ["network_admin_cidrs", "network_winrm_enabled"]),
    ("network", {"network_winrm_enabled": True, "bluegreen_admin_cidrs": ["0.0.0.0/0"]}, ["0.0.0.0/0", "whole internet"]),
    ("network", {"network_winrm_enabled": "sometimes"}, ["network_winrm_enabled", "sometimes"]),
    ("fleet", {"fleet_winrm_enabled": True}, ["fleet_winrm_certificate_issuer", "self-signed"]),
    ("fleet", {"fleet_winrm_enabled": True, "fleet_winrm_certificate": "none"}, ["fleet_winrm_certificate", "none"]),
    ("fleet", {"fleet_winrm_enabled": True, "fleet_winrm_certificate": "self-signed", "bluegreen_admin_cidrs": ["0.0.0.0/0"]},
     ["fleet_winrm_source_cidrs", "0.0.0.0/0"]),
    ("fleet", {"fleet_winrm_enabled": True, "fleet_winrm_certificate": "self-signed", "bluegreen_admin_cidrs": []},
     ["fleet_winrm_source_cidrs"]),
    ("fleet", {"fleet_winrm_enabled": True, "fleet_winrm_certificate_issuer": "Corp CA", "fleet_winrm_password_parameter": "P@ss w0rd"},
     ["fleet_winrm_password_parameter", "P@ss w0rd"]),
    ("iam", {"iam_winrm_enabled": True, "iam_winrm_password_kms_key_arn": "alias/winrm"}, ["iam_winrm_password_kms_key_arn", "alias/winrm"]),
]
# A string where a list is expected is converted by argument_specs (comma split),
# so it is not bad input; keep the table honest.
BAD_INPUT = [case for case in BAD_INPUT if case[2]]

# The only tasks allowed to have run when input is rejected: argument_specs
# validation, and the role's own input checks (controller-side asserts).
VALIDATION_TASKS = re.compile(
    r"Validating arguments against arg spec|Check the input formats|Check the bucket URL|Check the network inputs"
    r"|Check WinRM has admin CIDRs|Check the WinRM inputs of the user data|Check the WinRM password parameter inputs"
)
# What the stack roles need besides the input under test (no AWS call is made:
# the input is rejected first, and nothing listens on the endpoint).
STACK_VARS = {
    "bluegreen_app": "web",
    "bluegreen_region": "us-east-1",
    "bluegreen_admin_cidrs": ["192.0.2.0/24"],
    "bluegreen_artifact_bucket": "web-artifacts",
    "fleet_instance_profile": "web-ec2",
}


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
    rc, out = run_with_config(playbook, dict(STACK_VARS, **extra_vars) if role in ("network", "fleet", "iam") else extra_vars)
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
    # Should validation let bad input through, AWS calls go nowhere (discard port).
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
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


TEMPLATE = PACKER / "windows.pkr.hcl"
ONLY = {"prerequisites": ["-only=amazon-ebs.prerequisites"], "application": ["-only=amazon-ebs.application", *APP_VARS]}


@needs_packer
def test_packer_fmt():
    rc, out = run(["packer", "fmt", "-check", "-diff", str(PACKER)])
    assert rc == 0, "packer fmt would change:\n" + out


@needs_packer
@pytest.mark.parametrize("only", [[], ONLY["prerequisites"], ONLY["application"]], ids=["both", "prerequisites", "application"])
def test_packer_validate(only):
    # One template file: plugins.pkr.hcl (required_plugins) is for Packer >= 1.7.
    rc, out = run(["packer", "validate", *PACKER_VARS, *APP_VARS, *only, str(TEMPLATE)])
    assert rc == 0, out


@needs_packer
@pytest.mark.parametrize("build", ["prerequisites", "application"])
def test_packer_validate_really_checks_the_selected_build(build):
    """A -only that matches no build validates nothing and passes: prove that
    each selector used by build.sh reaches its source."""
    rc, out = run(["packer", "validate", *PACKER_VARS, *ONLY[build], "-var", "instance_type=", str(TEMPLATE)])
    assert rc != 0 and "instance_type" in out, out
    build_sh = (PACKER / "build.sh").read_text()
    assert "packer build %s " % ONLY[build][0] in build_sh


@needs_packer
@pytest.mark.parametrize("build", ["prerequisites", "application"])
@pytest.mark.parametrize("cidrs", ['["0.0.0.0/0"]', '["192.0.2.10/32", "0.0.0.0/0"]', "[]"])
def test_packer_refuses_winrm_open_to_the_world(build, cidrs):
    rc, out = run(["packer", "validate", *PACKER_VARS, *ONLY[build], "-var", "winrm_source_cidrs=" + cidrs, str(TEMPLATE)])
    assert rc != 0, out
    assert "winrm_source_cidrs" in out, out


@needs_packer
def test_packer_needs_the_build_host_cidr():
    rc, out = run(["packer", "validate", "-var", "build_run_id=ci", *ONLY["prerequisites"], str(TEMPLATE)])
    assert rc != 0
    assert 'Unset variable "winrm_source_cidrs"' in out, out


@needs_packer
@pytest.mark.parametrize("ami", ["latest", "", "ami-XYZ"])
def test_packer_application_needs_an_ami_id(ami):
    rc, out = run(["packer", "validate", *PACKER_VARS, "-only=amazon-ebs.application", "-var", "source_ami=" + ami, str(TEMPLATE)])
    assert rc != 0
    assert "source_ami" in out, out


@needs_packer
@pytest.mark.parametrize("build", ["prerequisites", "application"])
@pytest.mark.parametrize("version", ["1.2.0+build.5", "1 2", "", "a/b", "-1", "x" * 65])
def test_packer_refuses_an_app_version_an_ami_name_cannot_hold(build, version):
    """app_version is part of the AMI name, which CreateImage checks only after
    sysprep: refused by validation before anything starts ("+" is allowed in a
    bundle version, not in an AMI name)."""
    rc, out = run(["packer", "validate", *PACKER_VARS, *ONLY[build], "-var", "app_version=" + version, str(TEMPLATE)])
    assert rc != 0, out
    assert "app_version" in out and "AMI name" in out, out


@needs_packer
@pytest.mark.parametrize("version", ["1.2.0", "2024.01.15-rc_1", "7"])
def test_packer_accepts_an_ami_name_version(version):
    rc, out = run(["packer", "validate", *PACKER_VARS, *ONLY["application"], "-var", "app_version=" + version, str(TEMPLATE)])
    assert rc == 0, out


def hcl_strings(text):
    return [s.replace('\\"', '"') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', text)]


def packer_check_arg(name, args):
    """The ansible provisioner's checkArg (provisioner/ansible/provisioner.go): an
    argument that, split at "=", has a piece equal to the name. When it finds
    ansible_password it does not append "-e ansible_password=<password>"."""
    return any(piece == name for arg in args for piece in arg.split("="))


def test_packer_waits_long_enough_for_sysprep():
    """disable_stop_instance: Packer waits for sysprep to stop the instance; the
    default waiter (40 x 15 s) is short for Windows. Each source sets aws_polling."""
    sources = re.findall(r'(?ms)^source "amazon-ebs" "(\w+)" \{(.*?)^\}', TEMPLATE.read_text())
    assert len(sources) == 2
    for name, body in sources:
        polling = re.search(r"aws_polling \{\s*delay_seconds\s*=\s*(\d+)\s*max_attempts\s*=\s*(\d+)\s*\}", body)
        assert polling, "%s has no aws_polling" % name
        assert int(polling.group(1)) * int(polling.group(2)) >= 3600, name


def test_the_build_password_is_not_on_the_ansible_command_line(tmp_path):
    """The password goes to ansible-playbook in its environment (readable by the
    same user only), never in its arguments (``ps`` shows them to every user):
    no argument carries it, an argument sets ansible_password so the provisioner
    adds none, and Ansible, given exactly these arguments and the variable,
    connects with the password."""
    text = TEMPLATE.read_text()
    local = re.search(r"(?ms)^  ansible_winrm_arguments = \[(.*?)^  \]", text).group(1)
    arguments = hcl_strings(local)
    provisioners = re.findall(r'(?ms)^  provisioner "ansible" \{(.*?)^  \}', text)
    assert len(provisioners) == 2
    for body in provisioners:
        extra = re.search(r"(?ms)extra_arguments = concat\(local\.ansible_winrm_arguments, \[(.*?)\]\)", body)
        assert extra, body
        args = arguments + hcl_strings(extra.group(1))
        assert not re.search(r"Password|password\}", " ".join(args)), args
        assert packer_check_arg("ansible_password", args), "the provisioner would append -e ansible_password=<password>"
        env = re.search(r"ansible_env_vars = (.*)", body).group(1)
        assert '"BLUEGREEN_BUILD_WINRM_PASSWORD=${build.Password}"' in env, env
    assert "${build.Password}" not in text.replace('"BLUEGREEN_BUILD_WINRM_PASSWORD=${build.Password}"', "")

    # Ansible resolves it from the environment, with exactly these arguments.
    secret = "Gen3rated-P@ss {x}"
    values = {"${abspath(path.root)}": str(PACKER), "${var.app_name}": "web", "${var.region}": "us-east-1"}
    args = [re.sub(r"\$\{[^}]+\}", lambda m: values[m.group(0)], a) for a in arguments]
    playbook = tmp_path / "check.yml"
    playbook.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.assert:\n        that: ansible_password == lookup('ansible.builtin.env', 'EXPECTED')\n"
        "        quiet: true\n")
    env = dict(os.environ, BLUEGREEN_BUILD_WINRM_PASSWORD=secret, EXPECTED=secret, ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    argv = ["ansible-playbook", "-i", "localhost,", str(playbook), *args, "-e", "ansible_connection=local",
            "-e", "ansible_python_interpreter=" + sys.executable]
    assert secret not in " ".join(argv)
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert secret not in proc.stdout + proc.stderr


def test_the_seal_transcript_runs_until_sysprep():
    seal = (PACKER / "scripts/finalize.ps1").read_text()
    start, stop = seal.index("Start-Transcript"), seal.rindex("Stop-Transcript")
    assert seal.count("Stop-Transcript") == 1
    for step in ("sysprep --shutdown", "SysprepInstance.ps1", "Stop-Computer -Force"):
        assert start < seal.index(step) < stop, step


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
        for p in [*PACKER.rglob("*.hcl"), *PACKER.rglob("*.ps1"), *(REPO / "inventories").rglob("*.yml"),
                  REPO / "roles/fleet/templates/user_data.ps1.j2", *(REPO / "extensions/molecule/windows").glob("*.yml")]
    }
    for name, text in texts.items():
        assert not re.search(r"winrm_password\s*=", text), name
        assert not re.search(r"(?im)^\s*ansible_password:\s*['\"]?[^'\"{>\s]", text), name
        assert not re.search(r"(?im)^\s*vault_bluegreen_winrm_password:", text), name
        assert "ConvertTo-SecureString" not in text, name
        assert not re.search(r"-AsPlainText|net user \S+ \S+", text), name


def test_no_credential_anywhere_in_the_repository():
    """AWS access keys, private keys, Vault payloads that are not this repo's,
    or a password given a literal value: none in any tracked file."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    patterns = {
        "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        "vault payload": re.compile(r"\$ANSIBLE_VAULT;"),
        "literal password": re.compile(r"(?im)^\s*[a-z_]*password:[ \t]*(?!['\"]?[{>|]|[ \t]*$)\S"),
    }
    for name in files:
        path = REPO / name
        if not path.is_file() or path.is_symlink() or name.startswith("tests/"):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for what, pattern in patterns.items():
            match = pattern.search(text)
            assert not match, "%s: %s: %s" % (name, what, match.group(0))


def test_final_image_has_winrm_disabled():
    finalize = (PACKER / "scripts/finalize.ps1").read_text()
    assert "Set-Service -Name WinRM -StartupType Disabled" in finalize
    assert "Remove-Item -Recurse -Force" in finalize  # every listener
    assert "sysprep" in finalize
    text = TEMPLATE.read_text()
    builds = re.split(r"(?m)^build \{", text)[1:]
    assert [re.search(r'sources = \["source\.amazon-ebs\.(\w+)"\]', b).group(1) for b in builds] == ["prerequisites", "application"]
    for build in builds:
        last = build[build.rindex('provisioner "') :]
        assert last.startswith('provisioner "powershell"') and "scripts/finalize.ps1" in last, build[:80]
    sources = re.findall(r'(?ms)^source "amazon-ebs" "(\w+)" \{(.*?)^\}', text)
    assert [source[0] for source in sources] == ["prerequisites", "application"]
    for name, body in sources:
        assert re.search(r"disable_stop_instance\s*=\s*true", body), name
        assert re.search(r"temporary_security_group_source_cidrs\s*=\s*var\.winrm_source_cidrs", body), name


def test_no_default_or_inventory_opens_winrm_or_rdp_to_the_world():
    """Every inventory, role default and role template: nothing opens 5986/5985
    or 3389 to the whole internet. The only world-open default is the
    production listener of the load balancer (port 80/443, network_public_cidrs)."""
    files = [
        *(REPO / "inventories").rglob("*.yml"),
        *(REPO / "roles").glob("*/defaults/*.yml"),
        *(REPO / "roles").glob("*/templates/*"),
        REPO / "playbooks/windows.yml",
    ]
    allowed = {("roles/network/defaults/main.yml", "network_public_cidrs:")}
    for path in files:
        name = str(path.relative_to(REPO))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0] if path.suffix in (".yml", ".yaml") else line
            assert "3389" not in code, "%s:%d mentions RDP: %s" % (name, number, line.strip())
            if WORLD_OPEN.search(code) and not REFUSING.search(code):
                assert any(name == f and code.strip().startswith(k) for f, k in allowed), (
                    "%s:%d opens something to the world: %s" % (name, number, line.strip()))
    # The WinRM rule of the instance security group takes the admin CIDRs, nothing else.
    present = (REPO / "roles/network/tasks/present.yml").read_text()
    winrm_rules = [line for line in present.splitlines() if "network_winrm_port" in line]
    assert winrm_rules and all("'cidr_ip': network_admin_cidrs" in line for line in winrm_rules), winrm_rules


# --- the connection of the windows group (aws inventory) --------------------------


def windows_inventory(tmp_path, **host_vars):
    """A static stand-in for the aws_ec2 inventory: one instance as aws_ec2 would
    describe it, in color_blue and windows, with the repository's
    inventories/aws/group_vars. The address is a loopback port nothing listens on."""
    import json

    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "group_vars").symlink_to(REPO / "inventories/aws/group_vars")
    host = {
        "ansible_host": "127.0.0.1",
        "instance_id": "i-0123456789abcdef0",
        "owner_id": "123456789012",
        "placement": {"region": "us-east-1"},
        "tags": {"App": "web", "Color": "blue"},
    }
    host.update(host_vars)
    (inventory / "hosts.yml").write_text(json.dumps(
        {"windows": {"children": {"color_blue": {"hosts": {"i-0123456789abcdef0": host}}}}}))
    return inventory


def run_windows_playbook(inventory, *extra, endpoint="http://127.0.0.1:9"):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["AWS_ENDPOINT_URL"] = endpoint
    env.pop("BLUEGREEN_WINRM_CA_PATH", None)
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "playbooks/windows.yml", *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_windows_hosts_use_the_aws_ssm_connection_by_default(tmp_path):
    """No inbound port, no password: the first task that needs the host goes
    through Session Manager (here it stops at the missing session-manager-plugin,
    which proves which connection was chosen), and no password was looked up."""
    rc, out = run_windows_playbook(windows_inventory(tmp_path))
    assert rc != 0
    assert "ok: [i-0123456789abcdef0]" in out, out[-4000:]  # the connection checks passed
    assert re.search(r"session-manager-plugin|aws_ssm", out), out[-4000:]
    assert "5986" not in out.split("Check the connection settings", 1)[1], out[-4000:]
    assert "Read the WinRM password" not in task_names(out) or "skipping: [i-0123456789abcdef0]" in out, out[-4000:]
    assert "wsman" not in out.lower(), out[-4000:]


def test_windows_hosts_over_winrm_get_the_password_from_ssm_and_https_5986(tmp_path, aws):
    """bluegreen_winrm_enabled: the password comes from the SecureString in the
    (embedded) SSM, is never printed, and the connection is HTTPS to 5986 with
    certificate validation on; nothing listens there, so the host is unreachable."""
    secret = "Not-In-The-Output-7f3a"
    aws.client("ssm").put_parameter(Name="/bluegreen/web/winrm-password", Value=secret, Type="SecureString")
    rc, out = run_windows_playbook(windows_inventory(tmp_path), "-e", "bluegreen_winrm_enabled=true", endpoint=aws.url)
    assert rc != 0
    assert secret not in out
    assert "UNREACHABLE" in out, out[-4000:]
    assert re.search(r"HTTPSConnectionPool\(host='127\.0\.0\.1', port=5986\).*url: /wsman", out), out[-4000:]
    assert "is not checked" not in out  # validate: no lab warning


def test_winrm_without_a_password_says_where_to_put_it(tmp_path, aws):
    rc, out = run_windows_playbook(windows_inventory(tmp_path), "-e", "bluegreen_winrm_enabled=true", endpoint=aws.url)
    assert rc != 0
    assert "No WinRM password for i-0123456789abcdef0" in out, out[-4000:]
    assert "vault_bluegreen_winrm_password" in out and "/bluegreen/web/winrm-password" in out, out[-4000:]


def test_winrm_refuses_http_5985(tmp_path):
    rc, out = run_windows_playbook(
        windows_inventory(tmp_path), "-e", "bluegreen_winrm_enabled=true", "-e", "ansible_port=5985",
        "-e", "ansible_winrm_scheme=http")
    assert rc != 0
    assert "WinRM over HTTPS" in out and "got connection winrm, port 5985, scheme http" in out, out[-4000:]


# --- fleet user data ------------------------------------------------------------


def render_user_data(**variables):
    """roles/fleet/templates/user_data.ps1.j2 as the fleet role's template lookup renders it."""
    import jinja2

    env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["bool"] = lambda value: value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    base = {
        "fleet_app": "web", "item": "blue", "fleet_winrm_enabled": False, "fleet_region": "us-east-1",
        "fleet_winrm_port": 5986, "fleet_winrm_user": "Administrator",
        "fleet_winrm_password_parameter": "/bluegreen/web/winrm-password", "fleet_winrm_certificate": "ca",
        "fleet_winrm_certificate_issuer": "Example Issuing CA", "fleet_winrm_certificate_wait": 900,
        "fleet_winrm_source_cidrs": ["192.0.2.0/24", "198.51.100.7/32"],
    }
    base.update(variables)
    return env.from_string((REPO / "roles/fleet/templates/user_data.ps1.j2").read_text()).render(**base)


def test_fleet_user_data_leaves_winrm_closed_by_default():
    text = render_user_data()
    assert "WinRM" not in text and "5986" not in text and "SSMParameter" not in text
    assert text.startswith("<powershell>") and text.rstrip().endswith("</powershell>")


@pytest.mark.parametrize("certificate", ["ca", "self-signed"])
def test_fleet_user_data_opens_winrm_over_https_only(certificate):
    text = render_user_data(fleet_winrm_enabled=True, fleet_winrm_certificate=certificate)
    # The password: from the parameter at launch, never in the user data.
    assert "Get-SSMParameter -Name $parameter -WithDecryption $true -Region 'us-east-1'" in text
    assert "$parameter = '/bluegreen/web/winrm-password'" in text
    assert "ConvertTo-SecureString" not in text and "Remove-Variable -Name password" in text
    # HTTPS on 5986 only; every other listener removed; no Basic, no CredSSP, no cleartext.
    assert "Get-ChildItem -Path WSMan:\\localhost\\Listener | Remove-Item -Recurse -Force" in text
    assert re.search(r"New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS -Address \* -Port 5986", text)
    assert "-Transport HTTP " not in text
    for setting in ("Auth\\Basic -Value $false", "Auth\\CredSSP -Value $false", "AllowUnencrypted -Value $false"):
        assert setting in text
    # The Windows Firewall admits the admin CIDRs only.
    assert "-LocalPort 5986 -Action Allow -Profile Any `\n    -RemoteAddress @('192.0.2.0/24', '198.51.100.7/32')" in text
    if certificate == "ca":
        assert "New-SelfSignedCertificate" not in text
        assert "$issuer = 'Example Issuing CA'" in text and "1.3.6.1.5.5.7.3.1" in text
    else:
        assert "New-SelfSignedCertificate" in text and "LAB ONLY" in text


def test_fleet_user_data_sets_the_environment_before_iis_serves():
    """w3wp takes its environment from WAS, and WAS and W3SVC start at boot, before
    user data runs: the machine variables are set first, then WAS is restarted
    (W3SVC with it) and W3SVC started; nothing starts IIS before the variables."""
    text = render_user_data()
    settings = [text.index("SetEnvironmentVariable('BLUEGREEN_%s'" % name) for name in ("APP", "COLOR")]
    restart = text.index("Restart-Service -Name WAS -Force")
    start = text.index("Start-Service -Name W3SVC")
    assert max(settings) < restart < start, text
    starts_iis = [m.start() for m in re.finditer(r"(Start|Restart)-Service -Name (WAS|W3SVC)", text)]
    assert min(starts_iis) > max(settings), text
    assert "'BLUEGREEN_COLOR', 'blue', 'Machine'" in text


@pytest.mark.parametrize("user,filtered", [("Administrator", False), ("administrator", False), ("bluegreen-admin", True)])
def test_fleet_user_data_lets_a_local_winrm_user_in(user, filtered):
    """A local administrator other than the built-in one gets a filtered token over
    the network (UAC remote restrictions) unless LocalAccountTokenFilterPolicy is 1."""
    text = render_user_data(fleet_winrm_enabled=True, fleet_winrm_user=user)
    policy = "-Name LocalAccountTokenFilterPolicy -PropertyType DWord -Value 1 -Force"
    assert (policy in text) is filtered
    if filtered:
        assert "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System" in text
        assert "WinNT://./bluegreen-admin,user" in text
    assert "LocalAccountTokenFilterPolicy" not in render_user_data(fleet_winrm_user=user)  # WinRM off: nothing


def test_fleet_user_data_quotes_what_it_is_given():
    text = render_user_data(fleet_winrm_enabled=True, fleet_winrm_certificate_issuer="O'Brien CA")
    assert "$issuer = 'O''Brien CA'" in text


# --- the WinRM switch on the embedded AWS -----------------------------------------

STACK_PLAYBOOK = """
- name: Network, roles and fleet of one application
  hosts: web
  gather_facts: false
  module_defaults:
    group/bluegreen.aws.aws:
      region: "{{ bluegreen_region }}"
      endpoint_url: "{{ bluegreen_endpoint_url }}"
      access_key: "{{ bluegreen_access_key }}"
      secret_key: "{{ bluegreen_secret_key }}"
  pre_tasks:
    - name: Identify the AWS account
      amazon.aws.aws_caller_info:
      register: _caller
    - name: Remember the account
      ansible.builtin.set_fact:
        bluegreen_account_id: "{{ _caller.account }}"
  roles: %s
"""


def test_winrm_switch_opens_and_closes_it_consistently(tmp_path, aws):
    """bluegreen_winrm_enabled=true, then false, on the embedded AWS, read back:
    the instance security group admits 5986 from the admin CIDRs only, the
    instance role may read exactly the one password parameter (Session Manager
    in both cases, no AmazonSSMManagedInstanceCore), and the launch template's
    user data opens WinRM over HTTPS; switched off, the rule and the parameter
    grant are gone again."""
    import base64
    import json
    import urllib.parse

    # Switched on: the whole path to the launch template. Switched off: the
    # roles that close it again (the user data without WinRM is checked above,
    # rendered; CI time matters).
    playbook_on, playbook_off = tmp_path / "on.yml", tmp_path / "off.yml"
    playbook_on.write_text(STACK_PLAYBOOK % "[bluegreen.aws.network, bluegreen.aws.iam, bluegreen.aws.load_balancer, bluegreen.aws.fleet]")
    playbook_off.write_text(STACK_PLAYBOOK % "[bluegreen.aws.network, bluegreen.aws.iam]")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")

    def apply(enabled):
        playbook = playbook_on if enabled == "true" else playbook_off
        proc = subprocess.run(
            ["ansible-playbook", "-i", str(REPO / "inventories/local"), str(playbook),
             "-e", "bluegreen_endpoint_url=" + aws.url, "-e", "fleet_wait=false", "-e", "fleet_capacity=1",
             # The local inventory leaves user data out of the templates (an emulator defect
             # with template versions, see its group_vars); this template is new, so it is safe.
             "-e", "fleet_user_data=true",
             "-e", "bluegreen_winrm_enabled=%s" % enabled, "-e", "bluegreen_winrm_certificate_issuer=Example Issuing CA"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]

    ec2, iam = aws.client("ec2"), aws.client("iam")

    def winrm_rules():
        group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-instances"]}])["SecurityGroups"][0]
        return [(p["FromPort"], p["ToPort"], sorted(r["CidrIp"] for r in p["IpRanges"]), p.get("Ipv6Ranges", []))
                for p in group["IpPermissions"] if p["FromPort"] != 80]

    def inline(name):
        document = iam.get_role_policy(RoleName="web-ec2", PolicyName=name)["PolicyDocument"]
        return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document

    def user_data():
        data = ec2.describe_launch_template_versions(LaunchTemplateName="web-blue", Versions=["$Latest"])[
            "LaunchTemplateVersions"][0]["LaunchTemplateData"]
        return base64.b64decode(data["UserData"]).decode()

    apply("true")
    assert winrm_rules() == [(5986, 5986, ["10.0.0.0/8"], [])]
    assert sorted(iam.list_role_policies(RoleName="web-ec2")["PolicyNames"]) == [
        "read-release-bundles", "session-manager", "winrm-password", "write-logs"]
    assert iam.list_attached_role_policies(RoleName="web-ec2")["AttachedPolicies"] == []
    statements = inline("winrm-password")["Statement"]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["ssm:GetParameter"], "arn:aws:ssm:us-east-1:123456789012:parameter/bluegreen/web/winrm-password")]
    session = inline("session-manager")["Statement"]
    assert all(not a.startswith(("ssm:GetParameter", "s3:", "kms:")) for s in session for a in s["Action"])
    text = user_data()
    assert "-Transport HTTPS -Address * -Port 5986" in text and "$parameter = '/bluegreen/web/winrm-password'" in text
    assert "@('10.0.0.0/8')" in text

    apply("false")
    assert winrm_rules() == []
    assert sorted(iam.list_role_policies(RoleName="web-ec2")["PolicyNames"]) == ["read-release-bundles", "session-manager", "write-logs"]

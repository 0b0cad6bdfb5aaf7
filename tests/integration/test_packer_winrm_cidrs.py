"""The Packer WinRM CIDR variable is checked by addresses, like the network role's admin CIDRs.

``packer validate`` (Debian's packer 1.6.6: no regexall, no tonumber; the
validation uses cidrhost, split and try) on the prerequisites build with each
value; skipped when packer is not on PATH.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

PACKER = REPO / "packer"

needs_packer = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not on PATH (apt-get install -y packer)")


def validate(cidrs):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(
        ["packer", "validate", "-var", "build_run_id=ci", "-var-file=" + str(PACKER / "example.pkrvars.hcl"),
         "-only=amazon-ebs.prerequisites", "-var", "winrm_source_cidrs=" + cidrs, str(PACKER / "windows.pkr.hcl")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


@needs_packer
@pytest.mark.parametrize("cidrs", [
    '["0.0.0.0/1", "128.0.0.0/1"]',
    '["::0/0"]',
    '["1.2.3.4/0"]',
    '["10.0.0.0/7"]',
    '["2001:db8::/31"]',
    '["192.0.2.10"]',
    '["not-a-network/24"]',
    '["192.0.2.10/32", "0.0.0.0/0"]',
])
def test_too_wide_or_not_a_network_is_refused(cidrs):
    rc, out = validate(cidrs)
    assert rc != 0, out
    assert "winrm_source_cidrs must list the build host's address" in out, out


@needs_packer
@pytest.mark.parametrize("cidrs", [
    '["192.0.2.10/32"]',
    '["203.0.113.7/24"]',
    '["10.0.0.0/8", "2001:db8::/32"]',
    '["2001:db8:1::/48"]',
])
def test_build_host_networks_pass(cidrs):
    rc, out = validate(cidrs)
    assert rc == 0, out

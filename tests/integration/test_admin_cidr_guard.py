"""The admin-CIDR guard refuses the internet in any spelling, before site.yml writes anything.

site.yml runs against the session's emulator (empty account); moto's request
recorder proves that no write call reached it. The rule itself (IPv4/IPv6
parsing, limits) is unit-tested in tests/unit/plugins/module_utils/test_cidr_guard.py.
"""

import json

import pytest

from emulator_recorder import Recorder
from playbook_stack import Stack


@pytest.mark.parametrize("cidrs, named", [
    (["0.0.0.0/1", "128.0.0.0/1"], "'0.0.0.0/1'"),
    (["::0/0"], "'::0/0' is the whole IPv6 internet"),
    (["192.0.2.0/24", "1.2.3.4/0"], "'1.2.3.4/0' is the whole IPv4 internet"),
])
def test_site_refuses_before_any_write(aws, cidrs, named):
    recorder = Recorder(aws.url)
    recorder.start()
    stack = Stack(aws.url, extra=["-e", json.dumps({"bluegreen_admin_cidrs": cidrs})])
    rc, out = stack.playbook("site.yml", check=False)
    assert rc != 0, out[-3000:]
    assert "refusing network_admin_cidrs" in out and named in out, out[-3000:]
    assert recorder.writes() == []
    assert aws.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-alb"]}])[
        "SecurityGroups"] == []

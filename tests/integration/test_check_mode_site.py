"""site.yml and teardown.yml with --check --diff write nothing, on an empty account and on a stack.

The playbooks run as a user runs them, against the session's emulator (it
answers, so site.yml does not start another one). Every request reaching the
emulator is recorded with moto's request recorder (all processes, forks
included) and the write calls among them are counted: the count must be zero.
"""

import pytest

from emulator_recorder import Recorder
from playbook_stack import APP, Stack, recap


@pytest.fixture(scope="module")
def stack(emulator_server):
    emulator_server.reset()
    st = Stack(emulator_server.url)
    st.recorder = Recorder(emulator_server.url)
    return st


def checked(stack, playbook):
    stack.recorder.start()
    rc, out = stack.playbook(playbook, "--check", "--diff", check=False)
    calls = stack.recorder.requests()
    writes = [(service, op) for service, op, write in calls if write]
    print("%s --check: %d AWS requests, %d writes" % (playbook, len(calls), len(writes)))
    assert rc == 0, out[-6000:]
    assert writes == [], writes
    return out, calls


def test_empty_account_site_says_what_it_would_create(stack):
    out, calls = checked(stack, "site.yml")
    assert "no stack in us-east-1 (no VPC %s-vpc); site.yml would create:" % APP in out
    assert "Nothing was written" in out
    assert calls, "the check should read the account"
    assert stack.aws.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [APP + "-vpc"]}])["Vpcs"] == []


def test_empty_account_teardown(stack):
    checked(stack, "playbooks/teardown.yml")


def test_provisioned_stack_site(stack):
    stack.playbook("site.yml")
    listeners_before = stack.elbv2().describe_listeners(
        LoadBalancerArn=stack.elbv2().describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    )["Listeners"]
    out, _calls = checked(stack, "site.yml")
    assert "target_group_arn" not in out
    # Nothing to create: check mode changes no listener either.
    assert stack.weights(80) == {"blue": 100, "green": 0}
    assert len(listeners_before) == 2


def test_provisioned_stack_with_a_certificate_shows_the_https_conversion(stack):
    """The HTTPS conversion a certificate would make, as a diff, without a write."""
    cert = stack.aws.client("acm").request_certificate(DomainName="www.example.com")["CertificateArn"]
    stack.extra = ["-e", "bluegreen_certificate_arn=" + cert]
    try:
        out, _calls = checked(stack, "site.yml")
    finally:
        stack.extra = []
    # The diff of the listeners: 443 added with port 80's forwarding, 80 becomes the redirect.
    diff = out.split("Serve HTTPS with the certificate")[1].split("TASK [")[0]
    assert "+    '443':" in diff and "+        - forward to %s-blue" % APP in diff, diff
    assert "-        - forward to %s-blue\n+        - redirect to HTTPS:443 (HTTP_301)" % APP in diff, diff
    assert [l["Protocol"] for l in stack.elbv2().describe_listeners(
        LoadBalancerArn=stack.listener(80)["LoadBalancerArn"])["Listeners"]] == ["HTTP", "HTTP"]


def test_provisioned_stack_teardown(stack):
    out, _calls = checked(stack, "playbooks/teardown.yml")
    assert recap(out)["failed"] == 0
    assert stack.elbv2().describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"]
    assert stack.aws.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [APP + "-vpc"]}])["Vpcs"]

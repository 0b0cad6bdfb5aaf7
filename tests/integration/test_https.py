"""HTTPS on the embedded AWS: a certificate from ACM, the listeners read back.

The emulator issues the certificate (ACM ``request_certificate``) and keeps
listeners, protocols, certificates, TLS policies and redirects as AWS does; it
has no data plane, so no request goes through a listener here. The tests
share one stack and run in file order:

1. site.yml builds the stack over HTTP; the live color is moved to green (as
   a switch would), so a conversion that reset it to the initial blue fails;
2. site.yml with ``bluegreen_certificate_arn`` converts it in place: 443 is
   created with port 80's forwarding (green) BEFORE port 80 becomes a redirect
   (the order of the write calls, recorded at the emulator), the test listener
   becomes HTTPS, the security group admits 443;
3. a re-run is changed=0, and bluegreen_info / the traffic path resolve the
   443 HTTPS listener.
"""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from emulator_recorder import Recorder
from playbook_stack import APP, Stack, recap

POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@pytest.fixture(scope="module")
def stack(emulator_server):
    emulator_server.reset()
    st = Stack(emulator_server.url)
    st.playbook("site.yml")
    st.certificate = st.aws.client("acm").request_certificate(DomainName="www.example.com")["CertificateArn"]
    return st


def listeners(stack):
    elbv2 = stack.elbv2()
    lb = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    return {item["Port"]: item for item in elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"]}


def with_certificate(stack):
    return ["-e", "bluegreen_certificate_arn=" + stack.certificate]


def test_http_stack_with_green_live(stack):
    found = listeners(stack)
    assert sorted(found) == [80, 8080] and {l["Protocol"] for l in found.values()} == {"HTTP"}
    arns = stack.target_group_arns()
    elbv2 = stack.elbv2()
    elbv2.modify_listener(ListenerArn=found[80]["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": arns["green"]}])
    elbv2.modify_listener(ListenerArn=found[8080]["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": arns["blue"]}])
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_certificate_converts_in_place_keeping_the_live_color(stack):
    recorder = Recorder(stack.url)
    recorder.start()
    stack.extra = with_certificate(stack)
    try:
        _rc, out = stack.playbook("site.yml")
    finally:
        stack.extra = []
    assert "https://%s" % stack.elbv2().describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]["DNSName"] in out
    assert "WARNING: %s is served over plain HTTP" % APP not in out

    found = listeners(stack)
    assert sorted(found) == [80, 443, 8080]
    https = found[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == POLICY
    assert [c["CertificateArn"] for c in https["Certificates"]] == [stack.certificate]
    assert stack.weights(443) == {"blue": 0, "green": 100}, "the live color must survive the conversion"
    assert found[80]["Protocol"] == "HTTP"
    assert [a["Type"] for a in found[80]["DefaultActions"]] == ["redirect"]
    redirect = found[80]["DefaultActions"][0]["RedirectConfig"]
    assert (redirect["Protocol"], redirect["Port"], redirect["StatusCode"]) == ("HTTPS", "443", "HTTP_301")
    test = found[8080]
    assert test["Protocol"] == "HTTPS" and test["SslPolicy"] == POLICY
    assert [c["CertificateArn"] for c in test["Certificates"]] == [stack.certificate]
    assert stack.weights(8080) == {"blue": 100, "green": 0}

    # Never a moment without a forwarding production listener: 443 was created
    # (forwarding to green) before port 80 stopped forwarding.
    elb_writes = [(op, params) for service, op, write, params in recorder.calls()
                  if write and op in ("CreateListener", "ModifyListener", "DeleteListener")]
    ops = [(op, params.get("Port") or params.get("ListenerArn")) for op, params in elb_writes]
    assert ops == [("CreateListener", "443"), ("ModifyListener", test["ListenerArn"]),
                   ("ModifyListener", found[80]["ListenerArn"])], ops
    assert elb_writes[0][1]["DefaultActions.member.1.TargetGroupArn"] == stack.target_group_arns()["green"]

    # The ALB's security group admits HTTPS and the redirect port from everyone, the test port from admins only.
    ec2 = stack.aws.client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [APP + "-alb"]}])["SecurityGroups"][0]
    rules = {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}
    assert rules == {(443, "0.0.0.0/0"), (80, "0.0.0.0/0"), (8080, "10.0.0.0/8")}


def test_rerun_changes_nothing(stack):
    stack.extra = with_certificate(stack)
    try:
        _rc, out = stack.playbook("site.yml")
    finally:
        stack.extra = []
    assert recap(out)["changed"] == 0, out[-4000:]
    assert stack.weights(443) == {"blue": 0, "green": 100}


def test_bluegreen_info_reads_the_https_listener(stack):
    """bluegreen_info (and resolve_traffic_path under it) find the production listener by port: 443 HTTPS."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    args = dict(load_balancer_name=APP + "-alb", listener_port=443, test_listener_port=8080,
                target_groups=dict(blue=APP + "-blue", green=APP + "-green"),
                endpoint_url=stack.url, region="us-east-1", access_key="testing", secret_key="testing")
    proc = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
         "-m", "bluegreen.aws.bluegreen_info", "-a", json.dumps(args)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert (result["live_color"], result["idle_color"], result["state"]) == ("green", "blue", "live"), result


def test_traffic_path_resolves_443(stack):
    from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import resolve_traffic_path

    path = resolve_traffic_path(stack.elbv2(), APP + "-alb", 443, 8080, {"blue": APP + "-blue", "green": APP + "-green"})
    assert path["listener"]["Protocol"] == "HTTPS" and path["listener"]["Port"] == 443
    assert path["test_listener"]["Protocol"] == "HTTPS"

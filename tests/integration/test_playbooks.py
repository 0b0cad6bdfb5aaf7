"""The core loop, end to end: site.yml, switch.yml, status.yml, teardown.yml.

The playbooks run as a user runs them (``ansible-playbook`` from the repo root
with the default ``inventories/local``), except that the embedded AWS gets a
free port of its own. site.yml starts the emulator itself and teardown.yml
stops it, so the emulator lifecycle is tested too. Every assertion reads the
state back from the emulator with boto3.

The tests in this module share one stack and run in file order.
"""

import calendar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REGION, REPO, free_port
from playbook_stack import APP, Stack, answers, recap


@pytest.fixture(scope="module")
def stack():
    """A fresh emulator on a free port, started by site.yml and stopped by teardown.yml."""
    url = "http://127.0.0.1:%d" % free_port()
    st = Stack(url)
    rc, out = st.playbook("site.yml", check=False)
    try:
        assert rc == 0, "site.yml failed:\n" + out[-6000:]
        st.first_site_output = out
        yield st
    finally:
        st.playbook("playbooks/teardown.yml", check=False)


def test_site_builds_the_whole_stack(stack):
    assert answers(stack.url), "site.yml should leave the embedded AWS running"
    ec2 = stack.aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [APP + "-vpc"]}])["Vpcs"]
    assert len(vpc) == 1
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc[0]["VpcId"]]}])["Subnets"]
    tiers = {}
    for subnet in subnets:
        tier = {t["Key"]: t["Value"] for t in subnet["Tags"]}["Tier"]
        tiers.setdefault(tier, set()).add(subnet["AvailabilityZone"])
    assert len(tiers["public"]) >= 2 and len(tiers["private"]) >= 2, tiers

    # Security groups: ALB open on the listener ports only; instances only from the ALB.
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc[0]["VpcId"]]}])["SecurityGroups"]}
    alb_sg, inst_sg = groups[APP + "-alb"], groups[APP + "-instances"]
    alb_rules = {(p["FromPort"], r["CidrIp"]) for p in alb_sg["IpPermissions"] for r in p["IpRanges"]}
    assert alb_rules == {(80, "0.0.0.0/0"), (8080, "10.0.0.0/8")}
    assert [(p["FromPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p["IpRanges"])
            for p in inst_sg["IpPermissions"]] == [(80, [alb_sg["GroupId"]], [])]

    # ALB, target groups, listeners: production -> blue, test -> green.
    tgs = stack.elbv2().describe_target_groups(Names=[APP + "-blue", APP + "-green"])["TargetGroups"]
    assert {tg["HealthCheckPath"] for tg in tgs} == {"/health"}
    assert stack.weights(80) == {"blue": 100, "green": 0}
    assert stack.weights(8080) == {"blue": 0, "green": 100}

    # One Auto Scaling group per color, attached to its target group, tagged.
    arns = stack.target_group_arns()
    for color in ("blue", "green"):
        group = stack.group(color)
        tags = {t["Key"]: t["Value"] for t in group["Tags"]}
        assert tags["App"] == APP and tags["Color"] == color and tags["Version"] == "1"
        assert group["TargetGroupARNs"] == [arns[color]]
        assert len(group["Instances"]) == 2
        health = stack.elbv2().describe_target_health(TargetGroupArn=arns[color])["TargetHealthDescriptions"]
        assert sorted(h["Target"]["Id"] for h in health) == sorted(stack.instance_ids(color))

    # Launch templates require IMDSv2.
    data = ec2.describe_launch_template_versions(LaunchTemplateName=APP + "-blue", Versions=["$Latest"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["IamInstanceProfile"]["Arn"].endswith("instance-profile/%s-ec2" % APP)


def test_site_bucket_and_roles(stack):
    s3 = stack.aws.client("s3")
    bucket = "%s-artifacts-123456789012-%s" % (APP, REGION)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    # The local inventory turns the TLS-only policy off (the emulator speaks HTTP);
    # test_tls_only_policy_denies_plain_http checks the policy itself.
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)

    iam = stack.aws.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName=APP + "-ec2")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [APP + "-ec2"]
    inline = iam.get_role_policy(RoleName=APP + "-ec2", PolicyName="read-release-bundles")["PolicyDocument"]
    if isinstance(inline, str):
        inline = json.loads(urllib.request.unquote(inline))
    resources = [s["Resource"] for s in inline["Statement"]]
    assert "arn:aws:s3:::%s/%s/*" % (bucket, APP) in resources
    assert not any(r in ("*", "arn:aws:s3:::*") for r in resources)
    attached = iam.list_attached_role_policies(RoleName=APP + "-codedeploy")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSCodeDeployRole"]


def test_tls_only_policy_denies_plain_http(stack):
    """The artifacts role's policy, rendered as the role renders it, on a bucket of its own."""
    import jinja2

    template = (REPO / "roles/artifacts/templates/tls_only_policy.json.j2").read_text()
    policy = jinja2.Template(template).render(artifacts_bucket_name="tls-only-check")
    s3 = stack.aws.client("s3")
    s3.create_bucket(Bucket="tls-only-check")
    s3.put_object(Bucket="tls-only-check", Key="bundle.zip", Body=b"x")
    s3.put_bucket_policy(Bucket="tls-only-check", Policy=policy)
    try:
        with pytest.raises(s3.exceptions.ClientError, match="Forbidden|AccessDenied"):
            s3.get_object(Bucket="tls-only-check", Key="bundle.zip")  # the emulator is plain HTTP
    finally:
        s3.delete_bucket_policy(Bucket="tls-only-check")
        s3.delete_object(Bucket="tls-only-check", Key="bundle.zip")
        s3.delete_bucket(Bucket="tls-only-check")


def test_site_again_changes_nothing(stack):
    out = stack.playbook("site.yml")[1]
    assert recap(out)["changed"] == 0, out[-4000:]
    assert stack.weights(80) == {"blue": 100, "green": 0}


def test_switch_check_mode_shows_diff_and_changes_nothing(stack):
    out = stack.playbook("switch.yml", "-e", "color=green", "--check", "--diff")[1]
    assert recap(out)["changed"] == 1, out[-3000:]  # the switch it would make (check mode takes no lock)
    bucket = "%s-artifacts-123456789012-%s" % (APP, REGION)
    assert stack.aws.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount") == 0, "check mode wrote the lock"
    assert "-        blue: 100" in out and "+        green: 100" in out, out[-3000:]
    assert stack.weights(80) == {"blue": 100, "green": 0}


def test_switch_to_green(stack):
    out = stack.playbook("switch.yml", "-e", "color=green")[1]
    assert recap(out)["changed"] == 1, out[-3000:]  # one task: lease, switch, release
    assert stack.weights(80) == {"blue": 0, "green": 100}
    assert stack.weights(8080) == {"blue": 100, "green": 0}, "the test listener should follow the idle color"


def test_switch_again_is_a_no_op(stack):
    out = stack.playbook("switch.yml", "-e", "color=green")[1]
    assert recap(out)["changed"] == 0
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_site_does_not_move_traffic_back(stack):
    out = stack.playbook("site.yml")[1]
    assert recap(out)["changed"] == 0, out[-4000:]
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_switch_rejects_an_unknown_color(stack):
    rc, out = stack.playbook("switch.yml", "-e", "color=purple", check=False)
    assert rc != 0
    assert "value of release_color must be one of: blue, green, got: purple" in out, out[-3000:]
    assert "TASK [Move production traffic" not in out, "the switch must not start with a bad color"
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_switch_refuses_a_color_without_healthy_targets(stack):
    ec2 = stack.aws.client("ec2")
    blue = stack.instance_ids("blue")
    ec2.stop_instances(InstanceIds=blue)
    try:
        rc, out = stack.playbook("switch.yml", "-e", "color=blue", check=False)
        assert rc != 0
        assert "blue" in out and "0 healthy" in out and "at least 1 required" in out, out[-3000:]
        assert stack.weights(80) == {"blue": 0, "green": 100}
    finally:
        ec2.start_instances(InstanceIds=blue)


def test_weighted_switch_and_status(stack):
    stack.playbook("switch.yml", "-e", "color=blue", "-e", "weight=25")
    assert stack.weights(80) == {"blue": 25, "green": 75}
    out = stack.playbook("playbooks/status.yml")[1]
    assert "state in_progress" in out, out[-3000:]
    assert re.search(r"blue\s+split\s+25%\s+2/2\s+2\s+1", out), out[-3000:]
    stack.playbook("switch.yml", "-e", "color=blue")
    out = stack.playbook("playbooks/status.yml")[1]
    assert "web: live blue, idle green, state live" in out, out[-3000:]
    flat = " ".join(out.split())  # the callback wraps long messages
    assert "Logs of web from the start to now (UTC)" in flat and "CloudWatch Logs /bluegreen/web/iis" in flat, out[-3000:]
    assert stack.weights(80) == {"blue": 100, "green": 0}


def test_site_creates_alarms_per_color(stack):
    alarms = stack.aws.client("cloudwatch").describe_alarms(AlarmNamePrefix=APP + "-")["MetricAlarms"]
    names = {a["AlarmName"] for a in alarms}
    for color in ("blue", "green"):
        assert {"%s-%s-5xx" % (APP, color), "%s-%s-p99-latency" % (APP, color),
                "%s-%s-unhealthy-hosts" % (APP, color)} <= names


def test_drill_fires_an_alarm_and_traffic_comes_back(stack):
    before = stack.weights(80)
    out = stack.playbook("playbooks/drill.yml", "-e", "drill_poll_interval=1")[1]
    assert "drill passed" in out and "reaction" in out, out[-3000:]
    assert stack.weights(80) == before
    idle = "green" if before["blue"] == 100 else "blue"
    state = stack.aws.client("cloudwatch").describe_alarms(AlarmNames=["%s-%s-5xx" % (APP, idle)])["MetricAlarms"][0]
    assert state["StateValue"] == "OK", "the drill must put the alarm back"


def test_interrupted_canary_is_reported_then_converges(stack):
    """A run killed mid-canary leaves split weights; status says so; the next switch converges."""
    arns = stack.target_group_arns()
    stack.elbv2().modify_listener(ListenerArn=stack.listener(80)["ListenerArn"], DefaultActions=[{
        "Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": arns["blue"], "Weight": 90}, {"TargetGroupArn": arns["green"], "Weight": 10}]}}])
    out = stack.playbook("playbooks/status.yml")[1]
    assert "state in_progress" in out, out[-2000:]
    stack.playbook("switch.yml", "-e", "color=green")
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_rollback_from_an_interrupted_canary_returns_to_the_majority_color(stack):
    arns = stack.target_group_arns()
    stack.elbv2().modify_listener(ListenerArn=stack.listener(80)["ListenerArn"], DefaultActions=[{
        "Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": arns["blue"], "Weight": 20}, {"TargetGroupArn": arns["green"], "Weight": 80}]}}])
    out = stack.playbook("playbooks/rollback.yml")[1]
    assert "rolled back to green" in out, out[-2000:]
    assert stack.weights(80) == {"blue": 0, "green": 100}
    # Where to look: from the start of the operation rolled back (the last one in the lease's history).
    flat = " ".join(out.split())
    assert re.search(r"Logs of web from 20\d\d-\d\d-\d\dT[0-9:]+Z to now \(UTC\)", flat), out[-3000:]
    assert "CloudWatch Logs /bluegreen/web/application" in flat, out[-3000:]


def set_deregistration_delay(stack, color, seconds):
    stack.elbv2().modify_target_group_attributes(TargetGroupArn=stack.target_group_arns()[color], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": str(seconds)}])


def test_finalize_scales_the_idle_color_down_and_rollback_scales_it_up_first(stack):
    """Finalize refuses while blue may still drain (its deregistration delay, read from AWS, is raised to
    10 minutes here) and says how long to wait; with the delay over (0 s, and a window of 0 s in the
    local inventory) it scales blue down."""
    assert stack.weights(80) == {"blue": 0, "green": 100}
    set_deregistration_delay(stack, "blue", 600)
    rc, out = stack.playbook("playbooks/finalize.yml", check=False)
    assert rc != 0, out[-3000:]
    match = re.search(r"Refusing to touch blue of web yet: production traffic last moved at \S+ "
                      r"\('rollback to green' by \S+, succeeded\); blue's target group drains for 600 s "
                      r"\(deregistration delay\) and the rollback window is 0 s\. Wait (\d+) s more", out)
    assert match and 0 < int(match.group(1)) <= 600, out[-3000:]
    assert "-e force=true" in out, out[-3000:]
    assert stack.group("blue")["DesiredCapacity"] == 2, "a refused finalize must not touch blue"
    set_deregistration_delay(stack, "blue", 0)
    stack.playbook("playbooks/finalize.yml")
    assert stack.group("blue")["DesiredCapacity"] == 0
    # amazon.aws.autoscaling_group resets what it is not given (EC2 health checks, 300 s grace).
    assert (stack.group("blue")["HealthCheckType"], stack.group("blue")["HealthCheckGracePeriod"]) == \
        (stack.group("green")["HealthCheckType"], stack.group("green")["HealthCheckGracePeriod"]) == ("ELB", 600), \
        "finalize must keep the group's health check settings"
    assert stack.group("green")["DesiredCapacity"] == 2, "finalize must never touch the live color"
    out = stack.playbook("site.yml")[1]
    assert stack.group("blue")["DesiredCapacity"] == 0, "site.yml must not undo finalize"
    out = stack.playbook("playbooks/rollback.yml")[1]
    assert "scaling it to 2 instances" in out, out[-3000:]
    flat = " ".join(out.split())
    # The cause, named: finalize scaled it down (desired capacity 0), with the counts behind it.
    assert "a desired capacity of 0 (scaled down by finalize.yml); its instances:" in flat, out[-3000:]
    assert "registered targets not healthy" in flat, out[-3000:]
    assert stack.group("blue")["DesiredCapacity"] == 2
    assert stack.group("blue")["HealthCheckType"] == "ELB", "rollback must keep the group's health check settings"
    assert stack.weights(80) == {"blue": 100, "green": 0}


def test_canary_steps_through_switch_yml(stack):
    out = stack.playbook("switch.yml", "-e", '{"color": "green", "steps": [{"weight": 10, "pause": 1}, {"weight": 100}]}')[1]
    assert "step 1/2: green 10%, then watch its alarms 1 s" in out and "step 2/2: green 100%" in out, out[-3000:]
    assert stack.weights(80) == {"blue": 0, "green": 100}


def test_static_preview_rules_reach_each_color(stack):
    """site.yml made one header rule per color; switches never moved them."""
    rules = stack.elbv2().describe_rules(ListenerArn=stack.listener(80)["ListenerArn"])["Rules"]
    previews = sorted((c["HttpHeaderConfig"]["HttpHeaderName"], c["HttpHeaderConfig"]["Values"], r["Actions"][0]["TargetGroupArn"])
                      for r in rules for c in r["Conditions"] if c["Field"] == "http-header")
    arns = stack.target_group_arns()
    assert previews == [("X-Bluegreen-Color", ["blue"], arns["blue"]), ("X-Bluegreen-Color", ["green"], arns["green"])]


def test_two_switches_at_once_exactly_one_proceeds(stack):
    """Both start together; the lock lets one through, the other fails naming the holder."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    steps = '{"color": "blue", "steps": [{"weight": 10, "pause": 5}, {"weight": 100}]}'
    runs = [subprocess.Popen(["ansible-playbook", "switch.yml", "-e", steps, "-e", "bluegreen_endpoint_url=" + stack.url],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _run in range(2)]
    results = [(run.wait(timeout=300), run.stdout.read()) for run in runs]
    codes = sorted(code for code, _out in results)
    assert codes[0] == 0 and codes[1] != 0, [out[-2000:] for _code, out in results]
    loser = next(out for code, out in results if code != 0)
    assert re.search(r"web is locked by \S+ since \S+ for 'switch to blue \(10% > 100%\)'", loser), loser[-3000:]
    assert stack.weights(80) == {"blue": 100, "green": 0}
    out = stack.playbook("playbooks/status.yml")[1]
    assert "lock: free" in out and "switch to blue (10% > 100%)  by " in out and ": succeeded" in out, out[-3000:]


def background(stack, *args):
    """``ansible-playbook ARGS`` started in its own process group (so a test can kill it as a user would)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.Popen(["ansible-playbook", *args, "-e", "bluegreen_endpoint_url=" + stack.url], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_until(predicate, timeout=180, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError("timed out waiting for " + what)


def colors(stack):
    weights = stack.weights(80)
    live = "blue" if weights["blue"] == 100 else "green"
    return weights, live, "green" if live == "blue" else "blue"


def start_canary(stack, idle, *extra):
    steps = json.dumps({"color": idle, "steps": [{"weight": 10, "pause": 300}, {"weight": 100}]})
    canary = background(stack, "switch.yml", "-e", steps, "-e", "bluegreen_poll_interval=1", *extra)
    wait_until(lambda: stack.weights(80)[idle] == 10 or canary.poll() is not None, what="the canary's first step")
    assert canary.poll() is None, canary.stdout.read()[-3000:]
    return canary


def kill(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_rollback_during_a_running_canary_restores_at_once_and_the_canary_stops(stack):
    before, live, idle = colors(stack)
    canary = start_canary(stack, idle)
    started = time.monotonic()
    out = stack.playbook("playbooks/rollback.yml")[1]
    flat = " ".join(out.split())  # the callback wraps long messages
    assert "rolled back to " + live in flat and "aborted switch to %s (10%% > 100%%)" % idle in flat, out[-3000:]
    assert stack.weights(80) == before
    code = canary.wait(timeout=120)
    canary_out = canary.stdout.read()
    assert code != 0 and "The lease of web was lost" in canary_out, canary_out[-3000:]
    assert time.monotonic() - started < 90, "the canary stops at its next poll, not at the end of its pause"
    assert stack.weights(80) == before, "the canary must not write again after losing its lease"
    out = stack.playbook("playbooks/status.yml")[1]
    assert "lock: free" in out and "switch to %s (10%% > 100%%)  by " % idle in out and ": aborted" in out, out[-3000:]


def test_after_a_killed_canary_rollback_works_at_once_and_a_switch_within_the_short_expiry(stack):
    before, live, idle = colors(stack)
    kill(start_canary(stack, idle, "-e", "bluegreen_lock_ttl=10"))
    assert stack.weights(80)[idle] == 10
    out = stack.playbook("playbooks/rollback.yml")[1]
    assert "rolled back to " + live in out, out[-3000:]
    assert stack.weights(80) == before

    canary = start_canary(stack, idle, "-e", "bluegreen_lock_ttl=10")
    kill(canary)
    killed_at = time.time()
    rc, out = stack.playbook("switch.yml", "-e", "color=" + live, check=False)
    assert rc != 0 and "web is locked by" in out, out[-3000:]
    # The killed run's lease expires within its ttl (10 s) of its last renewal, which came before the kill.
    lock = json.loads(stack.aws.client("s3").get_object(
        Bucket="%s-artifacts-123456789012-%s" % (APP, REGION), Key="locks/%s.json" % APP)["Body"].read())
    expires = calendar.timegm(time.strptime(lock["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert expires - killed_at <= 11, lock
    time.sleep(max(0.0, expires - time.time()) + 1)
    stack.playbook("switch.yml", "-e", "color=" + live)
    assert stack.weights(80) == before


def test_force_unlock_names_the_holder_it_removes(stack):
    before, live, idle = colors(stack)
    kill(start_canary(stack, idle, "-e", "bluegreen_lock_ttl=600"))
    rc, out = stack.playbook("playbooks/unlock.yml", check=False)
    assert rc != 0 and "-e force=true" in out, out[-3000:]
    out = stack.playbook("playbooks/status.yml")[1]
    assert re.search(r"lock: held by \S+ since \S+, expires \S+", out), out[-3000:]
    out = stack.playbook("playbooks/unlock.yml", "-e", "force=true", "-e", "reason=killed canary")[1]
    flat = " ".join(out.split())  # the callback wraps long messages
    assert re.search(r"web: removed the lease of \S+ \(switch to %s \(10%% > 100%%\), since \S+, expires \S+\)" % idle,
                     flat), out[-3000:]
    out = stack.playbook("playbooks/status.yml")[1]
    assert "lock: free" in out and "force_unlocked" in out, out[-3000:]
    stack.playbook("switch.yml", "-e", "color=" + live)
    assert stack.weights(80) == before


@pytest.mark.parametrize("steps, fragment", [
    ('"not a list"', "release_steps"),
    ('[{"pause": 5}, {"weight": 100}]', "release_steps"),
    ('[{"weight": 150}]', "steps: every weight must be from 0 to 100"),
], ids=["not-a-list", "no-weight", "weight-out-of-range"])
def test_bad_steps_are_refused_before_any_call_naming_steps(stack, steps, fragment):
    before = stack.weights(80)
    rc, out = stack.playbook("switch.yml", "-e", '{"color": "blue", "steps": %s}' % steps, check=False)
    assert rc != 0 and fragment in out, out[-3000:]
    assert "TASK [bluegreen.aws.release : Move production traffic" not in out, "no AWS call may start"
    assert stack.weights(80) == before


def test_switch_with_verify_url_is_undone_when_the_new_version_never_answers(stack):
    """switch.yml wires bluegreen_verify_url: a local server plays the site, still answering the old version."""
    from test_module_url_verify import Site, serve

    before = stack.weights(80)
    target = "green" if before["blue"] == 100 else "blue"
    site = Site()
    with serve(site):
        rc, out = stack.playbook("switch.yml", "-e", "color=" + target, "-e", "bluegreen_verify_url=" + site.url,
                                 "-e", "bluegreen_verify_body=9.9.9", "-e", "bluegreen_verify_timeout=2", check=False)
    assert rc != 0, out[-3000:]
    assert site.url + " did not show the new version within 2 s" in out, out[-3000:]
    assert site.requests >= 2
    assert stack.weights(80) == before, "the switch must be undone"
    out = stack.playbook("playbooks/status.yml")[1]
    assert ": rolled_back" in out, out[-3000:]


def test_teardown_deletes_the_stack_and_stops_the_emulator(stack):
    stack.playbook("playbooks/teardown.yml", "--skip-tags", "stop_emulator")
    assert answers(stack.url)
    assert stack.aws.client("ec2").describe_vpcs(Filters=[{"Name": "tag:App", "Values": [APP]}])["Vpcs"] == []
    assert stack.elbv2().describe_load_balancers()["LoadBalancers"] == []
    assert stack.elbv2().describe_target_groups()["TargetGroups"] == []
    assert stack.aws.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    assert stack.aws.client("s3").list_buckets()["Buckets"] == []
    assert [r["RoleName"] for r in stack.aws.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(APP)] == []

    stack.playbook("playbooks/teardown.yml")
    assert not answers(stack.url), "teardown.yml should stop the embedded AWS it started"
    # Now nothing answers: switch.yml says what to do instead of a connection error.
    rc, out = stack.playbook("switch.yml", "-e", "color=green", check=False)
    assert rc != 0 and "run `ansible-playbook site.yml` first" in out

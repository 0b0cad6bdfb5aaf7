"""Hooks, canary judgment, notifications and delivery metrics wired into the release flows (issues 12 and 13).

The playbooks run as a user runs them (``switch.yml`` and ``status.yml`` from the repo root with the default
``inventories/local``) against a fresh embedded AWS started by site.yml and stopped by teardown.yml. Hooks are
given as extra vars (``bluegreen_hooks``); an HTTP hook asks a local server (127.0.0.1, free port, stopped by the
test). Every assertion reads state back from the emulator: the listener's weights (elbv2), the notifications
from an SQS queue subscribed to the SNS topic, the delivery metrics from CloudWatch.

The tests share one stack and run in file order (each starts from the traffic the previous one left).
"""

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import REPO, free_port
from local_http import LocalServer
from playbook_stack import APP, Stack


@pytest.fixture(scope="module")
def stack():
    """A fresh emulator on a free port, started by site.yml and stopped by teardown.yml; an SNS topic with an SQS queue."""
    url = "http://127.0.0.1:%d" % free_port()
    st = Stack(url)
    rc, out = st.playbook("site.yml", check=False)
    try:
        assert rc == 0, "site.yml failed:\n" + out[-6000:]
        sns, sqs = st.aws.client("sns"), st.aws.client("sqs")
        st.topic_arn = sns.create_topic(Name="web-releases")["TopicArn"]
        st.queue_url = sqs.create_queue(QueueName="web-releases")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=st.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=st.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        yield st
    finally:
        st.playbook("playbooks/teardown.yml", check=False)


@pytest.fixture
def hook_server():
    servers = []

    def start(*answers):
        servers.append(LocalServer(answers))
        return servers[-1]

    yield start
    for each in servers:
        each.stop()


def extra(stack, **variables):
    """-e JSON: the notification topic, a short poll interval, and the test's variables."""
    return ["-e", json.dumps(dict(bluegreen_notify_topic_arn=stack.topic_arn, bluegreen_poll_interval=1, **variables))]


def notifications(stack):
    """The messages in the queue (each the JSON body the topic got), deleted once read."""
    sqs, found = stack.aws.client("sqs"), []
    for _attempt in range(3):
        batch = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        for message in batch:
            envelope = json.loads(message["Body"])
            found.append(dict(json.loads(envelope["Message"]), subject=envelope.get("Subject")))
            sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
        if not batch:
            break
    return found


def test_after_switch_http_hook_500_undoes_the_switch_200_keeps_it_one_message_each(stack, hook_server):
    assert stack.weights() == {"blue": 100, "green": 0}
    notifications(stack)  # nothing from site.yml counts

    down = hook_server((500, "broken"))
    hooks = {"after_switch": [{"name": "smoke", "url": down.url + "/health", "timeout": 2, "interval": 1}]}
    rc, out = stack.playbook("switch.yml", "-e", "color=green", *extra(stack, bluegreen_hooks=hooks), check=False)
    assert rc != 0
    assert "Hook smoke (after_switch) failed" in out
    assert stack.weights() == {"blue": 100, "green": 0}, "the switch must be undone"
    assert down.requests, "the hook was asked"
    sent = notifications(stack)
    assert len(sent) == 1, sent
    message = sent[0]
    assert message["application"] == APP and message["operation"] == "switch to green (100%)"
    assert message["outcome"] == "rolled_back" and message["stopped_by"] == "hook smoke"
    assert (message["from_color"], message["to_color"]) == ("blue", "green")
    assert message["weights"] == {"blue": 100, "green": 0}
    assert message["holder"] and message["duration"] >= 0 and "Hook smoke" in message["detail"]
    assert "ROLLED BACK by hook smoke" in message["subject"]

    up = hook_server((200, "ok"))
    hooks = {"after_switch": [{"name": "smoke", "url": up.url + "/health", "body": "ok", "timeout": 5}]}
    rc, out = stack.playbook("switch.yml", "-e", "color=green", *extra(stack, bluegreen_hooks=hooks), check=False)
    assert rc == 0, out[-5000:]
    assert stack.weights() == {"blue": 0, "green": 100}
    assert len(up.requests) == 1
    sent = notifications(stack)
    assert len(sent) == 1, sent
    assert sent[0]["outcome"] == "succeeded" and sent[0]["stopped_by"] is None
    assert sent[0]["weights"] == {"blue": 0, "green": 100} and sent[0]["to_color"] == "green"


def test_check_mode_runs_no_hook_and_says_which_would(stack, hook_server):
    server = hook_server((200, "ok"))
    hooks = {"after_switch": [{"name": "smoke", "url": server.url + "/health"}]}
    rc, out = stack.playbook("switch.yml", "--check", "-e", "color=blue", *extra(stack, bluegreen_hooks=hooks), check=False)
    assert rc == 0, out[-5000:]
    assert server.requests == [] and "smoke" in out
    assert stack.weights() == {"blue": 0, "green": 100}
    assert notifications(stack) == []


def test_failing_tasks_hook_after_a_canary_step_restores_the_weights(stack, tmp_path):
    seen = tmp_path / "seen.json"
    hook = tmp_path / "kpi.yml"
    hook.write_text(
        "---\n"
        "- name: Record what the hook was given\n"
        "  ansible.builtin.copy:\n"
        "    dest: %s\n"
        "    content: \"{{ release_hooks_context | combine({'stage': release_hooks_stage}) | to_json }}\"\n"
        "    mode: '0600'\n"
        "  delegate_to: localhost\n"
        "- name: The business KPI is down\n"
        "  ansible.builtin.fail:\n"
        "    msg: orders per minute fell by 40%%\n" % seen)
    hooks = {"after_step": [{"name": "business-kpi", "tasks": str(hook)}]}
    steps = [{"weight": 10, "pause": 1}, {"weight": 100}]
    rc, out = stack.playbook("switch.yml", *extra(stack, color="blue", steps=steps, bluegreen_hooks=hooks), check=False)
    assert rc != 0
    assert "Hook business-kpi (after_step) failed: orders per minute fell by 40%" in out
    assert stack.weights() == {"blue": 0, "green": 100}, "the weights from before the canary"
    context = json.loads(seen.read_text())
    assert context["stage"] == "after_step" and context["color"] == "blue" and context["app"] == APP
    assert context["weights"] == {"blue": 10, "green": 90}
    sent = notifications(stack)
    assert len(sent) == 1, sent
    assert sent[0]["outcome"] == "rolled_back" and sent[0]["stopped_by"] == "hook business-kpi"
    assert sent[0]["operation"] == "switch to blue (10% > 100%)" and sent[0]["weights"] == {"blue": 0, "green": 100}


def alb_dimensions(stack, color):
    elbv2 = stack.elbv2()
    lb = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = stack.target_group_arns()[color]
    return [dict(Name="LoadBalancer", Value=lb.split(":loadbalancer/", 1)[1]),
            dict(Name="TargetGroup", Value=tg.rsplit(":", 1)[1])]


def test_canary_with_three_times_the_baseline_error_rate_is_rolled_back_naming_the_metric(stack):
    """The canary (blue, 10%) gets 3% errors and the baseline (green) 1%, written with PutMetricData during the pause."""
    judgment = {"metrics": ["error_rate"], "min_requests": 100}
    steps = [{"weight": 10, "pause": 65}, {"weight": 100}]
    cmd = ["ansible-playbook", "switch.yml", "-e", "bluegreen_endpoint_url=" + stack.url,
           *extra(stack, color="blue", steps=steps, bluegreen_canary_judgment=judgment)]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 300
        while stack.weights() != {"blue": 10, "green": 90}:
            assert proc.poll() is None and time.time() < deadline, "the canary step never started"
            time.sleep(1)
        at = datetime.now(timezone.utc) + timedelta(seconds=10)
        cloudwatch = stack.aws.client("cloudwatch")
        for color, errors in (("blue", 60), ("green", 20)):
            data = [dict(MetricName="RequestCount", Dimensions=alb_dimensions(stack, color), Timestamp=at, Value=2000,
                         Unit="Count"),
                    dict(MetricName="HTTPCode_Target_5XX_Count", Dimensions=alb_dimensions(stack, color), Timestamp=at,
                         Value=errors, Unit="Count")]
            cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data)
        out = proc.communicate(timeout=600)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, out[-5000:]
    assert "error_rate fail" in out and "canary blue 3.00% (60/2000)" in out and "baseline green 1.00% (20/2000)" in out
    assert "confidence" in out
    assert "Logs of web from " in " ".join(out.split()), "where to read the logs of the failed canary"
    assert stack.weights() == {"blue": 0, "green": 100}
    sent = notifications(stack)
    assert len(sent) == 1, sent
    assert sent[0]["outcome"] == "rolled_back" and sent[0]["stopped_by"] == "judgment error_rate"


def test_status_shows_the_delivery_metrics_and_cloudwatch_holds_them(stack):
    """Four operations reached production: two switches (one undone by its hook) and two canaries rolled back."""
    out = stack.playbook("playbooks/status.yml", "-e", "period_days=30")[1]
    assert "delivery metrics, last 30 days" in out, out[-3000:]
    match = re.search(r"change failure rate (\d+)% \((\d+) of (\d+)\)", " ".join(out.split()))  # lines wrap
    assert match, out[-3000:]
    percent, failures, deployments = (int(x) for x in match.groups())
    assert (failures, deployments) == (3, 4) and percent == 75, match.group(0)
    cloudwatch = stack.aws.client("cloudwatch")
    dimensions = [dict(Name="Application", Value=APP)]
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="bluegreen.aws", Dimensions=dimensions)["Metrics"]}
    assert {"Deployments", "DeploymentFrequency", "ChangeFailureRate", "OperationDuration"} <= names, names
    now = datetime.now(timezone.utc)
    points = cloudwatch.get_metric_statistics(Namespace="bluegreen.aws", MetricName="ChangeFailureRate", Dimensions=dimensions,
                                              StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5),
                                              Period=60, Statistics=["Maximum"])["Datapoints"]
    latest = max(points, key=lambda p: p["Timestamp"])  # published after the last operation
    assert latest["Maximum"] == pytest.approx(75.0), points


def test_an_abort_sends_one_message_for_the_rollback_and_one_for_the_aborted_canary(stack):
    """rollback.yml during a running canary: the rollback succeeds, the canary stops at its next poll as aborted."""
    live = "green" if stack.weights()["green"] == 100 else "blue"
    idle = "blue" if live == "green" else "green"
    steps = [{"weight": 10, "pause": 300}, {"weight": 100}]
    cmd = ["ansible-playbook", "switch.yml", "-e", "bluegreen_endpoint_url=" + stack.url,
           *extra(stack, color=idle, steps=steps)]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    notifications(stack)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 300
        while stack.weights()[idle] != 10:
            assert proc.poll() is None and time.time() < deadline, "the canary step never started"
            time.sleep(1)
        rc, out = stack.playbook("playbooks/rollback.yml", *extra(stack), check=False)
        assert rc == 0, out[-5000:]
        canary_out = proc.communicate(timeout=180)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0 and "lost" in canary_out, canary_out[-3000:]
    assert stack.weights()[live] == 100
    sent = {m["operation"]: m for m in notifications(stack)}
    assert set(sent) == {"rollback to " + live, "switch to %s (10%% > 100%%)" % idle}, sent
    assert sent["rollback to " + live]["outcome"] == "succeeded"
    assert sent["rollback to " + live]["to_color"] == live
    assert sent["switch to %s (10%% > 100%%)" % idle]["outcome"] == "aborted", sent

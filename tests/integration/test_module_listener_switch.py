# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.listener_switch against the embedded AWS (moto server).

Every test reads the listeners back with plain boto3 and counts the API calls
the module made (``aws_calls``), so "no write" means zero ModifyListener
calls, not just ``changed: false``.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import bluegreen_info
from ansible_collections.bluegreen.aws.plugins.modules import listener_switch


BUCKET = "web-artifacts-123456789012-us-east-1"


@pytest.fixture(autouse=True)
def lock_bucket(aws, bluegreen_stack):
    """The application's artifact bucket (versioned), where listener_switch takes its lease by default."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def switch_args(stack, **extra):
    args = dict(
        load_balancer_name=stack["load_balancer_name"],
        listener_port=80,
        test_listener_port=8080,
        target_groups=dict(stack["target_group_names"]),
        lock_bucket=BUCKET,
    )
    args.update(extra)
    return args


def read_default_actions(aws, listener_arn):
    return aws.client("elbv2").describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"]


def read_weights(aws, stack, listener_arn):
    """``{color: weight}`` as stored by AWS (no module code involved); foreign ARNs kept by ARN."""
    (action,) = read_default_actions(aws, listener_arn)
    assert action["Type"] == "forward"
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
    raw = {g["TargetGroupArn"]: g["Weight"] for g in groups} if groups else {action["TargetGroupArn"]: 100}
    colors = {arn: color for color, arn in stack["target_group_arns"].items()}
    weights = {"blue": 0, "green": 0}
    for arn, weight in raw.items():
        weights[colors.get(arn, arn)] = weight
    return weights


BLUE_LIVE = {"blue": 100, "green": 0}
GREEN_LIVE = {"blue": 0, "green": 100}


def test_switch_to_green_check_run_and_idempotence(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    production_before = read_default_actions(aws, stack["listener_arn"])
    test_before = read_default_actions(aws, stack["test_listener_arn"])

    # 1. check mode: predicts the switch, writes nothing
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", _ansible_check_mode=True))
    assert ok, result
    assert result["changed"] is True
    assert result["weights"] == GREEN_LIVE
    assert result["previous_weights"] == BLUE_LIVE
    assert (result["live_color"], result["idle_color"], result["state"]) == ("green", "blue", "live")
    assert result["test_listener_color"] == "blue"
    assert aws_calls.count("ModifyListener") == 0
    assert aws_calls.writes() == []
    assert read_default_actions(aws, stack["listener_arn"]) == production_before
    assert read_default_actions(aws, stack["test_listener_arn"]) == test_before

    # 2. run: production 100% green, test listener 100% blue (the idle color)
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green"))
    assert ok, result
    assert result["changed"] is True
    assert aws_calls.count("ModifyListener") == 2
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == BLUE_LIVE
    (action,) = read_default_actions(aws, stack["listener_arn"])
    assert action["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": False}
    assert result["weights"] == GREEN_LIVE
    assert result["previous_weights"] == BLUE_LIVE
    assert (result["live_color"], result["idle_color"], result["state"]) == ("green", "blue", "live")
    assert result["health"] == {"green": {"healthy": 2, "total": 2}}, "only the color that gets traffic is read"
    assert result["listener_arn"] == stack["listener_arn"]
    assert result["test_listener_arn"] == stack["test_listener_arn"]
    assert result["test_listener_color"] == "blue"

    # 3. idempotent check mode
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", _ansible_check_mode=True))
    assert ok, result
    assert result["changed"] is False
    assert aws_calls.writes() == []

    # 4. idempotent run: no change and not a single write call
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green"))
    assert ok, result
    assert result["changed"] is False
    assert result["weights"] == result["previous_weights"] == GREEN_LIVE
    assert aws_calls.count("ModifyListener") == 0
    assert aws_calls.writes() == []
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE


def test_already_live_color_is_no_write(bluegreen_stack, run_module, aws_calls):
    # :80 forwards to blue with a plain TargetGroupArn and :8080 to green: blue
    # at 100 is already in place, written differently.
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="blue"))
    assert ok, result
    assert result["changed"] is False
    assert aws_calls.count("ModifyListener") == 0
    assert aws_calls.operations("elbv2") and aws_calls.writes() == []


def test_diff_shows_weights_and_test_listener(bluegreen_stack, run_module):
    args = switch_args(bluegreen_stack, color="green", _ansible_diff=True, _ansible_check_mode=True)
    ok, result = run_module(listener_switch.main, args)
    assert ok, result
    assert result["diff"] == {
        "before": {"weights": BLUE_LIVE, "live_color": "blue", "test_listener_color": "green"},
        "after": {"weights": GREEN_LIVE, "live_color": "green", "test_listener_color": "blue"},
    }


def test_rollback_to_blue(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    assert run_module(listener_switch.main, switch_args(stack, color="green"))[0]
    ok, result = run_module(listener_switch.main, switch_args(stack, color="blue"))
    assert ok, result
    assert result["changed"] is True
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE
    assert (result["live_color"], result["previous_weights"]) == ("blue", GREEN_LIVE)


def test_weighted_switch_is_in_progress(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=25))
    assert ok, result
    assert result["changed"] is True
    assert result["weights"] == {"blue": 75, "green": 25}
    assert result["state"] == "in_progress"
    # only the production listener moves during a canary
    assert aws_calls.count("ModifyListener") == 1
    assert read_weights(aws, stack, stack["listener_arn"]) == {"blue": 75, "green": 25}
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE

    ok, info = run_module(bluegreen_info.main, dict(application="web", test_listener_port=8080))
    assert ok, info
    assert info["state"] == "in_progress"
    assert info["weights"] == {"blue": 75, "green": 25}

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=25))
    assert ok and result["changed"] is False
    assert aws_calls.writes() == []

    # completing the canary moves the test listener to the now idle blue
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=100))
    assert ok and result["changed"] is True
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == BLUE_LIVE


def test_target_groups_by_arn_without_test_listener(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    args = switch_args(stack, color="green", target_groups=dict(stack["target_group_arns"]))
    del args["test_listener_port"]
    ok, result = run_module(listener_switch.main, args)
    assert ok, result
    assert result["changed"] is True
    assert result["test_listener_arn"] is None
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    # no test_listener_port: the test listener is left alone
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_health_gate_refuses_unhealthy_color(aws, bluegreen_stack, run_module, aws_calls, check_mode):
    stack = bluegreen_stack
    aws.client("ec2").stop_instances(InstanceIds=stack["instance_ids"]["green"])
    production_before = read_default_actions(aws, stack["listener_arn"])
    test_before = read_default_actions(aws, stack["test_listener_arn"])

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", _ansible_check_mode=check_mode))
    assert not ok, result
    assert result["msg"] == "Refusing to send traffic to green: 0 healthy targets of 2, at least 1 required"
    assert result["health"]["green"] == {"healthy": 0, "total": 2}
    assert aws_calls.count("ModifyListener") == 0
    assert aws_calls.writes() == []
    assert read_default_actions(aws, stack["listener_arn"]) == production_before
    assert read_default_actions(aws, stack["test_listener_arn"]) == test_before


def test_health_gate_applies_to_canary_and_min_healthy(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    aws.client("ec2").stop_instances(InstanceIds=stack["instance_ids"]["green"][:1])

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=10, min_healthy=2))
    assert not ok, result
    assert result["msg"] == "Refusing to send traffic to green: 1 healthy targets of 2, at least 2 required"
    assert aws_calls.count("ModifyListener") == 0
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=10, min_healthy=1))
    assert ok, result
    assert read_weights(aws, stack, stack["listener_arn"]) == {"blue": 90, "green": 10}


def test_rollback_to_healthy_color_passes_gate(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    assert run_module(listener_switch.main, switch_args(stack, color="green"))[0]
    aws.client("ec2").stop_instances(InstanceIds=stack["instance_ids"]["green"])
    ok, result = run_module(listener_switch.main, switch_args(stack, color="blue"))
    assert ok, result
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


@pytest.mark.parametrize(
    "extra, fragments",
    [
        pytest.param({"color": "purple"}, ["color", "purple", "blue", "green"], id="color-purple"),
        pytest.param({"color": "green", "weight": 150}, ["weight", "150", "0 to 100"], id="weight-150"),
        pytest.param({"color": "green", "weight": -5}, ["weight", "-5", "0 to 100"], id="weight-negative"),
        pytest.param({"color": "green", "min_healthy": -1}, ["min_healthy", "-1"], id="min-healthy-negative"),
        pytest.param({"color": "green", "test_listener_port": 80}, ["test_listener_port", "80"], id="same-ports"),
        pytest.param({"color": "green", "target_groups": {"blue": "web-blue"}}, ["green"], id="green-missing"),
    ],
)
def test_bad_input_fails_before_any_aws_call(aws, bluegreen_stack, run_module, aws_calls, extra, fragments):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, **extra))
    assert not ok, result
    for fragment in fragments:
        assert fragment in result["msg"]
    assert aws_calls.calls == []
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


@pytest.mark.parametrize(
    "extra, fragments",
    [
        pytest.param({"load_balancer_name": "nope-alb"}, ["Load balancer nope-alb not found"], id="unknown-alb"),
        pytest.param(
            {"listener_port": 443}, ["web-alb has no listener on port 443", "listener_port", "80, 8080"], id="no-443"
        ),
        pytest.param({"test_listener_port": 9090}, ["no listener on port 9090", "test_listener_port"], id="no-9090"),
        pytest.param(
            {"target_groups": {"blue": "web-blue", "green": "web-purple"}},
            ["Target group web-purple (target_groups.green) not found"],
            id="unknown-target-group",
        ),
        pytest.param(
            {"target_groups": {"blue": "web-blue", "green": "web-blue"}},
            ["name the same target group"],
            id="same-target-group",
        ),
    ],
)
def test_missing_resources_fail_clearly(aws, bluegreen_stack, run_module, aws_calls, extra, fragments):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", **extra))
    assert not ok, result
    for fragment in fragments:
        assert fragment in result["msg"]
    assert aws_calls.writes() == []


def test_listener_forwarding_elsewhere_is_not_replaced(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    elbv2 = aws.client("elbv2")
    other_arn = elbv2.create_target_group(Name="web-other", Protocol="HTTP", Port=80, VpcId=stack["vpc_id"])[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.modify_listener(
        ListenerArn=stack["listener_arn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": other_arn}]
    )

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green"))
    assert not ok, result
    assert "neither blue nor green" in result["msg"]
    assert other_arn in result["msg"]
    assert stack["listener_arn"] in result["msg"]
    assert aws_calls.writes() == []
    assert read_default_actions(aws, stack["listener_arn"]) == [{"Type": "forward", "TargetGroupArn": other_arn}]


def test_aws_error_names_the_listener(aws, bluegreen_stack, run_module, monkeypatch):
    """A failing ModifyListener surfaces as "Failed to modify listener <arn>: <AWS message>"."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    recording = BaseClient._make_api_call

    def deny_modify(client, operation_name, api_params):
        if operation_name == "ModifyListener":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, operation_name)
        return recording(client, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", deny_modify)
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green"))
    assert not ok, result
    assert result["msg"].startswith(f"Failed to modify listener {bluegreen_stack['listener_arn']}: ")
    assert "not allowed" in result["msg"]


def put_alarm(aws, name, state="OK"):
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def test_examples_run_against_the_stack(aws, bluegreen_stack, run_module):
    """Every EXAMPLES task runs (the stack uses the same names); the watched alarms are created (state OK)."""
    import yaml

    stack = bluegreen_stack
    tasks = yaml.safe_load(listener_switch.EXAMPLES)
    assert len(tasks) == 3
    for task in tasks:
        args = dict(task["bluegreen.aws.listener_switch"])
        for name in args.get("alarms", []):
            put_alarm(aws, name)
        ok, result = run_module(listener_switch.main, args)
        assert ok, (task["name"], result)
        assert result["changed"] is True, task["name"]
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE
    released = json.loads(aws.client("s3").get_object(Bucket=BUCKET, Key="locks/web.json")["Body"].read())
    assert (released["state"], released["operation"]) == ("released", "rollback to blue")

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.bluegreen_info against the embedded AWS (moto server)."""

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import bluegreen_info


def info_args(stack, **extra):
    args = dict(
        load_balancer_name=stack["load_balancer_name"],
        listener_port=80,
        test_listener_port=8080,
        target_groups=dict(stack["target_group_names"]),
    )
    args.update(extra)
    return args


def weighted(stack, blue, green):
    arns = stack["target_group_arns"]
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": arns["blue"], "Weight": blue},
                    {"TargetGroupArn": arns["green"], "Weight": green},
                ]
            },
        }
    ]


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_reports_live_blue_stack(bluegreen_stack, run_module, aws_calls, check_mode):
    stack = bluegreen_stack
    ok, result = run_module(bluegreen_info.main, info_args(stack, _ansible_check_mode=check_mode))
    assert ok, result
    assert result["changed"] is False
    assert (result["live_color"], result["idle_color"], result["state"]) == ("blue", "green", "live")
    assert result["weights"] == {"blue": 100, "green": 0}
    assert result["colors"] == {
        color: {
            "target_group_arn": stack["target_group_arns"][color],
            "target_group_name": "web-" + color,
            "healthy": 2,
            "total": 2,
            "version": version,
        }
        for color, version in (("blue", "1.0.0"), ("green", "1.1.0"))
    }
    assert result["listener_arn"] == stack["listener_arn"]
    assert result["test_listener_arn"] == stack["test_listener_arn"]
    assert result["test_listener_color"] == "green"
    assert aws_calls.operations() and aws_calls.writes() == []


def test_reports_canary_in_progress(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    aws.client("elbv2").modify_listener(ListenerArn=stack["listener_arn"], DefaultActions=weighted(stack, 1, 3))
    ok, result = run_module(bluegreen_info.main, info_args(stack))
    assert ok, result
    assert result["state"] == "in_progress"
    assert result["weights"] == {"blue": 25, "green": 75}
    assert (result["live_color"], result["idle_color"]) == ("green", "blue")


def test_reports_green_live_after_full_weight(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    elbv2 = aws.client("elbv2")
    elbv2.modify_listener(ListenerArn=stack["listener_arn"], DefaultActions=weighted(stack, 0, 100))
    elbv2.modify_listener(ListenerArn=stack["test_listener_arn"], DefaultActions=weighted(stack, 100, 0))
    ok, result = run_module(bluegreen_info.main, info_args(stack))
    assert ok, result
    assert (result["live_color"], result["idle_color"], result["state"]) == ("green", "blue", "live")
    assert result["test_listener_color"] == "blue"


def test_reports_health_and_missing_version(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    aws.client("ec2").stop_instances(InstanceIds=stack["instance_ids"]["green"][:1])
    aws.client("elbv2").remove_tags(ResourceArns=[stack["target_group_arns"]["green"]], TagKeys=["Version"])
    ok, result = run_module(bluegreen_info.main, info_args(stack))
    assert ok, result
    assert result["colors"]["green"]["healthy"] == 1
    assert result["colors"]["green"]["total"] == 2
    assert result["colors"]["green"]["version"] is None
    assert result["colors"]["blue"]["version"] == "1.0.0"


def test_without_test_listener(bluegreen_stack, run_module):
    args = info_args(bluegreen_stack, target_groups=dict(bluegreen_stack["target_group_arns"]))
    del args["test_listener_port"]
    ok, result = run_module(bluegreen_info.main, args)
    assert ok, result
    assert result["live_color"] == "blue"
    assert result["test_listener_arn"] is None
    assert result["test_listener_color"] is None


def test_reports_unknown_when_forwarding_elsewhere(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    elbv2 = aws.client("elbv2")
    other_arn = elbv2.create_target_group(Name="web-other", Protocol="HTTP", Port=80, VpcId=stack["vpc_id"])[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.modify_listener(
        ListenerArn=stack["listener_arn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": other_arn}]
    )
    ok, result = run_module(bluegreen_info.main, info_args(stack))
    assert ok, result
    assert (result["state"], result["live_color"], result["idle_color"]) == ("unknown", None, None)
    assert result["weights"] == {"blue": 0, "green": 0}


@pytest.mark.parametrize(
    "extra, fragment",
    [
        pytest.param({"load_balancer_name": "nope-alb"}, "Load balancer nope-alb not found", id="unknown-alb"),
        pytest.param({"listener_port": 443}, "no listener on port 443", id="no-listener"),
        pytest.param(
            {"target_groups": {"blue": "web-nope", "green": "web-green"}},
            "Target group web-nope (target_groups.blue) not found",
            id="unknown-target-group",
        ),
        pytest.param({"test_listener_port": 80}, "test_listener_port must differ", id="same-ports"),
    ],
)
def test_missing_resources_fail_clearly(bluegreen_stack, run_module, aws_calls, extra, fragment):
    ok, result = run_module(bluegreen_info.main, info_args(bluegreen_stack, **extra))
    assert not ok, result
    assert fragment in result["msg"]
    assert aws_calls.writes() == []


def test_examples_run_against_the_stack(bluegreen_stack, run_module):
    """The EXAMPLES query runs (the stack uses the same names) and its Jinja expressions hold."""
    import yaml

    tasks = yaml.safe_load(bluegreen_info.EXAMPLES)
    ok, web = run_module(bluegreen_info.main, tasks[0]["bluegreen.aws.bluegreen_info"])
    assert ok, web
    assert web["colors"][web["live_color"]]["version"] == "1.0.0"
    assert web["colors"][web["idle_color"]]["healthy"] == 2
    assert web["state"] == "live"

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""listener_switch: header-routed preview of the idle color, and stickiness during a canary.

Read back from the emulator: the production listener's rules and its forward
configuration.
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

from test_module_listener_switch import GREEN_LIVE, read_default_actions, read_weights, switch_args

HEADER = "X-Bluegreen-Color"


def preview_rules(aws, stack):
    rules = aws.client("elbv2").describe_rules(ListenerArn=stack["listener_arn"])["Rules"]
    found = []
    for rule in rules:
        for condition in rule.get("Conditions", []):
            if condition.get("Field") == "http-header":
                config = condition["HttpHeaderConfig"]
                (action,) = rule["Actions"]
                target = action.get("TargetGroupArn") or action["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"]
                colors = {arn: color for color, arn in stack["target_group_arns"].items()}
                found.append((config["HttpHeaderName"], config["Values"], colors[target]))
    return found


def test_preview_follows_the_idle_color(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    # A canary creates the preview for the color being rolled out.
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=10, preview_header=HEADER))
    assert ok, result
    assert preview_rules(aws, stack) == [(HEADER, ["green"], "green")]
    assert result["preview_color"] == "green"

    # Green goes live: its preview is gone, blue (now idle) has one.
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", preview_header=HEADER))
    assert ok and result["changed"], result
    assert preview_rules(aws, stack) == [(HEADER, ["blue"], "blue")]
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE

    # Nothing to do: no write at all.
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", preview_header=HEADER))
    assert ok and not result["changed"], result
    assert aws_calls.writes() == []


def test_preview_in_check_mode_writes_nothing(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(
        stack, color="green", preview_header=HEADER, _ansible_check_mode=True, _ansible_diff=True))
    assert ok and result["changed"], result
    assert result["diff"]["after"]["preview_color"] == "blue"
    assert aws_calls.writes() == [] and preview_rules(aws, stack) == []


def test_stickiness_is_on_during_a_canary_and_off_when_live(aws, bluegreen_stack, run_module):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=25, stickiness_duration=600))
    assert ok, result
    (action,) = read_default_actions(aws, stack["listener_arn"])
    assert action["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 600}

    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", stickiness_duration=600))
    assert ok and result["changed"], result
    (action,) = read_default_actions(aws, stack["listener_arn"])
    assert action["ForwardConfig"]["TargetGroupStickinessConfig"]["Enabled"] is False

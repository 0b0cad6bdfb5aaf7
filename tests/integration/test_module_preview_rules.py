# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""preview_rules: static header rules per color; listener_switch: stickiness during a canary.

Read back from the emulator: the production listener's rules and its forward
configuration.
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.modules import listener_switch
from ansible_collections.bluegreen.aws.plugins.modules import preview_rules as preview_rules_module

from test_module_listener_switch import read_default_actions, switch_args
from test_module_listener_switch import lock_bucket  # noqa: F401 # pylint: disable=unused-import

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


def test_one_rule_per_color_check_run_and_idempotence(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    args = dict(application="web", _ansible_diff=True)
    ok, result = run_module(preview_rules_module.main, dict(args, _ansible_check_mode=True))
    assert ok and result["changed"] and aws_calls.writes() == [] and preview_rules(aws, stack) == []
    assert result["diff"] == {"before": {"rules": {"blue": None, "green": None}},
                              "after": {"rules": {"blue": "blue", "green": "green"}}}

    ok, result = run_module(preview_rules_module.main, args)
    assert ok and result["changed"], result
    assert sorted(preview_rules(aws, stack)) == [(HEADER, ["blue"], "blue"), (HEADER, ["green"], "green")]
    assert aws_calls.writes() == ["CreateRule", "CreateRule"]

    for check_mode in (True, False):
        ok, result = run_module(preview_rules_module.main, dict(args, _ansible_check_mode=check_mode))
        assert ok and not result["changed"] and aws_calls.writes() == []


def test_a_switch_never_writes_the_rules(aws, bluegreen_stack, run_module, aws_calls):
    stack = bluegreen_stack
    assert run_module(preview_rules_module.main, dict(application="web"))[0]
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green"))
    assert ok and result["changed"]
    assert not [op for op in aws_calls.operations() if "Rule" in op], aws_calls.operations()
    assert sorted(preview_rules(aws, stack)) == [(HEADER, ["blue"], "blue"), (HEADER, ["green"], "green")]


def test_the_old_moving_rule_is_corrected(aws, bluegreen_stack, run_module):
    """Earlier versions kept one rule that followed the idle color (value green -> blue here)."""
    stack = bluegreen_stack
    aws.client("elbv2").create_rule(ListenerArn=stack["listener_arn"], Priority=10, Conditions=[
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": HEADER, "Values": ["green"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": stack["target_group_arns"]["blue"]}])
    ok, result = run_module(preview_rules_module.main, dict(application="web"))
    assert ok and result["changed"]
    assert sorted(preview_rules(aws, stack)) == [(HEADER, ["blue"], "blue"), (HEADER, ["green"], "green")]


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

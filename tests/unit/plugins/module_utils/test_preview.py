# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.module_utils import preview

ARNS = {"blue": "arn:tg/blue", "green": "arn:tg/green"}
HEADER = "X-Bluegreen-Color"


def rule(arn, priority, color, target):
    return {"Priority": str(priority), "RuleArn": arn, "Conditions": preview.preview_conditions(HEADER, color),
            "Actions": preview.preview_actions(ARNS[target])}


def test_preview_rule_helpers():
    rules = [rule("r1", 10, "green", "green"), {"Priority": "default", "RuleArn": "r0", "Conditions": [], "Actions": []}]
    found = preview.find_preview_rule(rules, "x-bluegreen-color")
    assert found["RuleArn"] == "r1"
    assert preview.preview_color(found, ARNS) == "green"
    assert preview.preview_matches(found, HEADER, "green", ARNS)
    assert not preview.preview_matches(found, HEADER, "blue", ARNS)
    assert preview.find_preview_rule(rules, "X-Other") is None
    assert preview.find_preview_rule(rules, HEADER, "blue") is None
    assert preview.free_rule_priority(rules, 10) == 11
    assert preview.free_rule_priority(rules, 5) == 5
    assert preview.free_rule_priority(rules, 10, taken=[11]) == 12


def test_plan_creates_one_rule_per_color_on_free_priorities():
    rules = [{"Priority": "10", "RuleArn": "other", "Conditions": [], "Actions": []}]
    assert preview.plan_preview_rules(rules, HEADER, ARNS, 10) == [
        dict(color="blue", action="create", priority=11), dict(color="green", action="create", priority=12)]


def test_plan_is_empty_when_both_rules_are_right():
    rules = [rule("rb", 10, "blue", "blue"), rule("rg", 11, "green", "green")]
    assert preview.plan_preview_rules(rules, HEADER, ARNS, 10) == []
    assert preview.preview_state(rules, HEADER, ARNS) == {"blue": "blue", "green": "green"}


def test_plan_fixes_a_rule_of_the_old_following_kind():
    # The rule the switch used to move: value green, forwarding to blue.
    rules = [rule("old", 10, "green", "blue")]
    assert preview.plan_preview_rules(rules, HEADER, ARNS, 10) == [
        dict(color="blue", action="create", priority=11), dict(color="green", action="modify", rule_arn="old")]
    assert preview.preview_state(rules, HEADER, ARNS) == {"blue": None, "green": "blue"}

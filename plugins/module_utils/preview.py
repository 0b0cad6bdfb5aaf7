# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Static header-routed preview rules, as plain data (no AWS).

The production listener carries one rule per color: a request with the
header ``X-Bluegreen-Color: green`` goes to the green target group, one with
``blue`` to blue, whichever color is live. site.yml makes them once
(``bluegreen.aws.preview_rules``); a switch never touches them, so a tester
reaches the idle color through the production hostname at any time.
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.module_utils.listener import COLORS
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import normalize_weights


def preview_conditions(header, color):
    return [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": header, "Values": [color]}}]


def preview_actions(target_group_arn):
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


def _header_values(rule, header):
    """The values the rule's condition on ``header`` matches (case-insensitive name), or None."""
    for condition in rule.get("Conditions") or []:
        config = condition.get("HttpHeaderConfig") or {}
        if condition.get("Field") == "http-header" and (config.get("HttpHeaderName") or "").lower() == header.lower():
            return config.get("Values") or []
    return None


def find_preview_rule(rules, header, color=None):
    """The listener rule routing on ``header`` (for the value ``color`` when given), or None."""
    for rule in rules or []:
        values = _header_values(rule, header)
        if values is not None and (color is None or color in values):
            return rule
    return None


def preview_color(rule, arns_by_color):
    """The color a preview rule sends its requests to, or None."""
    if rule is None:
        return None
    forwarded = normalize_weights(rule.get("Actions") or [])
    for color, arn in arns_by_color.items():
        if forwarded.get(arn) == 100:
            return color
    return None


def preview_matches(rule, header, color, arns_by_color):
    """True when ``rule`` sends requests with ``header: color`` to ``color`` and nothing else."""
    if rule is None or preview_color(rule, arns_by_color) != color:
        return False
    conditions = rule.get("Conditions") or []
    return len(conditions) == 1 and _header_values(rule, header) == [color]


def free_rule_priority(rules, wanted, taken=()):
    """``wanted`` if no rule (nor ``taken``) uses it, else the next free priority above it."""
    used = {int(r["Priority"]) for r in rules or [] if str(r.get("Priority", "default")).isdigit()} | set(taken)
    priority = wanted
    while priority in used:
        priority += 1
    return priority


def plan_preview_rules(rules, header, arns_by_color, priority):
    """What to write so each color has its rule: ``[{color, action, rule_arn?, priority?}]``, no-ops left out.

    ``action`` is ``create`` (no rule for the color's value) or ``modify``
    (a rule for the value that forwards elsewhere or has other conditions).
    """
    plan, taken = [], []
    for color in COLORS:
        rule = find_preview_rule(rules, header, color)
        if rule is None:
            chosen = free_rule_priority(rules, priority, taken)
            taken.append(chosen)
            plan.append(dict(color=color, action="create", priority=chosen))
        elif not preview_matches(rule, header, color, arns_by_color):
            plan.append(dict(color=color, action="modify", rule_arn=rule["RuleArn"]))
    return plan


def preview_state(rules, header, arns_by_color):
    """``{color: color its header value reaches, or None}``: what the diff shows."""
    return {color: preview_color(find_preview_rule(rules, header, color), arns_by_color) for color in COLORS}

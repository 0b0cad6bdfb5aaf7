# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure weight / default-action math for blue-green listener switching.

Nothing here talks to AWS: every function takes plain data (as returned by
``describe_listeners`` and friends) and returns plain data, so all of it is
unit-tested without an emulator.

Vocabulary:

* ``weights_by_arn`` -- ``{target_group_arn: percent}`` of a listener's
  forward action, percentages summing to 100 (zero-weight entries kept).
* ``arns_by_color`` -- ``{"blue": target_group_arn, "green": target_group_arn}``.
* ``weights`` -- ``{"blue": percent, "green": percent}``.
"""

from __future__ import annotations

COLORS = ("blue", "green")

STATE_LIVE = "live"
STATE_IN_PROGRESS = "in_progress"
STATE_UNKNOWN = "unknown"


class ListenerError(ValueError):
    """A listener, or a request about one, that the switch must not act on."""


def other_color(color):
    """The color that is not ``color``."""
    validate_color(color)
    return "green" if color == "blue" else "blue"


def validate_color(color):
    if color not in COLORS:
        raise ListenerError(f"color must be one of {', '.join(COLORS)}; got {color!r}")


def validate_weight(weight):
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        raise ListenerError(f"weight must be an integer from 0 to 100 (percent of traffic to the color); got {weight!r}")


def validate_min_healthy(min_healthy):
    if isinstance(min_healthy, bool) or not isinstance(min_healthy, int) or min_healthy < 0:
        raise ListenerError(f"min_healthy must be an integer of 0 or more; got {min_healthy!r}")


def validate_switch_request(color, weight, min_healthy):
    """Raise ListenerError naming the first bad value and what is allowed."""
    validate_color(color)
    validate_weight(weight)
    validate_min_healthy(min_healthy)


def _percentages(raw_weights):
    """Scale ``[(key, raw_weight), ...]`` to integer percentages summing to 100.

    Largest-remainder rounding, so 1:1:1 becomes 34/33/33 rather than 33/33/33.
    All-zero weights stay zero.
    """
    total = sum(weight for _key, weight in raw_weights)
    if total <= 0:
        return {key: 0 for key, _weight in raw_weights}
    exact = [(key, weight * 100.0 / total) for key, weight in raw_weights]
    result = {key: int(value) for key, value in exact}
    shortfall = 100 - sum(result.values())
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for key, _value in by_remainder[:shortfall]:
        result[key] += 1
    return result


def forward_action(default_actions):
    """The ``forward`` action among a listener's default actions, or None.

    A default action list ends with one terminal action (forward, redirect or
    fixed-response), possibly after authenticate actions.
    """
    for action in sorted(default_actions or [], key=lambda a: a.get("Order", 0)):
        if action.get("Type") == "forward":
            return action
    return None


def normalize_weights(default_actions):
    """``{target_group_arn: percent}`` of a listener's forward action.

    Handles a plain ``TargetGroupArn`` forward (100 percent), a weighted
    ``ForwardConfig`` (weights scaled to percentages; a missing weight counts
    as 1, as in the ELBv2 API), repeated ARNs (summed) and zero weights (kept,
    with 0). Returns ``{}`` when the listener does not forward at all.
    """
    action = forward_action(default_actions)
    if action is None:
        return {}
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if not groups:
        arn = action.get("TargetGroupArn")
        return {arn: 100} if arn else {}
    raw = {}
    for group in groups:
        arn = group["TargetGroupArn"]
        raw[arn] = raw.get(arn, 0) + int(group.get("Weight", 1))
    return _percentages(list(raw.items()))


def stickiness_enabled(default_actions):
    action = forward_action(default_actions) or {}
    config = (action.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {}
    return bool(config.get("Enabled", False))


def stickiness_duration(default_actions):
    """Seconds of target group stickiness, 0 when it is off."""
    if not stickiness_enabled(default_actions):
        return 0
    config = forward_action(default_actions)["ForwardConfig"]["TargetGroupStickinessConfig"]
    return int(config.get("DurationSeconds") or 0)


def foreign_target_groups(weights_by_arn, arns_by_color):
    """ARNs the listener forwards to (any weight) that are neither blue nor green."""
    ours = set(arns_by_color.values())
    return sorted(arn for arn in weights_by_arn if arn not in ours)


def check_listener_ownership(listener_arn, default_actions, arns_by_color):
    """Raise ListenerError unless the listener forwards only to blue / green.

    Called before any write: the switch replaces the whole default action, so
    a redirect, a fixed response or a third target group would be lost.
    """
    weights_by_arn = normalize_weights(default_actions)
    if not weights_by_arn:
        kinds = ", ".join(sorted({str(a.get("Type")) for a in default_actions or []})) or "none"
        raise ListenerError(
            f"Listener {listener_arn} does not forward to a target group (default action: {kinds}); "
            "refusing to replace it"
        )
    foreign = foreign_target_groups(weights_by_arn, arns_by_color)
    if foreign:
        raise ListenerError(
            f"Listener {listener_arn} forwards to target group(s) that are neither blue nor green: "
            f"{', '.join(foreign)}; refusing to replace its default action"
        )


def weights_by_color(weights_by_arn, arns_by_color):
    """``{"blue": percent, "green": percent}``; other target groups are ignored."""
    return {color: weights_by_arn.get(arns_by_color[color], 0) for color in COLORS}


def traffic_state(weights_by_arn, arns_by_color):
    """``(state, live_color, idle_color)`` of a listener.

    * ``live``: one color has all the weight; it is live, the other idle.
    * ``in_progress``: both colors have weight; live is the color with the
      larger share (None for an exact 50/50 split).
    * ``unknown``: the listener does not forward, forwards elsewhere, or
      forwards to neither color.
    """
    foreign_weight = sum(weight for arn, weight in weights_by_arn.items() if arn not in arns_by_color.values())
    weights = weights_by_color(weights_by_arn, arns_by_color)
    if foreign_weight > 0 or sum(weights.values()) == 0:
        return STATE_UNKNOWN, None, None
    for color in COLORS:
        if weights[color] == 100:
            return STATE_LIVE, color, other_color(color)
    if weights["blue"] == weights["green"]:
        return STATE_IN_PROGRESS, None, None
    live = "blue" if weights["blue"] > weights["green"] else "green"
    return STATE_IN_PROGRESS, live, other_color(live)


def listener_color(default_actions, arns_by_color):
    """The color a listener sends all its traffic to, else None (test listener)."""
    state, live, _idle = traffic_state(normalize_weights(default_actions), arns_by_color)
    return live if state == STATE_LIVE else None


def desired_weights(color, weight):
    """``{"blue": N, "green": N}`` for ``weight`` percent to ``color``."""
    validate_color(color)
    validate_weight(weight)
    return {color: weight, other_color(color): 100 - weight}


def desired_default_actions(color, weight, arns_by_color, sticky_seconds=0):
    """Default actions sending ``weight`` percent to ``color``, the rest to the other.

    Always a weighted forward listing both target groups (blue first). With
    ``sticky_seconds`` and a split (0 < weight < 100), target
    group stickiness keeps each client on one color through a canary; a color
    that gets all the traffic needs none, so it is off then (and by default).
    """
    weights = desired_weights(color, weight)
    stickiness = {"Enabled": False}
    if sticky_seconds and 0 < weight < 100:
        stickiness = {"Enabled": True, "DurationSeconds": int(sticky_seconds)}
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": arns_by_color[c], "Weight": weights[c]} for c in COLORS],
                "TargetGroupStickinessConfig": stickiness,
            },
        }
    ]


def _traffic(default_actions):
    return {arn: weight for arn, weight in normalize_weights(default_actions).items() if weight > 0}


def actions_match(current_actions, desired_actions):
    """True when both send the same share of traffic to the same target groups.

    Zero-weight entries are ignored (``TargetGroupArn: blue`` equals
    blue 100 / green 0), and so is how the weights are written (1:3 equals
    25:75); stickiness must agree.
    """
    return _traffic(current_actions) == _traffic(desired_actions) and _stickiness(current_actions) == _stickiness(
        desired_actions
    )


def _stickiness(default_actions):
    return stickiness_enabled(default_actions), stickiness_duration(default_actions)


def count_health(target_health_descriptions):
    """``{"healthy": N, "total": N}``; healthy means TargetHealth.State == healthy."""
    descriptions = target_health_descriptions or []
    healthy = sum(1 for d in descriptions if (d.get("TargetHealth") or {}).get("State") == "healthy")
    return {"healthy": healthy, "total": len(descriptions)}


def health_gate(color, weight, health, min_healthy):
    """None when ``color`` may receive ``weight`` percent, else the refusal message.

    ``health`` is ``{"healthy": N, "total": N}`` for ``color``. A color that
    would receive no traffic (weight 0) always passes.
    """
    if weight <= 0 or health["healthy"] >= min_healthy:
        return None
    return (
        f"Refusing to send traffic to {color}: {health['healthy']} healthy targets of {health['total']}, "
        f"at least {min_healthy} required"
    )

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the pure listener weight / action math (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import listener
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import ListenerError

BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1111111111111111"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2222222222222222"
OTHER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other/3333333333333333"
ARNS = {"blue": BLUE, "green": GREEN}
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"


def single(arn):
    return [{"Type": "forward", "TargetGroupArn": arn}]


def weighted(*pairs, stickiness=None):
    config = {"TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in pairs]}
    if stickiness is not None:
        config["TargetGroupStickinessConfig"] = {"Enabled": stickiness}
    return [{"Type": "forward", "ForwardConfig": config}]


REDIRECT = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
FIXED = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}]


# --- normalize_weights -------------------------------------------------------


@pytest.mark.parametrize(
    "actions, expected",
    [
        pytest.param(single(BLUE), {BLUE: 100}, id="single-target-group-arn"),
        pytest.param(weighted((BLUE, 1)), {BLUE: 100}, id="forward-config-one-group"),
        pytest.param(weighted((BLUE, 100), (GREEN, 0)), {BLUE: 100, GREEN: 0}, id="zero-weight-kept"),
        pytest.param(weighted((BLUE, 75), (GREEN, 25)), {BLUE: 75, GREEN: 25}, id="percent-already"),
        pytest.param(weighted((BLUE, 3), (GREEN, 1)), {BLUE: 75, GREEN: 25}, id="weights-scaled-to-percent"),
        pytest.param(weighted((BLUE, 999), (GREEN, 999)), {BLUE: 50, GREEN: 50}, id="large-equal-weights"),
        pytest.param(weighted((BLUE, 1), (GREEN, 2)), {BLUE: 33, GREEN: 67}, id="rounding-sums-to-100"),
        pytest.param(
            weighted((BLUE, 1), (GREEN, 1), (OTHER, 1)), {BLUE: 34, GREEN: 33, OTHER: 33}, id="largest-remainder"
        ),
        pytest.param(weighted((BLUE, 0), (GREEN, 0)), {BLUE: 0, GREEN: 0}, id="all-zero"),
        pytest.param(weighted((BLUE, 10), (BLUE, 10), (GREEN, 20)), {BLUE: 50, GREEN: 50}, id="repeated-arn-summed"),
        pytest.param(
            [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": BLUE}, {"TargetGroupArn": GREEN}]}}],
            {BLUE: 50, GREEN: 50},
            id="missing-weight-counts-as-1",
        ),
        pytest.param(
            [{"Type": "forward", "TargetGroupArn": BLUE, "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": BLUE, "Weight": 1}]}}],
            {BLUE: 100},
            id="both-forms-as-aws-returns",
        ),
        pytest.param(
            [
                {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {}},
                {"Type": "forward", "Order": 2, "TargetGroupArn": GREEN},
            ],
            {GREEN: 100},
            id="after-authenticate-action",
        ),
        pytest.param(REDIRECT, {}, id="redirect"),
        pytest.param(FIXED, {}, id="fixed-response"),
        pytest.param([], {}, id="no-actions"),
        pytest.param(None, {}, id="none"),
    ],
)
def test_normalize_weights(actions, expected):
    assert listener.normalize_weights(actions) == expected


# --- colors and state ---------------------------------------------------------


@pytest.mark.parametrize(
    "weights_by_arn, expected",
    [
        ({BLUE: 100}, {"blue": 100, "green": 0}),
        ({BLUE: 100, GREEN: 0}, {"blue": 100, "green": 0}),
        ({BLUE: 75, GREEN: 25}, {"blue": 75, "green": 25}),
        ({GREEN: 100}, {"blue": 0, "green": 100}),
        ({OTHER: 100}, {"blue": 0, "green": 0}),
        ({}, {"blue": 0, "green": 0}),
    ],
)
def test_weights_by_color(weights_by_arn, expected):
    assert listener.weights_by_color(weights_by_arn, ARNS) == expected


@pytest.mark.parametrize(
    "weights_by_arn, expected",
    [
        pytest.param({BLUE: 100}, ("live", "blue", "green"), id="blue-live-single"),
        pytest.param({BLUE: 100, GREEN: 0}, ("live", "blue", "green"), id="blue-live-weighted"),
        pytest.param({BLUE: 0, GREEN: 100}, ("live", "green", "blue"), id="green-live"),
        pytest.param({BLUE: 75, GREEN: 25}, ("in_progress", "blue", "green"), id="canary-blue-majority"),
        pytest.param({BLUE: 10, GREEN: 90}, ("in_progress", "green", "blue"), id="canary-green-majority"),
        pytest.param({BLUE: 50, GREEN: 50}, ("in_progress", None, None), id="even-split"),
        pytest.param({OTHER: 100}, ("unknown", None, None), id="forwards-elsewhere"),
        pytest.param({BLUE: 50, OTHER: 50}, ("unknown", None, None), id="partly-elsewhere"),
        pytest.param({BLUE: 100, OTHER: 0}, ("live", "blue", "green"), id="zero-weight-elsewhere-ignored"),
        pytest.param({}, ("unknown", None, None), id="no-forward"),
        pytest.param({BLUE: 0, GREEN: 0}, ("unknown", None, None), id="all-zero"),
    ],
)
def test_traffic_state(weights_by_arn, expected):
    assert listener.traffic_state(weights_by_arn, ARNS) == expected


@pytest.mark.parametrize(
    "actions, expected",
    [
        (single(GREEN), "green"),
        (weighted((BLUE, 100), (GREEN, 0)), "blue"),
        (weighted((BLUE, 50), (GREEN, 50)), None),
        (single(OTHER), None),
        (REDIRECT, None),
    ],
)
def test_listener_color(actions, expected):
    assert listener.listener_color(actions, ARNS) == expected


@pytest.mark.parametrize(
    "weights_by_arn, expected",
    [
        ({BLUE: 100, GREEN: 0}, []),
        ({BLUE: 100, OTHER: 0}, [OTHER]),
        ({OTHER: 100}, [OTHER]),
        ({}, []),
    ],
)
def test_foreign_target_groups(weights_by_arn, expected):
    assert listener.foreign_target_groups(weights_by_arn, ARNS) == expected


@pytest.mark.parametrize("color, expected", [("blue", "green"), ("green", "blue")])
def test_other_color(color, expected):
    assert listener.other_color(color) == expected


# --- listener ownership (checked before any write) -----------------------------


@pytest.mark.parametrize(
    "actions",
    [single(BLUE), single(GREEN), weighted((BLUE, 90), (GREEN, 10)), weighted((BLUE, 100), (GREEN, 0))],
)
def test_check_listener_ownership_accepts_blue_and_green(actions):
    listener.check_listener_ownership(LISTENER, actions, ARNS)


@pytest.mark.parametrize(
    "actions, fragments",
    [
        pytest.param(single(OTHER), [LISTENER, "neither blue nor green", OTHER], id="third-group"),
        pytest.param(weighted((BLUE, 100), (OTHER, 0)), [OTHER], id="third-group-zero-weight"),
        pytest.param(REDIRECT, [LISTENER, "does not forward", "redirect"], id="redirect"),
        pytest.param(FIXED, ["does not forward", "fixed-response"], id="fixed-response"),
        pytest.param([], ["does not forward", "none"], id="no-actions"),
    ],
)
def test_check_listener_ownership_refuses(actions, fragments):
    with pytest.raises(ListenerError) as excinfo:
        listener.check_listener_ownership(LISTENER, actions, ARNS)
    for fragment in fragments:
        assert fragment in str(excinfo.value)


# --- desired actions and comparison -------------------------------------------


@pytest.mark.parametrize(
    "color, weight, expected",
    [
        ("green", 100, {"blue": 0, "green": 100}),
        ("blue", 100, {"blue": 100, "green": 0}),
        ("green", 25, {"blue": 75, "green": 25}),
        ("blue", 0, {"blue": 0, "green": 100}),
    ],
)
def test_desired_weights(color, weight, expected):
    assert listener.desired_weights(color, weight) == expected


@pytest.mark.parametrize(
    "color, weight, blue_weight, green_weight",
    [("green", 100, 0, 100), ("blue", 100, 100, 0), ("green", 25, 75, 25), ("blue", 60, 60, 40)],
)
def test_desired_default_actions_lists_both_groups(color, weight, blue_weight, green_weight):
    assert listener.desired_default_actions(color, weight, ARNS) == [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": BLUE, "Weight": blue_weight},
                    {"TargetGroupArn": GREEN, "Weight": green_weight},
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


@pytest.mark.parametrize(
    "current, color, weight, expected",
    [
        pytest.param(single(BLUE), "blue", 100, True, id="single-arn-equals-blue-100"),
        pytest.param(single(BLUE), "green", 100, False, id="single-arn-vs-green"),
        pytest.param(weighted((BLUE, 0), (GREEN, 100), stickiness=False), "green", 100, True, id="same"),
        pytest.param(weighted((GREEN, 100)), "green", 100, True, id="zero-entry-omitted"),
        pytest.param(weighted((BLUE, 3), (GREEN, 1)), "green", 25, True, id="scaled-weights-equal"),
        pytest.param(weighted((BLUE, 75), (GREEN, 25)), "green", 50, False, id="different-split"),
        pytest.param(weighted((BLUE, 0), (GREEN, 100), stickiness=True), "green", 100, False, id="stickiness-on"),
        pytest.param(REDIRECT, "blue", 100, False, id="redirect"),
        pytest.param(single(OTHER), "blue", 100, False, id="elsewhere"),
    ],
)
def test_actions_match(current, color, weight, expected):
    assert listener.actions_match(current, listener.desired_default_actions(color, weight, ARNS)) is expected


def test_desired_actions_round_trip_as_their_weights():
    for weight in range(0, 101):
        actions = listener.desired_default_actions("green", weight, ARNS)
        weights = listener.weights_by_color(listener.normalize_weights(actions), ARNS)
        assert weights == {"blue": 100 - weight, "green": weight}


# --- input validation -----------------------------------------------------------


@pytest.mark.parametrize("color, weight, min_healthy", [("blue", 0, 0), ("green", 100, 1), ("green", 25, 5)])
def test_validate_switch_request_accepts(color, weight, min_healthy):
    listener.validate_switch_request(color, weight, min_healthy)


@pytest.mark.parametrize(
    "color, weight, min_healthy, fragments",
    [
        pytest.param("purple", 100, 1, ["color", "'purple'", "blue, green"], id="bad-color"),
        pytest.param(None, 100, 1, ["color", "None", "blue, green"], id="no-color"),
        pytest.param("Blue", 100, 1, ["'Blue'"], id="color-case"),
        pytest.param("green", 150, 1, ["weight", "150", "0 to 100"], id="weight-too-high"),
        pytest.param("green", -1, 1, ["weight", "-1", "0 to 100"], id="weight-negative"),
        pytest.param("green", "50", 1, ["weight", "'50'"], id="weight-string"),
        pytest.param("green", True, 1, ["weight", "True"], id="weight-bool"),
        pytest.param("green", 100, -2, ["min_healthy", "-2", "0 or more"], id="min-healthy-negative"),
    ],
)
def test_validate_switch_request_names_bad_value(color, weight, min_healthy, fragments):
    with pytest.raises(ListenerError) as excinfo:
        listener.validate_switch_request(color, weight, min_healthy)
    for fragment in fragments:
        assert fragment in str(excinfo.value)


def test_other_color_rejects_unknown():
    with pytest.raises(ListenerError, match="'purple'"):
        listener.other_color("purple")


# --- health ----------------------------------------------------------------------


def _target(state):
    return {"Target": {"Id": "i-0123456789abcdef0", "Port": 80}, "TargetHealth": {"State": state}}


@pytest.mark.parametrize(
    "states, expected",
    [
        ([], {"healthy": 0, "total": 0}),
        (["healthy", "healthy"], {"healthy": 2, "total": 2}),
        (["healthy", "unhealthy", "initial", "draining", "unused"], {"healthy": 1, "total": 5}),
        (["unused", "unused"], {"healthy": 0, "total": 2}),
    ],
)
def test_count_health(states, expected):
    assert listener.count_health([_target(s) for s in states]) == expected


@pytest.mark.parametrize(
    "color, weight, healthy, total, min_healthy",
    [
        pytest.param("green", 100, 2, 2, 1, id="healthy"),
        pytest.param("green", 100, 1, 2, 1, id="exactly-enough"),
        pytest.param("green", 0, 0, 2, 1, id="no-traffic-no-gate"),
        pytest.param("blue", 100, 0, 0, 0, id="gate-disabled"),
    ],
)
def test_health_gate_passes(color, weight, healthy, total, min_healthy):
    assert listener.health_gate(color, weight, {"healthy": healthy, "total": total}, min_healthy) is None


@pytest.mark.parametrize(
    "color, weight, healthy, total, min_healthy, expected",
    [
        (
            "green",
            100,
            0,
            2,
            1,
            "Refusing to send traffic to green: 0 healthy targets of 2, at least 1 required",
        ),
        (
            "blue",
            25,
            1,
            3,
            2,
            "Refusing to send traffic to blue: 1 healthy targets of 3, at least 2 required",
        ),
        (
            "green",
            1,
            0,
            0,
            1,
            "Refusing to send traffic to green: 0 healthy targets of 0, at least 1 required",
        ),
    ],
)
def test_health_gate_refuses(color, weight, healthy, total, min_healthy, expected):
    assert listener.health_gate(color, weight, {"healthy": healthy, "total": total}, min_healthy) == expected


def test_stickiness_only_while_split():
    split = listener.desired_default_actions("green", 25, ARNS, sticky_seconds=300)
    assert split[0]["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 300}
    assert listener.stickiness_duration(split) == 300
    live = listener.desired_default_actions("green", 100, ARNS, sticky_seconds=300)
    assert live[0]["ForwardConfig"]["TargetGroupStickinessConfig"] == {"Enabled": False}
    assert not listener.actions_match(split, listener.desired_default_actions("green", 25, ARNS, sticky_seconds=60))

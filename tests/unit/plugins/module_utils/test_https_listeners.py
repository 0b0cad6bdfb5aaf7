# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTPS plan: order of the steps, forwarding never changed, idempotence."""

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import HttpsPlanError
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import apply_steps
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import plan_https
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import redirect_action
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import summarize

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d"
OTHER_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/ffff"
POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
TG = {c: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-%s/0123" % c for c in ("blue", "green")}


def listener(port, protocol="HTTP", actions=None, color="green", **extra):
    item = dict(ListenerArn="arn:listener/%d" % port, Port=port, Protocol=protocol,
                DefaultActions=actions or [{"Type": "forward", "TargetGroupArn": TG[color]}])
    item.update(extra)
    return item


def https(port, color, cert=CERT, policy=POLICY):
    return listener(port, "HTTPS", color=color, Certificates=[{"CertificateArn": cert}], SslPolicy=policy)


def plan(listeners, test_port=8080):
    return plan_https(listeners, 443, 80, test_port, CERT, POLICY)


def test_http_stack_converts_443_first_copying_the_live_color_then_redirects():
    before = [listener(80, color="green"), listener(8080, color="blue")]
    steps = plan(before)
    assert [(s["call"], s["port"]) for s in steps] == [("create", 443), ("modify", 8080), ("modify", 80)]
    assert steps[0]["params"] == dict(Port=443, Protocol="HTTPS", Certificates=[{"CertificateArn": CERT}], SslPolicy=POLICY,
                                      DefaultActions=[{"Type": "forward", "TargetGroupArn": TG["green"]}])
    # The test listener keeps its forwarding: no DefaultActions sent.
    assert "DefaultActions" not in steps[1]["params"] and steps[1]["params"]["Protocol"] == "HTTPS"
    assert steps[2]["params"] == {"Protocol": "HTTP", "DefaultActions": [redirect_action(443)]}
    after = summarize(apply_steps(before, steps))
    assert after["443"]["default_actions"] == ["forward to web-green"]
    assert after["80"]["default_actions"] == ["redirect to HTTPS:443 (HTTP_301)"]
    assert after["8080"] == dict(protocol="HTTPS", certificate=CERT, ssl_policy=POLICY, default_actions=["forward to web-blue"])


def test_canary_weights_are_copied_as_they_are():
    weighted = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": TG["blue"], "Weight": 90}, {"TargetGroupArn": TG["green"], "Weight": 10}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    steps = plan([listener(80, actions=weighted), listener(8080, color="green")])
    assert steps[0]["params"]["DefaultActions"] == weighted


def test_new_stack_with_http_on_443_is_modified_in_place():
    steps = plan([listener(443, color="blue"), listener(8080, color="green")])
    assert [(s["call"], s["port"]) for s in steps] == [("modify", 443), ("modify", 8080), ("create", 80)]
    assert "DefaultActions" not in steps[0]["params"]
    assert steps[2]["params"] == {"Port": 80, "Protocol": "HTTP", "DefaultActions": [redirect_action(443)]}


def test_converted_stack_needs_nothing():
    done = [https(443, "green"), https(8080, "blue"), listener(80, actions=[redirect_action(443)])]
    assert plan(done) == []


def test_aws_defaults_of_the_redirect_count_as_the_same():
    aws = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}",
                                                  "Query": "#{query}", "StatusCode": "HTTP_301"}}
    assert plan([https(443, "green"), https(8080, "blue"), listener(80, actions=[aws])]) == []


@pytest.mark.parametrize("changed", [dict(cert=OTHER_CERT), dict(policy="ELBSecurityPolicy-2016-08")])
def test_new_certificate_or_policy_is_modified_without_actions(changed):
    steps = plan([https(443, "green", **changed), https(8080, "blue"), listener(80, actions=[redirect_action(443)])])
    assert [(s["call"], s["port"]) for s in steps] == [("modify", 443)]
    assert steps[0]["params"] == {"Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERT}], "SslPolicy": POLICY}


def test_redirect_to_another_port_is_fixed():
    steps = plan([https(443, "green"), https(8080, "blue"), listener(80, actions=[redirect_action(8443)])])
    assert [(s["call"], s["port"]) for s in steps] == [("modify", 80)]


def test_no_test_listener_in_the_codedeploy_mode():
    steps = plan([listener(80, color="blue")], test_port=None)
    assert [(s["call"], s["port"]) for s in steps] == [("create", 443), ("modify", 80)]


def test_nothing_to_copy_the_live_color_from_is_refused():
    with pytest.raises(HttpsPlanError, match="no production listener on port 443.*80 \\(HTTP\\)"):
        plan([listener(80, actions=[redirect_action(443)]), listener(8080)])


def test_missing_test_listener_is_named():
    with pytest.raises(HttpsPlanError, match="no test listener on port 8080"):
        plan([listener(80)])


@pytest.mark.parametrize("ports, cert, message", [
    ((443, 443, 8080), CERT, "must all differ"),
    ((443, 80, 80), CERT, "must all differ"),
    ((443, 80, 8080), "my-cert", "certificate_arn must be the ARN .* got 'my-cert'"),
])
def test_bad_input(ports, cert, message):
    with pytest.raises(HttpsPlanError, match=message):
        plan_https([listener(80)], *ports, cert, POLICY)


def test_weighted_summary_is_readable():
    weighted = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": TG["blue"], "Weight": 90}, {"TargetGroupArn": TG["green"], "Weight": 10}]}}]
    assert summarize([listener(80, actions=weighted)])["80"]["default_actions"] == ["forward to web-blue (90), web-green (10)"]

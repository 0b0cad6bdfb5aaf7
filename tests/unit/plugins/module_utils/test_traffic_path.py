# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import traffic_path

BLUE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef"
GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/fedcba9876543210"


def listener(*arns):
    return {"DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": arn, "Weight": 100 if i == 0 else 0} for i, arn in enumerate(arns)]}}]}


def test_names_follow_the_application_and_explicit_names_win():
    params, problem = traffic_path.complete_traffic_path(dict(application="web", load_balancer_name=None,
                                                              target_groups=None))
    assert problem is None
    assert params["load_balancer_name"] == "web-alb"
    assert params["target_groups"] == {"blue": "web-blue", "green": "web-green"}
    given = dict(application="web", load_balancer_name="shop-lb", target_groups=None)
    params, _problem = traffic_path.complete_traffic_path(given)
    assert params["load_balancer_name"] == "shop-lb"


def test_the_application_defaults_to_the_load_balancer_name():
    params, problem = traffic_path.complete_traffic_path(dict(application=None, load_balancer_name="web-alb",
                                                              target_groups={"blue": "b", "green": "g"}))
    assert problem is None and params["application"] == "web"


def test_missing_names_are_named_before_any_call():
    _params, problem = traffic_path.complete_traffic_path(dict(application=None, load_balancer_name=None,
                                                               target_groups=None))
    assert problem == "load_balancer_name and target_groups required, or application to name them by convention"


@pytest.mark.parametrize("value, name", [(BLUE, "web-blue"), ("web-blue", "web-blue"), ("arn:aws:x", "arn:aws:x")])
def test_target_group_name_of_an_arn(value, name):
    assert traffic_path.target_group_name(value) == name


def test_both_colors_found_in_the_listeners_need_no_describe_call():
    found = traffic_path.arns_from_listeners([listener(BLUE), listener(GREEN)], {"blue": "web-blue", "green": "web-green"})
    assert found == {"blue": BLUE, "green": GREEN}
    found = traffic_path.arns_from_listeners([listener(BLUE, GREEN)], {"blue": BLUE, "green": "web-green"})
    assert found == {"blue": BLUE, "green": GREEN}


def test_a_color_missing_from_the_listeners_is_left_out():
    assert traffic_path.arns_from_listeners([listener(BLUE)], {"blue": "web-blue", "green": "web-green"}) == {
        "blue": BLUE}

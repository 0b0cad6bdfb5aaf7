# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the lookup of the Auto Scaling group that serves a color (no AWS)."""

from __future__ import annotations

import re

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import FleetLookupError
from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import auto_scaling_group_pattern
from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import current_auto_scaling_groups
from ansible_collections.bluegreen.aws.plugins.module_utils.fleet_lookup import is_codedeploy_copy


def group(name, created, tags=None, status=None):
    described = {"auto_scaling_group_name": name, "created_time": created,
                 "tags": [{"key": k, "value": v, "propagate_at_launch": True} for k, v in (tags or {}).items()]}
    if status:
        described["status"] = status
    return described


ORIGINAL = group("web-blue", "2026-01-01T10:00:00Z", {"App": "web", "Color": "blue"})
GREEN = group("web-green", "2026-01-01T10:00:00Z", {"App": "web", "Color": "green"})
COPY = group("CodeDeploy_web_d-A1B2C3D4E", "2026-01-02T10:00:00Z", {"App": "web", "Color": "blue"})


def test_listener_mode_finds_both_colors():
    assert current_auto_scaling_groups([GREEN, ORIGINAL], "web") == {"blue": "web-blue", "green": "web-green"}


def test_missing_color_is_none():
    assert current_auto_scaling_groups([ORIGINAL], "web") == {"blue": "web-blue", "green": None}


def test_copy_found_by_tag_wins_over_the_original_it_replaced():
    assert current_auto_scaling_groups([ORIGINAL, COPY], "web", ["blue"], "web") == {"blue": COPY["auto_scaling_group_name"]}


def test_copy_alone_after_the_original_was_deleted():
    assert current_auto_scaling_groups([COPY], "web", ["blue"]) == {"blue": COPY["auto_scaling_group_name"]}


def test_untagged_copy_found_by_name_with_one_color_only():
    untagged = group("CodeDeploy_web_d-ZZZ999", "2026-01-03T00:00:00Z")
    assert current_auto_scaling_groups([ORIGINAL, untagged], "web", "blue", "web") == {"blue": "CodeDeploy_web_d-ZZZ999"}
    # Two colors: an untagged copy cannot be placed.
    assert current_auto_scaling_groups([ORIGINAL, untagged], "web", ["blue", "green"], "web")["blue"] == "web-blue"


def test_groups_being_deleted_and_other_applications_are_ignored():
    deleting = group("CodeDeploy_web_d-OLD", "2026-01-05T00:00:00Z", {"App": "web", "Color": "blue"}, "Delete in progress")
    other = group("shop-blue", "2026-01-06T00:00:00Z", {"App": "shop", "Color": "blue"})
    other_copy = group("CodeDeploy_shop_d-ABC", "2026-01-06T00:00:00Z")
    assert current_auto_scaling_groups([ORIGINAL, deleting, other, other_copy], "web", ["blue"], "web") == {"blue": "web-blue"}


def test_boto3_shape():
    boto = {"AutoScalingGroupName": "CodeDeploy_web_d-B2", "CreatedTime": "2026-02-01T00:00:00Z",
            "Tags": [{"Key": "App", "Value": "web"}, {"Key": "Color", "Value": "blue"}]}
    assert current_auto_scaling_groups([ORIGINAL, boto], "web", ["blue"]) == {"blue": "CodeDeploy_web_d-B2"}


@pytest.mark.parametrize("name, group_name, expected", [
    ("CodeDeploy_web_d-A1B2C3D4E", "web", True),
    ("CodeDeploy_web_d-a1", "web", False),
    ("CodeDeploy_web-blue_d-A1", "web", False),
    ("CodeDeploy_web_d-A1", None, False),
])
def test_is_codedeploy_copy(name, group_name, expected):
    assert is_codedeploy_copy(name, group_name) is expected


@pytest.mark.parametrize("app, colors", [("", ["blue"]), ("web", []), ("web", ["red"])])
def test_bad_input_names_the_value(app, colors):
    with pytest.raises(FleetLookupError, match="got"):
        current_auto_scaling_groups([], app, colors)


@pytest.mark.parametrize("name, matches", [
    ("web-blue", True), ("web-green", True), ("CodeDeploy_web_d-A1B2C3D4E", True),
    ("web-red", False), ("webx-blue", False), ("CodeDeploy_shop_d-A1", False), ("CodeDeploy_web_d-A1-x", False),
])
def test_pattern(name, matches):
    assert (re.search(auto_scaling_group_pattern("web"), name) is not None) is matches


def test_pattern_escapes_and_takes_the_deployment_group():
    assert re.search(auto_scaling_group_pattern("a.b", "grp"), "CodeDeploy_grp_d-X1")
    assert not re.search(auto_scaling_group_pattern("a.b"), "aXb-blue")
    with pytest.raises(FleetLookupError):
        auto_scaling_group_pattern("")

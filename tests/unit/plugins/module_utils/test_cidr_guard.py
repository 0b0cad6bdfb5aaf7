# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The admin-CIDR guard compares addresses, not strings."""

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.filter.cidr_guard import FilterModule
from ansible_collections.bluegreen.aws.plugins.module_utils.cidr_guard import cidr_problems


@pytest.mark.parametrize("cidrs, bad", [
    (["0.0.0.0/0"], "'0.0.0.0/0'"),
    (["::/0"], "'::/0'"),
    (["::0/0"], "'::0/0'"),
    (["1.2.3.4/0"], "'1.2.3.4/0'"),
    (["0.0.0.0/1", "128.0.0.0/1"], "'0.0.0.0/1'"),
    (["10.0.0.0/7"], "'10.0.0.0/7'"),
    (["2001:db8::/31"], "'2001:db8::/31'"),
    (["192.0.2.0/24", "not-a-network/24"], "'not-a-network/24'"),
    (["192.0.2.7"], "'192.0.2.7' is not a CIDR"),
    (["300.1.2.3/24"], "'300.1.2.3/24'"),
])
def test_refused_and_named(cidrs, bad):
    problems = cidr_problems(cidrs)
    assert problems and any(bad in p for p in problems), problems


def test_both_halves_of_the_internet_are_each_refused():
    problems = cidr_problems(["0.0.0.0/1", "128.0.0.0/1"])
    assert len(problems) == 2
    assert "the prefix must be /8 or longer for IPv4" in problems[0]


def test_whole_internet_says_so():
    assert cidr_problems(["::0/0"]) == ["'::0/0' is the whole IPv6 internet (::/0)"]


@pytest.mark.parametrize("cidrs", [
    [],
    ["10.0.0.0/8"],
    ["192.0.2.0/24", "198.51.100.7/32"],
    ["203.0.113.7/24"],  # host bits set: AWS keeps the network
    ["2001:db8::/32", "2001:db8:1::/48"],
    [" 192.0.2.0/24 "],
])
def test_accepted(cidrs):
    assert cidr_problems(cidrs) == []


def test_limits_are_configurable():
    assert cidr_problems(["10.0.0.0/8"], min_prefix_v4=16)
    assert cidr_problems(["10.0.0.0/4"], min_prefix_v4=4) == []
    assert cidr_problems(["2001:db8::/32"], min_prefix_v6=48)


def test_not_a_list():
    assert cidr_problems("10.0.0.0/8") == ["expected a list of CIDRs, got '10.0.0.0/8'"]


def test_filter_is_registered():
    assert FilterModule().filters()["cidr_problems"] is cidr_problems

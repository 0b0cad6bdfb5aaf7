# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cidr_problems
author: bluegreen.aws maintainers (@bluegreen-aws)
version_added: 0.1.0
short_description: Why a list of administrators' CIDRs is too wide
description:
  - Parses each entry as an IPv4 or IPv6 network (Python's C(ipaddress), no netaddr needed) and returns one
    message per refused entry; an empty list means the whole list is acceptable.
  - Refused - anything that is not a network, the whole internet (a /0 in any spelling, such as V(1.2.3.4/0)
    or V(::0/0)), and any network wider than the limit (prefix shorter than O(min_prefix_v4) or
    O(min_prefix_v6)), so V(0.0.0.0/1) plus V(128.0.0.0/1) is refused too.
options:
  _input:
    description: The CIDRs.
    type: list
    elements: str
    required: true
  min_prefix_v4:
    description: Shortest IPv4 prefix accepted.
    type: int
    default: 8
  min_prefix_v6:
    description: Shortest IPv6 prefix accepted.
    type: int
    default: 32
"""

EXAMPLES = r"""
- name: Refuse admin CIDRs that reach (a large part of) the internet
  ansible.builtin.assert:
    that: bluegreen_admin_cidrs | bluegreen.aws.cidr_problems | length == 0
    fail_msg: "{{ bluegreen_admin_cidrs | bluegreen.aws.cidr_problems | join('; ') }}"
"""

RETURN = r"""
_value:
  description: One message per refused entry, naming it; empty when every entry is acceptable.
  type: list
  elements: str
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.cidr_guard import cidr_problems


class FilterModule:
    def filters(self):
        return {"cidr_problems": cidr_problems}

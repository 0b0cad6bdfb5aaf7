# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How wide may an administrators' network be? (pure functions, no AWS)

The test listener and WinRM are open to a list of CIDRs only. A list that
reaches the whole internet, or a large share of it, is refused, whatever
its spelling: ``0.0.0.0/0``, ``0.0.0.0/1`` + ``128.0.0.0/1``, ``1.2.3.4/0``,
``::0/0``. The rule compares addresses, not strings:

* every entry must parse as an IPv4 or IPv6 network (host bits may be set,
  e.g. ``203.0.113.7/24``; AWS keeps the network);
* no entry may be wider than the limit: prefix length at least
  ``DEFAULT_MIN_PREFIX[4]`` (/8) for IPv4, ``DEFAULT_MIN_PREFIX[6]`` (/32) for
  IPv6. Together the entries therefore never cover the internet.
"""

from __future__ import annotations

import ipaddress

# Shortest prefix accepted per IP version: an IPv4 /8 is 16.7 million
# addresses (a very large organisation), an IPv6 /32 a whole ISP allocation.
DEFAULT_MIN_PREFIX = {4: 8, 6: 32}


def cidr_problems(cidrs, min_prefix_v4=DEFAULT_MIN_PREFIX[4], min_prefix_v6=DEFAULT_MIN_PREFIX[6]):
    """One readable message per refused entry of ``cidrs``; an empty list when all are acceptable."""
    if isinstance(cidrs, str) or not isinstance(cidrs, (list, tuple)):
        return [f"expected a list of CIDRs, got {cidrs!r}"]
    limits = {4: int(min_prefix_v4), 6: int(min_prefix_v6)}
    problems = []
    for cidr in cidrs:
        text = str(cidr).strip()
        if "/" not in text:
            problems.append(f"{text!r} is not a CIDR (write a prefix length, e.g. {text}/32)")
            continue
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError as e:
            problems.append(f"{text!r} is not an IPv4 or IPv6 network ({e})")
            continue
        limit = limits[network.version]
        if network.prefixlen == 0:
            problems.append(f"{text!r} is the whole IPv{network.version} internet ({network})")
        elif network.prefixlen < limit:
            problems.append(
                f"{text!r} ({network}, {network.num_addresses} addresses) is wider than the limit: "
                f"the prefix must be /{limit} or longer for IPv{network.version}"
            )
    return problems

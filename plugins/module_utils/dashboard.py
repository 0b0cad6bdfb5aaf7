# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch dashboard bodies: pure functions (no AWS).

A dashboard body is a JSON document; CloudWatch stores the string it is
given. Two bodies are the same dashboard when they parse to the same data,
whatever their key order or spacing.
"""

from __future__ import annotations

import json
import re

# CloudWatch: up to 255 characters, letters, digits, "-" and "_".
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class DashboardError(ValueError):
    """A name or body CloudWatch would refuse."""


def validate(name, body, state):
    if not _NAME.match(name or ""):
        raise DashboardError(f"name must be 1 to 255 letters, digits, '-' or '_', got {name!r}")
    if state == "present":
        if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
            raise DashboardError(f"body must be a dict with a list of widgets, got {type(body).__name__}"
                                 + ("" if not isinstance(body, dict) else f" with keys {sorted(body)}"))
        for number, widget in enumerate(body["widgets"], 1):
            if not isinstance(widget, dict) or "type" not in widget:
                raise DashboardError(f"widget {number} must be a dict with a type, got {widget!r}")


def serialize(body):
    """The string sent to CloudWatch: compact, keys sorted, so the same body is always the same string."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def parse(text):
    """The stored body as data; a body that is not JSON is kept as the string (and so differs)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def same(current, desired):
    """Whether the stored body (parsed) is the desired one. Numbers compare by value (1 == 1.0)."""
    return current == json.loads(serialize(desired))

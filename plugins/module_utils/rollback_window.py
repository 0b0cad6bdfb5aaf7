# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When may the old color be touched? Pure functions over the lock history (no AWS).

Traffic leaves a color when a switch, rollback or drill releases the
application's lock (``lock.py``): every version of the lock object is one
step of the history. After that moment the color's target group still drains
in-flight requests for its deregistration delay, and the release stays easy
to undo (the old color still runs) for the rollback window. Only after both
may anything scale the old color down or deploy over it.
"""

from __future__ import annotations

from datetime import timedelta

from ansible_collections.bluegreen.aws.plugins.module_utils.lock import HELD
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import RELEASED
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import held_message
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import iso
from ansible_collections.bluegreen.aws.plugins.module_utils.lock import parse_iso


class WindowError(ValueError):
    """Bad input, or another run is moving traffic right now."""


def validate(window):
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise WindowError(f"window must be a number of seconds, 0 or more, got {window!r}")


def operations(documents):
    """One entry per run, newest first, from lock versions (newest first): take and release paired by token."""
    by_token, order = {}, []
    for document in documents:
        token = document.get("token")
        if not token:
            continue
        if token not in by_token:
            by_token[token] = dict(document, state=HELD, released_at=None, outcome=None, moved_traffic=True)
            order.append(token)
        if document.get("state") == RELEASED:
            by_token[token].update(state=RELEASED, released_at=document.get("released_at"),
                                   outcome=document.get("outcome"),
                                   moved_traffic=document.get("moved_traffic", True) is not False)
    return [by_token[token] for token in order]


def last_traffic_change(documents, now, own_token=None):
    """``(moment, operation)`` of the newest run that may have moved production traffic, or ``(None, None)``.

    A released run counts at its release, unless it recorded ``moved_traffic:
    false``. A run that never released its lock (killed) counts at its lock's
    expiry: it may have moved traffic at any time until then. A run that holds
    the lock now, other than ``own_token``, is moving traffic: WindowError.
    """
    for operation in operations(documents):
        if own_token is not None and operation["token"] == own_token:
            continue
        if operation["state"] == RELEASED:
            if operation["moved_traffic"]:
                return parse_iso(operation["released_at"]), operation
            continue
        expires = parse_iso(operation["expires_at"])
        if expires > now:
            raise WindowError(f"another operation is in progress: {held_message(operation)}")
        return expires, operation
    return None, None


def opening(moved_at, deregistration_delay, window, now):
    """``(opens_at, wait_seconds)``: when the old color may be touched, and how long that is from ``now``."""
    if moved_at is None:
        return None, 0
    opens_at = moved_at + timedelta(seconds=deregistration_delay + window)
    return opens_at, max(0, int((opens_at - now).total_seconds() + 0.999))


def describe_operation(operation):
    if not operation:
        return "no recorded switch"
    how = operation["outcome"] or "never released"
    return f"'{operation.get('operation')}' by {operation.get('holder')}, {how}"


def refusal(application, color, moved_at, operation, deregistration_delay, window, opens_at, wait):
    """Why the old color must not be touched yet, and how long to wait."""
    return (
        f"Refusing to touch {color} of {application} yet: production traffic last moved at {iso(moved_at)} "
        f"({describe_operation(operation)}); {color}'s target group drains for {deregistration_delay} s "
        f"(deregistration delay) and the rollback window is {window} s. Wait {wait} s more (until {iso(opens_at)})."
    )

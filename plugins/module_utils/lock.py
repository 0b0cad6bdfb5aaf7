# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock, as plain data (no AWS).

One JSON document per application, ``locks/{application}.json`` in the
application's versioned artifact bucket. Taking and releasing it are S3
conditional writes (``If-None-Match: *`` / ``If-Match: <etag>``), so exactly
one of several concurrent runs wins; every version of the object is one step
of the application's history (held by whom, for what, released how).
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

HELD = "held"
RELEASED = "released"
FREE, EXPIRED, TAKEN = "free", "expired", "held"
OUTCOMES = ("succeeded", "failed", "rolled_back", "aborted")
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment):
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def parse_iso(text):
    return datetime.strptime(text, _FORMAT).replace(tzinfo=timezone.utc)


def lock_key(prefix, application):
    return f"{prefix}{application}.json"


def new_lock(application, holder, operation, ttl, now, token):
    """The document a run writes to take the lock."""
    return dict(
        state=HELD, application=application, holder=holder, operation=operation, token=token,
        acquired_at=iso(now), expires_at=iso(now + timedelta(seconds=ttl)),
    )


def released_lock(document, outcome, now):
    return dict(document, state=RELEASED, released_at=iso(now), outcome=outcome)


def verdict(document, now):
    """FREE (no lock, or released), EXPIRED (held past its expiry) or TAKEN."""
    if not document or document.get("state") != HELD:
        return FREE
    if parse_iso(document["expires_at"]) <= now:
        return EXPIRED
    return TAKEN


def held_message(document):
    return (
        f"{document.get('application')} is locked by {document.get('holder')} since {document.get('acquired_at')} "
        f"for '{document.get('operation')}' (expires {document.get('expires_at')})"
    )


def validate(ttl):
    if not isinstance(ttl, int) or ttl <= 0:
        raise ValueError(f"ttl must be a number of seconds above 0, got {ttl!r}")


def history(documents, limit):
    """One entry per operation, newest first, from the lock's versions (newest first).

    A run writes its lock once when taking it and once when releasing it; both
    carry its token. An operation whose release is missing was interrupted (or
    still holds the lock).
    """
    by_token, order = {}, []
    for document in documents:
        token = document.get("token")
        if not token:
            continue
        if token not in by_token:
            by_token[token] = dict(
                operation=document.get("operation"), holder=document.get("holder"),
                acquired_at=document.get("acquired_at"), released_at=None, outcome=None,
            )
            order.append(token)
        if document.get("state") == RELEASED:
            by_token[token].update(released_at=document.get("released_at"), outcome=document.get("outcome"))
    return [by_token[token] for token in order][:limit]

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock, as plain data (no AWS).

One JSON document per application, ``locks/{application}.json`` in the
application's versioned artifact bucket. Taking and releasing it are S3
conditional writes (``If-None-Match: *`` / ``If-Match: <etag>``), so exactly
one of several concurrent runs wins; every version of the object is one step
of the application's history (held by whom, for what, released how).

Document::

    {"state": "held" | "released", "application", "holder", "operation",
     "token", "acquired_at", "expires_at"[, "released_at", "outcome"[, "moved_traffic": false]]}

Times are ISO-8601 UTC with a ``Z`` (``2026-11-22T22:40:00Z``).
"""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from datetime import timezone

HELD = "held"
RELEASED = "released"
# What taking the lock finds.
FREE, EXPIRED, TAKEN = "free", "expired", "held"
# What releasing it finds.
RELEASE, NOT_OURS, ALREADY_RELEASED, MISSING = "release", "not_ours", "already_released", "missing"
OUTCOMES = ("succeeded", "failed", "rolled_back", "aborted")
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_REQUIRED = ("state", "holder", "operation", "token", "acquired_at", "expires_at")


def iso(moment):
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def parse_iso(text):
    return datetime.strptime(text, _FORMAT).replace(tzinfo=timezone.utc)


def lock_key(prefix, application):
    return f"{prefix}{application}.json"


def parse_document(body):
    """The lock document in an S3 object's body; ValueError naming what is wrong."""
    try:
        document = json.loads(body)
    except ValueError as e:
        raise ValueError(f"not JSON ({e})") from None
    if not isinstance(document, dict):
        raise ValueError(f"not a JSON object but {type(document).__name__}")
    missing = [field for field in _REQUIRED if not document.get(field)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if document["state"] not in (HELD, RELEASED):
        raise ValueError(f"state must be {HELD} or {RELEASED}, got {document['state']!r}")
    try:
        parse_iso(document["expires_at"])
    except (TypeError, ValueError):
        raise ValueError(f"expires_at must look like 2026-11-22T23:10:00Z, got {document['expires_at']!r}") from None
    return document


def serialize(document):
    return json.dumps(document, sort_keys=True, indent=1).encode()


def new_lock(application, holder, operation, ttl, now, token):
    """The document a run writes to take the lock."""
    return dict(
        state=HELD, application=application, holder=holder, operation=operation, token=token,
        acquired_at=iso(now), expires_at=iso(now + timedelta(seconds=ttl)),
    )


def released_lock(document, outcome, now, moved_traffic=True):
    """The document a run writes to release the lock.

    ``moved_traffic=False`` records that the operation did not change production
    traffic (finalize), so it does not restart the rollback window.
    """
    released = dict(document, state=RELEASED, released_at=iso(now), outcome=outcome)
    if not moved_traffic:
        released["moved_traffic"] = False
    return released


def public(document):
    """A lock as shown to others: without the token that releases it."""
    if not document:
        return None
    return {k: v for k, v in document.items() if k != "token"}


def verdict(document, now):
    """What taking the lock finds: FREE (no lock, or released), EXPIRED (held past its expiry) or TAKEN."""
    if not document or document.get("state") != HELD:
        return FREE
    if parse_iso(document["expires_at"]) <= now:
        return EXPIRED
    return TAKEN


def release_verdict(document, token):
    """What releasing the lock with ``token`` finds: RELEASE, NOT_OURS, ALREADY_RELEASED or MISSING."""
    if not document:
        return MISSING
    if document.get("token") != token:
        return NOT_OURS
    if document.get("state") != HELD:
        return ALREADY_RELEASED
    return RELEASE


def is_expired(document, now):
    return verdict(document, now) == EXPIRED


def held_message(document):
    return (
        f"{document.get('application')} is locked by {document.get('holder')} since {document.get('acquired_at')} "
        f"for '{document.get('operation')}' (expires {document.get('expires_at')})"
    )


def lost_race_message(application, winner):
    """A run whose conditional write lost: name the winner when it can still be read."""
    if winner and winner.get("state") == HELD:
        return held_message(winner) + " (taken while this run was trying)"
    return f"{application}: the lock changed while this run was taking it; try again"


def taken_over_message(previous):
    return f"Took over an expired lock: {held_message(previous)}"


def not_released_message(application, document, found):
    """Why a release changed nothing (warning)."""
    if found == MISSING:
        return f"Not releasing the lock of {application}: there is no lock object"
    if found == ALREADY_RELEASED:
        return (f"Not releasing the lock of {application}: already released at {document.get('released_at')} "
                f"({document.get('outcome')})")
    if document.get("state") == HELD:
        return f"Not releasing the lock of {application}: it is no longer ours. {held_message(document)}"
    return (f"Not releasing the lock of {application}: it is no longer ours; {document.get('holder')} took it "
            f"since and released it at {document.get('released_at')}")


def validate(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise ValueError(f"ttl must be a number of seconds above 0, got {ttl!r}")


def validate_history(limit):
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"history must be a number of operations, 0 or more, got {limit!r}")


def history(documents, limit):
    """One entry per operation, newest first, from the lock's versions (newest first).

    A run writes its lock once when taking it and once when releasing it; both
    carry its token. An operation whose release is missing was interrupted
    (its lock expired and was taken over) or still holds the lock.
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

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock, a short lease, as plain data (no AWS).

One JSON document per application, ``locks/{application}.json`` in the
application's versioned artifact bucket. Taking, renewing and releasing it are
S3 conditional writes (``If-None-Match: *`` / ``If-Match: <etag>``), so exactly
one of several concurrent runs wins and a run whose lease was taken from it
cannot write again; every version of the object is one step of the
application's history (held by whom, for what, released how).

The lease is short (``DEFAULT_TTL``): the holder renews it at every step and
every poll, so the lease of a killed run is free again within its ttl.

Document::

    {"state": "held" | "released", "application", "holder", "operation", "token",
     "acquired_at", "renewed_at", "expires_at", "ttl"
     [, "preempted": {"token", "holder", "operation", "acquired_at"}]   # a takeover (abort)
     [, "released_at", "outcome"[, "moved_traffic": false]]             # a release
     [, "by", "reason"]}                                                # a force unlock

A takeover writes the taker's lease with ``preempted`` naming the run it
removed; that run shows as ``aborted`` (by the taker) in the history. A force
unlock writes the removed holder's document released with outcome
``force_unlocked``, ``by`` and ``reason``. Documents written before leases
(no ``renewed_at``, no ``ttl``) are read as they are.

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
ABORTED, FORCE_UNLOCKED = "aborted", "force_unlocked"
DEFAULT_TTL = 60
# The lease fields passed between tasks (the ``lease`` option of the modules).
LEASE_FIELDS = ("bucket", "key", "application", "token", "etag", "holder", "operation", "ttl", "acquired_at",
                "expires_at")
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_REQUIRED = ("state", "holder", "operation", "token", "acquired_at", "expires_at")


def iso(moment):
    return moment.astimezone(timezone.utc).strftime(_FORMAT)


def expiry(now, ttl):
    """``now + ttl`` as written in a lock, rounded up to the second: a lease never lasts less than its ttl."""
    moment = now + timedelta(seconds=ttl)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return iso(moment)


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


def new_lock(application, holder, operation, ttl, now, token, preempted=None):
    """The document a run writes to take the lock; ``preempted``: the held lock a takeover removes."""
    document = dict(
        state=HELD, application=application, holder=holder, operation=operation, token=token,
        acquired_at=iso(now), renewed_at=iso(now), expires_at=expiry(now, ttl), ttl=ttl,
    )
    if preempted:
        document["preempted"] = {k: preempted.get(k) for k in ("token", "holder", "operation", "acquired_at")}
    return document


def renewed_lock(lease, now):
    """The document a holder writes to renew its lease: the same lease, expiring ``ttl`` seconds from ``now``."""
    return dict(
        state=HELD, application=lease["application"], holder=lease["holder"], operation=lease["operation"],
        token=lease["token"], acquired_at=lease["acquired_at"], renewed_at=iso(now),
        expires_at=expiry(now, lease["ttl"]), ttl=lease["ttl"],
    )


def lease_of(document, bucket, key, etag):
    """The lease (a plain dict handed from task to task) of a held ``document`` written with ``etag``."""
    ttl = document.get("ttl") or int((parse_iso(document["expires_at"]) - parse_iso(document["acquired_at"])).total_seconds())
    return dict(
        bucket=bucket, key=key, application=document.get("application"), token=document["token"], etag=etag,
        holder=document["holder"], operation=document["operation"], ttl=ttl,
        acquired_at=document["acquired_at"], expires_at=document["expires_at"],
    )


def lease_document(lease):
    """The held document a lease stands for (what its holder wrote last)."""
    return dict(
        state=HELD, application=lease["application"], holder=lease["holder"], operation=lease["operation"],
        token=lease["token"], acquired_at=lease["acquired_at"], expires_at=lease["expires_at"], ttl=lease["ttl"],
    )


def validate_lease(lease):
    """ValueError naming what is wrong with a ``lease`` given back by a caller."""
    if not isinstance(lease, dict):
        raise ValueError(f"lease must be the dict returned when the lock was taken, got {type(lease).__name__}")
    missing = [field for field in LEASE_FIELDS if lease.get(field) in (None, "")]
    if missing:
        raise ValueError(f"lease is missing {', '.join(missing)}; pass the lease returned by deployment_lock")
    try:
        validate(lease["ttl"])
    except ValueError as e:
        raise ValueError(f"lease.{e}") from None
    for field in ("acquired_at", "expires_at"):
        try:
            parse_iso(lease[field])
        except (TypeError, ValueError):
            raise ValueError(f"lease.{field} must look like 2026-11-22T23:10:00Z, got {lease[field]!r}") from None


def renew_due(lease, now, fraction=3):
    """Whether a holder that renews at every poll should write now: once a ``1/fraction`` of the ttl has passed.

    Renewing at most every ttl/3 seconds keeps a poll loop from writing a
    version per poll while the lease can never lapse between two polls that
    are shorter than ttl/3 apart.
    """
    renewed = parse_iso(lease["expires_at"]) - timedelta(seconds=lease["ttl"])
    return (now - renewed).total_seconds() >= lease["ttl"] / fraction


def force_unlocked_lock(document, by, reason, now):
    """The document a force unlock writes: the removed holder's lock, released as ``force_unlocked``."""
    released = dict(document, state=RELEASED, released_at=iso(now), outcome=FORCE_UNLOCKED, by=by)
    if reason:
        released["reason"] = reason
    return released


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


def lost_lease_message(application, token, current):
    """A holder whose conditional write found the lock changed: who has it now."""
    lead = f"The lease of {application} was lost; this run must stop without writing"
    if not current:
        return f"{lead}: the lock object is gone"
    if current.get("outcome") == FORCE_UNLOCKED and current.get("token") == token:
        why = f" ({current['reason']})" if current.get("reason") else ""
        return f"{lead}: it was force-unlocked by {current.get('by')} at {current.get('released_at')}{why}"
    if current.get("state") == HELD:
        preempted = (current.get("preempted") or {}).get("token") == token
        how = "taken over (this run's operation is recorded as aborted)" if preempted else "taken"
        return f"{lead}: it was {how} by {current.get('holder')}. {held_message(current)}"
    if current.get("token") == token:
        return f"{lead}: it was already released at {current.get('released_at')} ({current.get('outcome')})"
    return (f"{lead}: {current.get('holder')} took it since and released it at {current.get('released_at')} "
            f"({current.get('outcome')})")


def preempted_message(previous):
    return (f"Took over the lease of a running operation, recorded as aborted: {held_message(previous)}")


def not_held_message(application, document):
    """Why a force unlock changed nothing (warning)."""
    if not document:
        return f"Nothing to unlock: {application} has no lock object"
    return (f"Nothing to unlock: the lock of {application} is free (released at {document.get('released_at')}, "
            f"{document.get('outcome')})")


def force_unlocked_message(application, removed):
    return f"Force-unlocked {application}, removing its holder: {held_message(removed)}"


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

    A run writes its lock when taking it, at each renewal and when releasing
    it; all carry its token, and the newest one says how it ended. A run
    removed by a takeover shows as ``aborted`` with ``by`` (the taker, named in
    the taker's ``preempted``); a force unlock as ``force_unlocked`` with
    ``by`` and ``reason``. A run with neither a release nor a takeover was
    interrupted (its lease expired and was taken) or still holds the lock.
    """
    by_token, order, aborted_by = {}, [], {}
    for document in documents:
        token = document.get("token")
        if not token:
            continue
        preempted = document.get("preempted") or {}
        if preempted.get("token") and preempted["token"] not in aborted_by:
            aborted_by[preempted["token"]] = document
        if token not in by_token:
            entry = dict(
                operation=document.get("operation"), holder=document.get("holder"),
                acquired_at=document.get("acquired_at"), released_at=None, outcome=None,
            )
            taker = aborted_by.get(token)
            if taker is not None and document.get("state") == HELD:
                entry.update(released_at=taker.get("acquired_at"), outcome=ABORTED, by=taker.get("holder"))
            by_token[token] = entry
            order.append(token)
        if document.get("state") == RELEASED and by_token[token]["outcome"] in (None, ABORTED):
            by_token[token].update(released_at=document.get("released_at"), outcome=document.get("outcome"))
            by_token[token].pop("by", None)
            if document.get("by"):
                by_token[token]["by"] = document["by"]
            if document.get("reason"):
                by_token[token]["reason"] = document["reason"]
    return [by_token[token] for token in order][:limit]


def operations_in(documents):
    """How many operations (distinct tokens) ``documents`` hold."""
    return len({document.get("token") for document in documents if document.get("token")})

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock as a lease (S3 conditional writes), for every module that holds it.

``acquire`` takes it (or, with ``takeover``, preempts its holder: an abort),
``renew`` pushes its expiry at every step and poll, ``release`` gives it
back, ``force_unlock`` removes whoever holds it. Every write is conditional on
the ETag the caller holds, so a holder whose lease was taken gets
``LeaseLost`` and writes nothing more. The decisions and documents are in
``lock.py``; the S3 calls in ``s3_lock_calls.py``.

The Lease is a plain dict, handed from task to task as the ``lease`` option::

    {bucket, key, application, token, etag, holder, operation, ttl, acquired_at, expires_at}
"""

from __future__ import annotations

import getpass
import os
import socket

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import get_lock
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import put_lock

# A takeover or a force unlock that finds the lock changed under it (its holder
# renewed in between) reads it again and retries, this many times in all.
ATTEMPTS = 3


class LockHeld(Exception):
    """Someone else holds the lock; ``lock`` is their lock (without its token)."""

    def __init__(self, message, lock):
        super().__init__(message)
        self.lock = locks.public(lock)


class LeaseLost(Exception):
    """A conditional write with the lease's ETag found the lock changed; ``lock``: who has it now (no token), or None."""

    def __init__(self, message, lock):
        super().__init__(message)
        self.lock = locks.public(lock)


def default_holder():
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = os.environ.get("USER") or "unknown"
    return f"{user}@{socket.gethostname()}"


def lease_argument_spec():
    """The spec of the ``lease`` option of any module: ``argument_spec["lease"] = lease_argument_spec()``."""
    text = dict(type="str", required=True)
    return dict(
        type="dict",
        no_log=False,
        options=dict(
            bucket=text, key=dict(text, no_log=False), application=text, token=dict(text, no_log=False),
            etag=text, holder=text, operation=text, ttl=dict(type="int", required=True),
            acquired_at=text, expires_at=text,
        ),
    )


def read(client, bucket, key):
    """One GET: ``(document, etag)`` of the lock, ``(None, None)`` when there is no lock object."""
    return get_lock(client, bucket, key)


def acquire(client, bucket, key, application, holder, operation, ttl, now, token,
            found=None, takeover=False, check_mode=False):
    """Take the lease: one conditional PUT when ``found`` (``(document, etag)`` from ``read``) is given, else a read first.

    A lease held by another run and not expired raises LockHeld, unless
    ``takeover``: then its holder is preempted (recorded in the new document,
    so the history shows its operation ``aborted``). An expired lease is taken
    over with a warning. Losing the race to a concurrent run raises LockHeld
    (also to a concurrent takeover: of two aborts one wins); a takeover that
    finds the lease renewed by its holder in between reads again and retries.

    Returns ``dict(changed, lease, lock, etag, previous, taken_over, preempted, warnings)``;
    ``lock`` is the document written (with its token), ``lease`` is None in check mode.
    """
    locks.validate(ttl)
    for attempt in range(1, ATTEMPTS + 1):
        previous, etag = found if found is not None else read(client, bucket, key)
        found = None
        verdict = locks.verdict(previous, now)
        if verdict == locks.TAKEN and not takeover:
            raise LockHeld(locks.held_message(previous), previous)
        preempted = previous if takeover and verdict in (locks.TAKEN, locks.EXPIRED) else None
        document = locks.new_lock(application, holder, operation, ttl, now, token, preempted)
        result = dict(
            changed=True, lock=document, etag=None, lease=None, previous=locks.public(previous),
            taken_over=verdict != locks.FREE, preempted=locks.public(preempted),
            warnings=_take_warnings(verdict, previous, preempted),
        )
        if check_mode:
            return result
        new_etag = put_lock(client, bucket, key, document, etag)
        if new_etag is None:
            winner, winner_etag = read(client, bucket, key)
            # Our own write can come back as a lost race when a retried request
            # finds the first attempt already done: the token tells.
            if winner and winner.get("token") == token and winner.get("state") == locks.HELD:
                new_etag = winner_etag
            elif takeover and attempt < ATTEMPTS and _renewed_by_its_holder(previous, winner):
                found = (winner, winner_etag)
                continue
            else:
                raise LockHeld(locks.lost_race_message(application, winner), winner)
        return dict(result, etag=new_etag, lease=locks.lease_of(document, bucket, key, new_etag))
    raise AssertionError("unreachable")  # pragma: no cover


def _renewed_by_its_holder(previous, winner):
    """Whether the lock a takeover found changed only because its holder renewed (or released) it since."""
    return bool(previous and winner and winner.get("token") == previous.get("token"))


def _take_warnings(verdict, previous, preempted):
    if preempted is not None and verdict == locks.TAKEN:
        return [locks.preempted_message(previous)]
    if verdict != locks.FREE:
        return [locks.taken_over_message(previous)]
    return []


def renew(client, bucket, key, lease, now, check_mode=False):
    """One conditional PUT (If-Match the lease's ETag) pushing ``expires_at`` to ``now + ttl``; returns the new lease.

    Raises LeaseLost (after one GET naming who has the lock now) when the lock
    changed since the lease's write. In check mode: one GET, no write; the
    lease returned is the predicted one, with the old ETag.
    """
    document = locks.renewed_lock(lease, now)
    if check_mode:
        current, etag = read(client, bucket, key)
        if etag != lease["etag"]:
            raise LeaseLost(locks.lost_lease_message(lease["application"], lease["token"], current), current)
        return locks.lease_of(document, bucket, key, lease["etag"])
    new_etag = put_lock(client, bucket, key, document, lease["etag"])
    if new_etag is None:
        current, etag = read(client, bucket, key)
        if current != document:  # else: our own write, retried after a lost response
            raise LeaseLost(locks.lost_lease_message(lease["application"], lease["token"], current), current)
        new_etag = etag
    return locks.lease_of(document, bucket, key, new_etag)


def release(client, bucket, key, lease, outcome, now, moved_traffic=True, check_mode=False):
    """Give the lease back: one conditional PUT of the released document.

    When the lease was lost (taken over, force-unlocked): no write, ``changed``
    False and a warning naming who has the lock now (one GET). In check mode:
    one GET, no write, the predicted result.
    Returns ``dict(changed, lock, previous, warnings)``.
    """
    if outcome not in locks.OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(locks.OUTCOMES)}, got {outcome!r}")
    held = locks.lease_document(lease)
    document = locks.released_lock(held, outcome, now, moved_traffic)
    if check_mode:
        current, etag = read(client, bucket, key)
        if etag == lease["etag"]:
            return dict(changed=True, lock=document, previous=locks.public(current), warnings=[])
    elif put_lock(client, bucket, key, document, lease["etag"]) is not None:
        return dict(changed=True, lock=document, previous=locks.public(held), warnings=[])
    else:
        current, _etag = read(client, bucket, key)
        if current == document:  # our own write, retried after a lost response
            return dict(changed=True, lock=document, previous=locks.public(held), warnings=[])
    message = locks.lost_lease_message(lease["application"], lease["token"], current)
    return dict(changed=False, lock=locks.public(current), previous=locks.public(current), warnings=[
        f"Not releasing the lock of {lease['application']}: it is no longer ours. {message}"])


def force_unlock(client, bucket, key, application, by, reason, now, check_mode=False):
    """Remove whoever holds the lock, recording ``force_unlocked`` by ``by`` for ``reason`` in the history.

    One read and one write conditional on the ETag read; a holder renewing in
    between makes it read again (up to ATTEMPTS). A free lock changes nothing.
    Returns ``dict(changed, removed, lock, previous, warnings)``; ``removed`` is the
    removed holder's lock (no token), or None.
    """
    for _attempt in range(ATTEMPTS):
        current, etag = read(client, bucket, key)
        if not current or current.get("state") != locks.HELD:
            return dict(changed=False, removed=None, lock=locks.public(current), previous=locks.public(current),
                        warnings=[locks.not_held_message(application, current)])
        document = locks.force_unlocked_lock(current, by, reason, now)
        result = dict(changed=True, removed=locks.public(current), lock=locks.public(document),
                      previous=locks.public(current), warnings=[locks.force_unlocked_message(application, current)])
        if check_mode or put_lock(client, bucket, key, document, etag) is not None:
            return result
    raise AnsibleBlueGreenAWSError(
        message=f"Failed to force-unlock s3://{bucket}/{key}: the lock changed at each of {ATTEMPTS} attempts; try again")


def release_by_token(client, bucket, key, application, token, outcome, now, check_mode=False, moved_traffic=True,
                     taken=None, taken_etag=None):
    """Release the lock taken with ``token`` (the form before leases, kept for existing callers).

    Given the lock as taken (``taken``) and the ETag of that write
    (``taken_etag``), one conditional write; otherwise (or when that write
    finds the lock changed) one read, and one conditional write when it is
    still ours. Never releases a lock that is not ours: that, a lock already
    released and a missing lock change nothing and warn.
    """
    if taken and taken_etag and taken.get("token") == token and taken.get("state") == locks.HELD and not check_mode:
        document = locks.released_lock(taken, outcome, now, moved_traffic)
        if put_lock(client, bucket, key, document, taken_etag) is not None:
            return dict(changed=True, lock=document, previous=locks.public(taken), taken_over=False, warnings=[])
    previous, etag = read(client, bucket, key)
    found = locks.release_verdict(previous, token)
    unchanged = dict(changed=False, lock=locks.public(previous), previous=locks.public(previous), taken_over=False)
    if found != locks.RELEASE:
        return dict(unchanged, warnings=[locks.not_released_message(application, previous, found)])
    document = locks.released_lock(previous, outcome, now, moved_traffic)
    if not check_mode and put_lock(client, bucket, key, document, etag) is None:
        current, _etag = read(client, bucket, key)
        found = locks.release_verdict(current, token)
        if found != locks.ALREADY_RELEASED:  # else: our own write, retried after a lost response
            return dict(unchanged, lock=locks.public(current), warnings=[
                "The lock changed while it was being released and was left as it is. "
                + locks.not_released_message(application, current, found)])
    return dict(changed=True, lock=document, previous=locks.public(previous), taken_over=False, warnings=[])

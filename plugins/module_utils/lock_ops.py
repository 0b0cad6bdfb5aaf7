# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Taking and releasing the deployment lock (S3 conditional writes), for every module that holds it.

``deployment_lock`` takes and releases it as tasks of their own;
``listener_switch`` takes it itself, right before its first write, so that a
switch with nothing to do neither reads nor writes the lock.
"""

from __future__ import annotations

import getpass
import os
import socket

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import get_lock
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import put_lock


class LockHeld(Exception):
    """Someone else holds the lock; ``lock`` is their lock (without its token)."""

    def __init__(self, message, lock):
        super().__init__(message)
        self.lock = locks.public(lock)


def default_holder():
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = os.environ.get("USER") or "unknown"
    return f"{user}@{socket.gethostname()}"


def acquire(client, bucket, key, application, holder, operation, ttl, now, token, check_mode=False):
    """Take the lock: one read, and one conditional write unless in check mode.

    Returns ``dict(changed, lock, previous, taken_over, warnings)``; raises
    LockHeld when another run holds it or wins the race for it.
    """
    previous, etag = get_lock(client, bucket, key)
    found = locks.verdict(previous, now)
    if found == locks.TAKEN:
        raise LockHeld(locks.held_message(previous), previous)
    document = locks.new_lock(application, holder, operation, ttl, now, token)
    new_etag = None
    if not check_mode:
        new_etag = put_lock(client, bucket, key, document, etag)
        if new_etag is None:
            winner, new_etag = get_lock(client, bucket, key)
            # Our own write can come back as a lost race when a retried request
            # finds the first attempt already done: the token tells.
            if not winner or winner.get("token") != token:
                raise LockHeld(locks.lost_race_message(application, winner), winner)
    taken_over = found == locks.EXPIRED
    return dict(
        changed=True, lock=document, previous=locks.public(previous), taken_over=taken_over, etag=new_etag,
        warnings=[locks.taken_over_message(previous)] if taken_over else [],
    )


def release(client, bucket, key, application, token, outcome, now, check_mode=False, moved_traffic=True,
            taken=None, taken_etag=None):
    """Release the lock taken with ``token``: one read, and one conditional write when it is still ours.

    Given the lock as taken (``taken``, with ``token``) and the ETag of that write
    (``taken_etag``), the read is skipped: the write is conditional on that ETag,
    so it only succeeds when nobody has written the lock since; otherwise the
    lock is read and handled as below.

    Never releases a lock that is not ours (taken over after it expired):
    that, a lock already released and a missing lock change nothing and warn.
    """
    if taken and taken_etag and taken.get("token") == token and taken.get("state") == locks.HELD and not check_mode:
        document = locks.released_lock(taken, outcome, now, moved_traffic)
        if put_lock(client, bucket, key, document, taken_etag) is not None:
            return dict(changed=True, lock=document, previous=locks.public(taken), taken_over=False, warnings=[])
    previous, etag = get_lock(client, bucket, key)
    found = locks.release_verdict(previous, token)
    unchanged = dict(changed=False, lock=locks.public(previous), previous=locks.public(previous), taken_over=False)
    if found != locks.RELEASE:
        return dict(unchanged, warnings=[locks.not_released_message(application, previous, found)])
    document = locks.released_lock(previous, outcome, now, moved_traffic)
    if not check_mode and put_lock(client, bucket, key, document, etag) is None:
        current, _etag = get_lock(client, bucket, key)
        found = locks.release_verdict(current, token)
        if found != locks.ALREADY_RELEASED:  # else: our own write, retried after a lost response
            return dict(unchanged, lock=locks.public(current), warnings=[
                "The lock changed while it was being released and was left as it is. "
                + locks.not_released_message(application, current, found)])
    return dict(changed=True, lock=document, previous=locks.public(previous), taken_over=False, warnings=[])

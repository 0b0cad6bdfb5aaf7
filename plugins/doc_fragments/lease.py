# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of every module that writes traffic: the application's lease
    # (module_utils/traffic_lease.py), taken for the module's own call unless
    # the caller hands over the lease of a flow that holds it.
    DOCUMENTATION = r"""
options:
  lease:
    description:
      - The lease of a flow that holds the application's lock (RV(bluegreen.aws.deployment_lock#module:lease)).
        The module renews it before it writes (and returns the renewed lease as RV(lease));
        when it was taken over (an abort) the module fails with RV(lease_lost) and writes nothing.
      - Without it the module takes the application's lease for its own call, right before
        its first write, and releases it at the end; a call with nothing to write takes none.
    type: dict
    suboptions:
      bucket:
        description: The bucket of the lock.
        type: str
        required: true
      key:
        description: The key of the lock object.
        type: str
        required: true
      application:
        description: The application.
        type: str
        required: true
      token:
        description: The secret of the run that took the lease.
        type: str
        required: true
      etag:
        description: The ETag of the lease's last write; every write of the holder is conditional on it.
        type: str
        required: true
      holder:
        description: Who holds the lease.
        type: str
        required: true
      operation:
        description: What the holder is doing.
        type: str
        required: true
      ttl:
        description: The lease's duration in seconds; each renewal pushes the expiry this far.
        type: int
        required: true
      acquired_at:
        description: When the lease was taken.
        type: str
        required: true
      expires_at:
        description: When the lease expires unless renewed.
        type: str
        required: true
  lock:
    description:
      - Whether to take the application's lease at all when no O(lease) is given.
      - V(false) lets two runs write the same listeners at once; use it only where nothing else switches.
    type: bool
    default: true
  lock_bucket:
    description:
      - The application's artifact bucket, which holds the lock object.
      - Defaults to C({application}-artifacts-{account}-{region}), the account read from STS (one call more).
    type: str
  lock_prefix:
    description: Key prefix of the lock objects.
    type: str
    default: locks/
  lock_ttl:
    description:
      - Seconds the lease lasts without being renewed; a killed run's lease is free this long after it stopped.
    type: int
    default: 60
  lock_holder:
    description: Who holds the lease, shown to whoever finds it taken. Defaults to C(user@host).
    type: str
  lock_operation:
    description: What this call does, shown to whoever finds the lease taken.
    type: str
  takeover:
    description:
      - Take the lease even when another run holds it (an abort, as C(rollback.yml) does). The preempted
        run is recorded as V(aborted) and stops at its next renewal without writing.
    type: bool
    default: false
"""

    # The lease option alone, for watchers (they write nothing but the lease they renew).
    WATCHER = r"""
options:
  lease:
    description:
      - The lease of the flow (RV(bluegreen.aws.deployment_lock#module:lease)), renewed at every poll.
        When it was taken over (an abort), the task fails with RV(lease_lost) and nothing more is written.
    type: dict
    suboptions:
      bucket:
        description: The bucket of the lock.
        type: str
        required: true
      key:
        description: The key of the lock object.
        type: str
        required: true
      application:
        description: The application.
        type: str
        required: true
      token:
        description: The secret of the run that took the lease.
        type: str
        required: true
      etag:
        description: The ETag of the lease's last write; every write of the holder is conditional on it.
        type: str
        required: true
      holder:
        description: Who holds the lease.
        type: str
        required: true
      operation:
        description: What the holder is doing.
        type: str
        required: true
      ttl:
        description: The lease's duration in seconds; each renewal pushes the expiry this far.
        type: int
        required: true
      acquired_at:
        description: When the lease was taken.
        type: str
        required: true
      expires_at:
        description: When the lease expires unless renewed.
        type: str
        required: true
"""

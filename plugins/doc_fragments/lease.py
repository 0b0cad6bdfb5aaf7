# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The option ``lease`` of every module that renews a flow's lease: the
    # traffic modules, the watchers and deployment_lock itself
    # (module_utils/lock_ops.py lease_argument_spec).
    DOCUMENTATION = r"""
options:
  lease:
    description:
      - The lease of a flow that holds the application's lock, as RV(bluegreen.aws.deployment_lock#module:lease)
        and every module given it return it.
      - A module that writes traffic renews it before it writes, a watcher at every poll, and
        M(bluegreen.aws.deployment_lock) renews or releases it (its C(state) V(renewed) or V(absent)); each
        returns the renewed lease as RV(lease). When it was taken over (an abort), the task fails without
        writing anything more, naming who has the lock now.
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

    # The options of every module that writes traffic (module_utils/traffic_lease.py lease_options),
    # beside DOCUMENTATION's lease: without a lease, the module takes the application's own for its call.
    TRAFFIC = r"""
options:
  lock:
    description:
      - Without O(lease), the module takes the application's lease for its own call, right before
        its first write, and releases it at the end; a call with nothing to write takes none.
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

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The lease a module that writes traffic holds for its writes (one concept, safe by default).

Either the caller hands over the lease of a flow that holds it (option
``lease``): the module renews it before its first write (one conditional
PUT; ``LeaseLost`` means someone took it over, so nothing is written) and
returns the renewed lease. Or the module takes the application's lease for
its own call: it reads the lock object first (one GET), and only when it has
something to write takes it with a PUT conditional on the ETag of that read
(so the listeners it read in between are still current: nobody took or
released the lock since), and releases it at the end (one PUT).

The lease itself (documents, S3 calls, takeover, renewals) lives in
``lock_ops``; this file only decides when a traffic module calls it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import controller
from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils import lock_ops

LeaseLost = lock_ops.LeaseLost
LockHeld = lock_ops.LockHeld


def lease_options():
    """Options of every module that writes traffic (documented in doc fragment ``bluegreen.aws.lease``)."""
    return dict(
        lease=lock_ops.lease_argument_spec(),
        lock=dict(type="bool", default=True),
        lock_bucket=dict(type="str"),
        lock_prefix=dict(type="str", default="locks/"),
        lock_ttl=dict(type="int", default=60),
        lock_holder=dict(type="str"),
        lock_operation=dict(type="str"),
        takeover=dict(type="bool", default=False),
    )


def validate(params):
    """The problem with the lease options, or None (before any call)."""
    if params["lease"] and params["takeover"]:
        return "takeover applies to a lease the module takes itself; the given lease is held already"
    if params["lock_ttl"] < 5:
        return f"lock_ttl must be at least 5 seconds, got {params['lock_ttl']}"
    return None


def default_bucket(application, account, region):
    """The artifact bucket of ``application`` (docs/ARCHITECTURE.md), which holds its lock."""
    return f"{application}-artifacts-{account}-{region}"


def _now():
    return datetime.now(timezone.utc)


class RunGone(Exception):
    """The run that started a task holding a flow's lease has ended (see ``controller``): the lease is left to expire."""


class TrafficLease:
    """The lease around one module call: ``read()`` first, ``before_write()`` before the first write, ``finish()``.

    ``lease`` is the caller's lease (or None), else ``bucket``/``application``
    name the lock to take for this call. ``enabled=False`` (option
    ``lock: false``) turns the lock off entirely (documented as unsafe).
    """

    def __init__(self, s3, params, application, bucket, operation, check_mode, run=None):
        self.s3, self.check_mode = s3, check_mode
        self.run = run if run is not None else controller.Controller()
        self.given = params["lease"]
        self.enabled = bool(self.given) or params["lock"]
        self.application, self.bucket = application, bucket
        self.key = locks.lock_key(params["lock_prefix"], application) if application else None
        self.ttl, self.takeover = params["lock_ttl"], params["takeover"]
        self.holder = params["lock_holder"] or lock_ops.default_holder()
        self.operation = params["lock_operation"] or operation
        self.found = None
        self.lease = self.given
        self.taken = None  # acquire()'s result when this call took the lease
        self.warnings = []

    @property
    def own(self):
        return self.enabled and not self.given

    def read(self):
        """One GET of the lock before anything else (own lease, not in check mode)."""
        if self.own and not self.check_mode:
            self.found = lock_ops.read(self.s3, self.bucket, self.key)

    def before_write(self):
        """Take or renew the lease; raises LockHeld / LeaseLost / RunGone before anything is written."""
        if not self.enabled or self.check_mode:
            return
        if self.given:
            if self.run.gone():  # the flow's run was killed while this task started: its next step must not write
                raise RunGone(f"The run that started this task has ended; nothing written. The lease of "
                              f"{self.given['application']} is not renewed and expires at {self.given['expires_at']}.")
            self.lease = lock_ops.renew(self.s3, self.given["bucket"], self.given["key"], self.lease, _now())
            return
        if self.taken is not None:
            return
        self.taken = lock_ops.acquire(
            self.s3, self.bucket, self.key, self.application, self.holder, self.operation, self.ttl, _now(),
            uuid.uuid4().hex, found=self.found, takeover=self.takeover,
        )
        self.lease = self.taken["lease"]
        self.warnings.extend(self.taken.get("warnings") or [])

    def finish(self, outcome, moved_traffic=True):
        """Release a lease this call took (never the caller's). Returns the release result or None."""
        if self.taken is None:
            return None
        result = lock_ops.release(self.s3, self.bucket, self.key, self.lease, outcome, _now(),
                                  moved_traffic=moved_traffic)
        self.warnings.extend(result.get("warnings") or [])
        return result

    def result(self):
        """What the module returns about the lease."""
        return dict(
            lease=self.lease if self.given else None,
            preempted=(self.taken or {}).get("preempted"),
        )


class Renewer:
    """Renews a flow's lease at every poll of a watcher (``polling.poll``'s ``before_read``).

    ``lease`` may be None (no lease to keep). ``renew()`` raises LeaseLost when
    the lease was taken over, and RunGone, before writing, when the Ansible run
    that started the watcher was killed; ``lease`` is the newest renewed lease.
    """

    def __init__(self, s3, lease, check_mode=False, run=None):
        self.s3, self.lease, self.check_mode = s3, lease, check_mode
        self.run = run if run is not None else controller.Controller()

    def renew(self):
        if self.lease and not self.check_mode:
            if self.run.gone():
                raise RunGone(f"The run that started this watcher has ended; the lease of {self.lease['application']} "
                              f"is not renewed and expires at {self.lease['expires_at']}.")
            self.lease = lock_ops.renew(self.s3, self.lease["bucket"], self.lease["key"], self.lease, _now())

    @staticmethod
    def failure(error, doing="watching"):
        """``fail_json`` arguments for LeaseLost / RunGone raised by ``renew()``: nothing more may be written."""
        if isinstance(error, RunGone):
            return dict(msg=f"Stopped {doing}: {error}", run_gone=True, verdict="aborted")
        return dict(msg=f"Stopped {doing}: the lease was taken over, nothing more may be written. {error}",
                    lease_lost=True, holder=error.lock, verdict="aborted")


def lease_only_options():
    """The ``lease`` option alone, for watchers: they write nothing but the lease they are handed."""
    return dict(lease=lock_ops.lease_argument_spec())

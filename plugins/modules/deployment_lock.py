#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_lock
version_added: 0.1.0
short_description: Take, renew or release the lease on an application, or force-unlock it
description:
  - One lock per application, so that two switches, deploys or rollbacks never
    run at once. It is a JSON object C(locks/<application>.json) in the
    application's artifact bucket, written with S3 conditional writes
    (C(If-None-Match) to create, C(If-Match) to replace), so of several runs that
    try at the same moment exactly one wins; the others fail naming the holder.
  - The lock is a short lease (O(ttl), 60 seconds by default). Its holder renews it
    (O(state=renewed)) at every step and poll of its work, so the lease of a run that
    was killed is free again within O(ttl). An expired lease is taken over with a
    warning naming its previous holder.
  - O(takeover=true) takes the lease even while another run holds it (an abort, as
    C(playbooks/rollback.yml) does during a canary). The preempted operation is
    recorded as C(aborted) in the history, and its holder's next renewal or release
    fails without writing, naming who took the lease.
  - Every write is a new version of the object in the versioned bucket, which
    makes the versions the application's history (who, what, when, outcome); see
    M(bluegreen.aws.deployment_lock_info).
  - Taking the lease is one read and one conditional write; renewing and releasing
    it with O(lease) are one conditional write each.
  - O(force=true) with O(state=absent) removes whoever holds the lock (for example a
    run whose machine died, when waiting for the expiry is not an option), names the
    removed holder and records C(force_unlocked), by whom and why, in the history.
  - In check mode the lock is read and the result predicted; nothing is written.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  bucket:
    description:
      - The application's artifact bucket (versioned).
      - Required to take the lease or to force-unlock; with O(lease), the lease names it.
    type: str
  application:
    description:
      - The application the lock is for.
      - Required to take the lease or to force-unlock; with O(lease), the lease names it.
    type: str
  state:
    description:
      - V(present) takes the lease, V(renewed) renews O(lease), V(absent) releases O(lease)
        (or, with O(force=true), removes whoever holds the lock).
    type: str
    choices: [present, renewed, absent]
    default: present
  operation:
    description: What the holder is doing, for example C(switch to green); required to take the lease.
    type: str
  holder:
    description:
      - Who holds the lease, shown to whoever finds it taken, for example
        C(alice@ops-1 (AWX job 42)). With O(force=true), who force-unlocks.
      - Defaults to C(user@host) of the controller.
    type: str
  ttl:
    description:
      - Seconds after which a lease that was not renewed may be taken by another run
        (with a warning). Above 0.
      - Renew the lease more often than that (M(bluegreen.aws.deployment_lock) with
        O(state=renewed), or a module given the O(lease)).
    type: int
    default: 60
  takeover:
    description:
      - Take the lease even while another run holds it and it has not expired (an abort).
        The preempted operation is recorded as C(aborted) by O(holder); its run loses its
        lease and stops at its next renewal without another write.
    type: bool
    default: false
  outcome:
    description: How the operation ended, recorded when the lease is released.
    type: str
    choices: [succeeded, failed, rolled_back, aborted]
    default: succeeded
  moved_traffic:
    description:
      - When releasing, whether the operation may have changed production traffic (a switch,
        a rollback, a drill). V(false) records that it did not (for example finalize.yml
        scaling the idle color down), so it does not restart the rollback window that
        M(bluegreen.aws.rollback_window) measures from the last release.
    type: bool
    default: true
  force:
    description:
      - With O(state=absent) and no O(lease), remove whoever holds the lock, even a lease
        that has not expired. The removed holder is returned as RV(removed) and recorded in
        the history as C(force_unlocked), with O(holder) as C(by) and O(reason).
    type: bool
    default: false
  reason:
    description: Why the lock is force-unlocked, recorded in the history; required with O(force=true).
    type: str
  token:
    description:
      - Older form of the release, kept for existing playbooks; prefer O(lease). The C(token)
        in RV(lock) returned when the lock was taken.
    type: str
  etag:
    description:
      - Older form of the release, with O(token) and O(taken); prefer O(lease). The RV(etag)
        returned when the lock was taken; the release writes at once, conditional on it.
    type: str
  taken:
    description: Older form of the release, with O(token) and O(etag); prefer O(lease). The RV(lock) returned when the lock was taken.
    type: dict
  prefix:
    description: Key prefix of the lock objects.
    type: str
    default: locks/
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
  - bluegreen.aws.lease
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.deployment_lock_info
"""

EXAMPLES = r"""
# Take the lease first, renew it while working, release it in the block's
# always: section with how the operation ended.
- name: Take the lease on web (fails naming the holder while another run has it)
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    operation: switch to green
    holder: alice@ops-1 (AWX job 42)
    ttl: 60
  register: web_lock

- name: Renew it between two steps (fails naming the new holder if it was taken over)
  bluegreen.aws.deployment_lock:
    state: renewed
    lease: "{{ web_lock.lease }}"
  register: web_lock

- name: Release it, recording how the operation ended
  bluegreen.aws.deployment_lock:
    state: absent
    lease: "{{ web_lock.lease }}"
    outcome: succeeded

# An abort: take the lease from a running canary; the canary is recorded as aborted.
- name: Take over the lease on web to roll back
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    operation: rollback to blue
    takeover: true
  register: rollback_lock

- name: Release it
  bluegreen.aws.deployment_lock:
    state: absent
    lease: "{{ rollback_lock.lease }}"
    outcome: rolled_back

# The holder's machine died and waiting a minute is not an option.
- name: Force-unlock web, naming and recording whom it removes
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    state: absent
    force: true
    holder: alice@ops-1
    reason: runner lost during switch to green
  register: unlocked
"""

RETURN = r"""
lease:
  description:
    - The lease this task took or renewed; give it to O(state=renewed), to the release and to
      the modules that write traffic. V(null) when nothing was taken or renewed, and in check
      mode when taking.
    - Its fields are those of O(lease) - C(bucket), C(key), C(application), C(token), C(etag)
      (of the lease's last write), C(holder), C(operation), C(ttl), C(acquired_at), C(expires_at).
  returned: always
  type: dict
  sample: {"bucket": "web-artifacts-123456789012-us-east-1", "key": "locks/web.json", "application": "web",
           "token": "4f9c1c0e6f7a4d0f9d2b1c3e5a7b9d1f", "etag": '"6805f2cfc46c0f04559748bb039d69ae"',
           "holder": "alice@ops-1", "operation": "switch to green", "ttl": 60,
           "acquired_at": "2026-11-22T22:40:00Z", "expires_at": "2026-11-22T22:41:00Z"}
lock:
  description:
    - The lock after the task (predicted in check mode). When this task took the lease, the
      document written, with its C(token) (kept for the older O(token) form of the release);
      otherwise without it. V(null) when there is no lock object.
  returned: always
  type: dict
  contains:
    state:
      description: V(held) or V(released).
      type: str
      sample: held
    application:
      description: The application.
      type: str
      sample: web
    holder:
      description: Who took the lock.
      type: str
      sample: alice@ops-1
    operation:
      description: What the holder is doing.
      type: str
      sample: switch to green
    token:
      description: The secret of the run that took the lock; only when this task took or released it.
      type: str
      sample: 4f9c1c0e6f7a4d0f9d2b1c3e5a7b9d1f
    acquired_at:
      description: When the lock was taken (ISO 8601, UTC).
      type: str
      sample: "2026-11-22T22:40:00Z"
    renewed_at:
      description: When the lease was last taken or renewed.
      type: str
      sample: "2026-11-22T22:40:30Z"
    expires_at:
      description: When the lease may be taken by another run unless renewed.
      type: str
      sample: "2026-11-22T22:41:30Z"
    ttl:
      description: The lease's duration in seconds.
      type: int
      sample: 60
    preempted:
      description: The run this lease took over while it held the lock (V(takeover)); its operation shows as C(aborted).
      type: dict
      sample: {"token": "9b1c", "holder": "bob@ops-2", "operation": "switch to green (canary)",
               "acquired_at": "2026-11-22T22:39:00Z"}
    released_at:
      description: When the lock was released; only on a released lock.
      type: str
      sample: "2026-11-22T22:41:10Z"
    outcome:
      description: How the operation ended (or V(force_unlocked)); only on a released lock.
      type: str
      sample: succeeded
    by:
      description: Who force-unlocked it; only after a force unlock.
      type: str
      sample: carol@ops-3
    reason:
      description: Why it was force-unlocked; only after a force unlock.
      type: str
      sample: runner lost
etag:
  description:
    - The ETag of the lock object written when taking the lock (also in RV(lease)); kept for the
      older O(etag) form of the release. V(null) in check mode.
  returned: when the lock was taken
  type: str
  sample: '"6805f2cfc46c0f04559748bb039d69ae"'
previous:
  description: The lock as it was before the task, without its token; V(null) when there was none.
  returned: always
  type: dict
  sample: {"state": "released", "application": "web", "holder": "bob@ops-2", "operation": "switch to blue",
           "acquired_at": "2026-11-22T21:00:00Z", "expires_at": "2026-11-22T21:01:00Z",
           "released_at": "2026-11-22T21:00:45Z", "outcome": "succeeded"}
taken_over:
  description: Whether this task took the lock from another run (its lease had expired, or O(takeover) preempted it).
  returned: always
  type: bool
  sample: false
preempted:
  description: The holder a takeover removed while its lease was held (its operation is recorded as C(aborted)), without its token; V(null) otherwise.
  returned: always
  type: dict
  sample: {"state": "held", "holder": "bob@ops-2", "operation": "switch to green (canary)"}
removed:
  description: The holder a force unlock removed, without its token; V(null) when the lock was free.
  returned: always
  type: dict
  sample: {"state": "held", "holder": "bob@ops-2", "operation": "switch to green (canary)"}
"""

import uuid
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import LeaseLost
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import LockHeld
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import acquire
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import default_holder
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import force_unlock
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import lease_argument_spec
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import release
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import release_by_token
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import renew
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def argument_spec():
    return dict(
        bucket=dict(type="str"),
        application=dict(type="str"),
        state=dict(type="str", choices=["present", "renewed", "absent"], default="present"),
        operation=dict(type="str"),
        holder=dict(type="str"),
        ttl=dict(type="int", default=locks.DEFAULT_TTL),
        takeover=dict(type="bool", default=False),
        lease=lease_argument_spec(),
        outcome=dict(type="str", choices=list(locks.OUTCOMES), default="succeeded"),
        moved_traffic=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        reason=dict(type="str"),
        token=dict(type="str", no_log=False),
        etag=dict(type="str"),
        taken=dict(type="dict"),
        prefix=dict(type="str", default="locks/"),
    )


def request_problem(params):
    """What is wrong with the request (a message naming the option), or None; checked before any call."""
    state = params["state"]
    if state == "present":
        needed = ("bucket", "application", "operation")
    elif state == "renewed":
        needed = ("lease",)
    elif params["force"]:
        needed = ("bucket", "application", "reason")
        if params["lease"] or params["token"]:
            return "force: true removes whoever holds the lock: give bucket, application and reason, not lease or token"
    elif not params["lease"]:
        needed = ("bucket", "application", "token")
        if params["token"] is None:
            return "state=absent needs lease (the lease returned when it was taken), or force: true with a reason"
    else:
        needed = ("lease",)
    for name in needed:
        value = params[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"{name} must not be empty" if value is not None else f"state={state} needs {name}"
    if state == "present":
        try:
            locks.validate(params["ttl"])
        except ValueError as e:
            return str(e)
    if params["lease"] and state != "present":
        try:
            locks.validate_lease(params["lease"])
        except ValueError as e:
            return str(e)
        for name in ("bucket", "application"):
            if params[name] and params[name] != params["lease"][name]:
                return f"{name} is {params[name]!r} but the lease is for {params['lease'][name]!r}"
    return None


def run(module, client, params, now):
    """The task's result (without diff); raises LockHeld, LeaseLost or AnsibleBlueGreenAWSError."""
    lease, check_mode = params["lease"], module.check_mode
    empty = dict(lease=None, previous=None, taken_over=False, preempted=None, removed=None)
    if params["state"] == "present":
        key = locks.lock_key(params["prefix"], params["application"])
        return dict(empty, **acquire(
            client, params["bucket"], key, params["application"], params["holder"] or default_holder(),
            params["operation"], params["ttl"], now, uuid.uuid4().hex, takeover=params["takeover"],
            check_mode=check_mode,
        ))
    if params["state"] == "renewed":
        renewed = renew(client, lease["bucket"], lease["key"], lease, now, check_mode=check_mode)
        before = locks.public(locks.lease_document(lease))
        return dict(empty, changed=True, lease=renewed, lock=locks.public(locks.renewed_lock(lease, now)),
                    previous=before, warnings=[])
    if params["force"]:
        key = locks.lock_key(params["prefix"], params["application"])
        return dict(empty, **force_unlock(client, params["bucket"], key, params["application"],
                                          params["holder"] or default_holder(), params["reason"], now, check_mode))
    if lease:
        result = release(client, lease["bucket"], lease["key"], lease, params["outcome"], now,
                         params["moved_traffic"], check_mode)
        return dict(empty, **dict(result, lock=locks.public(result["lock"])))
    key = locks.lock_key(params["prefix"], params["application"])
    return dict(empty, **release_by_token(
        client, params["bucket"], key, params["application"], params["token"], params["outcome"], now,
        check_mode, params["moved_traffic"], params["taken"], params["etag"],
    ))


def main():
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    problem = request_problem(params)
    if problem:
        module.fail_json(msg=problem)
    client = module.client("s3")
    try:
        result = run(module, client, params, datetime.now(timezone.utc))
    except LockHeld as e:
        module.fail_json(msg=str(e), lock=e.lock)
    except LeaseLost as e:
        module.fail_json(msg=str(e), lock=e.lock, lease_lost=True)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    for warning in result.pop("warnings"):
        module.warn(warning)
    if module._diff:
        result["diff"] = dict(before=dict(lock=result["previous"]), after=dict(lock=locks.public(result["lock"])))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

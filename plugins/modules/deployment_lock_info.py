#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_lock_info
version_added: 0.1.0
short_description: Who holds an application's lock, until when, and its recent history
description:
  - Reads the lock written by M(bluegreen.aws.deployment_lock) and the versions of
    its object, which record every switch, deploy and rollback with its holder
    and outcome, the operations a takeover aborted (and by whom), and the force
    unlocks (by whom, why).
  - A holder renews its lease at every step, which is a version too, so reading
    O(history) operations may read more versions than that (at most 500).
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  bucket:
    description: The application's artifact bucket.
    type: str
    required: true
  application:
    description: The application.
    type: str
    required: true
  history:
    description: How many past operations to return, newest first; V(0) or more. V(0) reads no history.
    type: int
    default: 10
  prefix:
    description: Key prefix of the lock objects.
    type: str
    default: locks/
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode changes nothing about its behaviour.
  diff_mode:
    support: N/A
    details: The module makes no changes.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Who holds the lock of web, and what happened lately
  bluegreen.aws.deployment_lock_info:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    history: 5
  register: web_lock
"""

RETURN = r"""
lock:
  description:
    - The lock while a run holds it, without its token, plus C(expired) (V(true) once it may be
      taken over); V(null) when the lock is free (never taken, released, or deleted). The last
      release is the first entry of RV(history).
  returned: always
  type: dict
  contains:
    holder:
      description: Who holds the lease.
      type: str
      sample: alice@ops-1
    operation:
      description: What the holder is doing.
      type: str
      sample: switch to green
    acquired_at:
      description: Since when the holder has the lease (ISO 8601, UTC).
      type: str
      sample: "2026-11-22T22:40:00Z"
    renewed_at:
      description: When the holder last renewed it (its C(acquired_at) for a lock written before leases).
      type: str
      sample: "2026-11-22T22:40:40Z"
    expires_at:
      description: When the lease expires unless renewed.
      type: str
      sample: "2026-11-22T22:41:40Z"
    expired:
      description: Whether the lease has expired (another run may take it).
      type: bool
      sample: false
    state:
      description: V(held).
      type: str
      sample: held
  sample: {"state": "held", "application": "web", "holder": "alice@ops-1", "operation": "switch to green",
           "acquired_at": "2026-11-22T22:40:00Z", "renewed_at": "2026-11-22T22:40:40Z",
           "expires_at": "2026-11-22T22:41:40Z", "ttl": 60, "expired": false}
history:
  description:
    - Past operations, newest first, one per run that took the lock (its take and release
      versions paired by token).
    - C(released_at) and C(outcome) are V(null) for a run that still holds the lock, or that
      never released it (interrupted; its lease expired and was taken).
    - A run preempted by a takeover has outcome V(aborted), C(by) the taker and C(released_at)
      the moment of the takeover; a force unlock, V(force_unlocked) with C(by) and C(reason).
  returned: always
  type: list
  elements: dict
  contains:
    operation:
      description: What the run did.
      type: str
      sample: switch to green
    holder:
      description: Who ran it.
      type: str
      sample: alice@ops-1
    acquired_at:
      description: When it took the lock.
      type: str
      sample: "2026-11-22T22:40:00Z"
    released_at:
      description: When it released the lock, or V(null).
      type: str
      sample: "2026-11-22T22:41:10Z"
    outcome:
      description:
        - V(succeeded), V(failed), V(rolled_back), V(aborted), V(force_unlocked), or V(null) when
          never released.
      type: str
      sample: succeeded
    by:
      description: Who took the lease over (V(aborted)) or force-unlocked it (V(force_unlocked)); only then.
      type: str
      sample: bob@ops-2
    reason:
      description: Why it was force-unlocked; only then, when a reason was given.
      type: str
      sample: runner lost during switch to green
"""

from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import read_lock_and_versions


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            application=dict(type="str", required=True),
            history=dict(type="int", default=10),
            prefix=dict(type="str", default="locks/"),
        ),
        supports_check_mode=True,
    )
    bucket, limit = module.params["bucket"], module.params["history"]
    try:
        locks.validate_history(limit)
    except ValueError as e:
        module.fail_json(msg=str(e))
    key = locks.lock_key(module.params["prefix"], module.params["application"])
    client = module.client("s3")
    try:
        current, documents = read_lock_and_versions(client, bucket, key, limit)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    held = None
    if current and current.get("state") == locks.HELD:
        held = dict(locks.public(current), expired=locks.is_expired(current, datetime.now(timezone.utc)))
        held.setdefault("renewed_at", current["acquired_at"])
    module.exit_json(changed=False, lock=held, history=locks.history(documents, limit))


if __name__ == "__main__":
    main()

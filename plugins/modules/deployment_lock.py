#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_lock
version_added: 0.1.0
short_description: Take or release the one-at-a-time lock of an application
description:
  - One lock per application, so that two switches, deploys or rollbacks never
    run at once. It is a JSON object C(locks/<application>.json) in the
    application's artifact bucket, written with S3 conditional writes
    (C(If-None-Match) to create, C(If-Match) to replace), so of several runs that
    try at the same moment exactly one wins; the others fail naming the holder.
  - The lock expires after O(ttl) seconds; an expired lock is taken over with a
    warning naming its previous holder.
  - Every write is a new version of the object in the versioned bucket, which
    makes the versions the application's history (who, what, when, outcome); see
    M(bluegreen.aws.deployment_lock_info).
  - Taking the lock is one read and one conditional write. A lock held by
    another run and not expired fails the task, naming the holder, the
    operation and the times; so does losing the race for it to a concurrent run.
  - Releasing needs the O(token) returned when the lock was taken and is one read
    and one conditional write. A lock taken over by someone else, a lock already
    released and a missing lock are left as they are, with a warning.
  - In check mode the lock is read and the result predicted; nothing is written.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  bucket:
    description: The application's artifact bucket (versioned).
    type: str
    required: true
  application:
    description: The application the lock is for.
    type: str
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  operation:
    description: What the holder is doing, for example C(switch to green); required to take the lock.
    type: str
  holder:
    description:
      - Who holds the lock, shown to whoever finds it taken, for example
        C(alice@ops-1 (AWX job 42)).
      - Defaults to C(user@host) of the controller.
    type: str
  ttl:
    description:
      - Seconds after which the lock may be taken over by another run (with a warning). Above 0.
      - Make it longer than the longest operation it guards.
    type: int
    default: 1800
  token:
    description: The C(token) in RV(lock) returned when the lock was taken; required to release it.
    type: str
  outcome:
    description: How the operation ended, recorded when the lock is released.
    type: str
    choices: [succeeded, failed, rolled_back, aborted]
    default: succeeded
  etag:
    description:
      - When releasing, the RV(etag) returned when the lock was taken, with O(taken). The release
        then writes at once, conditional on that ETag, instead of reading the lock first (one
        call instead of two); when the lock changed since, it is read and handled as usual.
    type: str
  taken:
    description: When releasing, the RV(lock) returned when the lock was taken (see O(etag)).
    type: dict
  moved_traffic:
    description:
      - When releasing, whether the operation may have changed production traffic (a switch,
        a rollback, a drill). V(false) records that it did not (for example finalize.yml
        scaling the idle color down), so it does not restart the rollback window that
        M(bluegreen.aws.rollback_window) measures from the last release.
    type: bool
    default: true
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
  diff_mode:
    support: full
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.deployment_lock_info
"""

EXAMPLES = r"""
# Take the lock first, do the work in a block, release it in the block's always:
# section (see playbooks/switch.yml).
- name: Take the lock of web (fails naming the holder while another run has it)
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    operation: switch to green
    holder: alice@ops-1 (AWX job 42)
    ttl: 900
  register: web_lock

- name: Release it, recording how the operation ended
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    state: absent
    token: "{{ web_lock.lock.token }}"
    outcome: succeeded
  when: web_lock is succeeded
"""

RETURN = r"""
lock:
  description:
    - The lock after the task (predicted in check mode). Taking it returns the new lock with its
      C(token), which releasing it needs. When nothing was changed, the lock as it was found,
      without its token; V(null) when there is no lock object.
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
      description: The secret of the run that took the lock; releasing needs it. Only when this task took or released it.
      type: str
      sample: 4f9c1c0e6f7a4d0f9d2b1c3e5a7b9d1f
    acquired_at:
      description: When the lock was taken (ISO 8601, UTC).
      type: str
      sample: "2026-11-22T22:40:00Z"
    expires_at:
      description: When the lock may be taken over.
      type: str
      sample: "2026-11-22T23:10:00Z"
    released_at:
      description: When the lock was released; only on a released lock.
      type: str
      sample: "2026-11-22T22:41:10Z"
    outcome:
      description: How the operation ended; only on a released lock.
      type: str
      sample: succeeded
etag:
  description:
    - The ETag of the lock object written when taking the lock; give it (with RV(lock)) to
      the release as O(etag) and O(taken) to save a read. V(null) in check mode and when nothing was written.
  returned: when the lock was taken
  type: str
  sample: '"6805f2cfc46c0f04559748bb039d69ae"'
previous:
  description: The lock as it was before the task, without its token; V(null) when there was none.
  returned: always
  type: dict
  sample: {"state": "released", "application": "web", "holder": "bob@ops-2", "operation": "switch to blue",
           "acquired_at": "2026-11-22T21:00:00Z", "expires_at": "2026-11-22T21:30:00Z",
           "released_at": "2026-11-22T21:01:05Z", "outcome": "succeeded"}
taken_over:
  description: Whether this task took over an expired lock held by another run.
  returned: always
  type: bool
  sample: false
"""

import uuid
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import LockHeld
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import acquire
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import default_holder
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import release
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            application=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            operation=dict(type="str"),
            holder=dict(type="str"),
            ttl=dict(type="int", default=1800),
            token=dict(type="str", no_log=False),
            outcome=dict(type="str", choices=list(locks.OUTCOMES), default="succeeded"),
            moved_traffic=dict(type="bool", default=True),
            etag=dict(type="str"),
            taken=dict(type="dict"),
            prefix=dict(type="str", default="locks/"),
        ),
        required_if=[("state", "present", ["operation"]), ("state", "absent", ["token"])],
        supports_check_mode=True,
    )
    params = module.params
    try:
        locks.validate(params["ttl"])
    except ValueError as e:
        module.fail_json(msg=str(e))
    for name in ("bucket", "application", "operation" if params["state"] == "present" else "token"):
        if not params[name].strip():
            module.fail_json(msg=f"{name} must not be empty")
    bucket = params["bucket"]
    key = locks.lock_key(params["prefix"], params["application"])
    now = datetime.now(timezone.utc)
    client = module.client("s3")
    try:
        if params["state"] == "present":
            result = acquire(
                client, bucket, key, params["application"], params["holder"] or default_holder(),
                params["operation"], params["ttl"], now, uuid.uuid4().hex, module.check_mode,
            )
        else:
            result = release(client, bucket, key, params["application"], params["token"], params["outcome"], now,
                             module.check_mode, params["moved_traffic"], params["taken"], params["etag"])
    except LockHeld as e:
        module.fail_json(msg=str(e), lock=e.lock)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    for warning in result.pop("warnings"):
        module.warn(warning)
    if module._diff:
        result["diff"] = dict(before=dict(lock=result["previous"]), after=dict(lock=locks.public(result["lock"])))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

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
  - Releasing needs the O(token) returned when the lock was taken; a lock taken
    over by someone else is never released.
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
    description: Who holds the lock. Defaults to C(user@host) of the controller.
    type: str
  ttl:
    description: Seconds after which the lock may be taken over.
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
- name: Take the lock of web
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    operation: switch to green
  register: lock

- name: Release it, recording the outcome
  bluegreen.aws.deployment_lock:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    state: absent
    token: "{{ lock.lock.token }}"
    outcome: succeeded
"""

RETURN = r"""
lock:
  description: The lock as written (predicted in check mode); V(null) when nothing was held.
  returned: always
  type: dict
  sample: {"state": "held", "application": "web", "holder": "alice@ops-1", "operation": "switch to green",
           "token": "4f9c1c0e6f7a4d0f9d2b1c3e5a7b9d1f", "acquired_at": "2026-11-22T22:40:00Z",
           "expires_at": "2026-11-22T23:10:00Z"}
previous:
  description: The lock object as it was before the task (without its token), V(null) when there was none.
  returned: always
  type: dict
taken_over:
  description: Whether an expired lock of someone else was taken over.
  returned: always
  type: bool
  sample: false
"""

import getpass
import socket
import uuid
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import AnsibleBlueGreenELBv2Error
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import get_lock
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import put_lock


def public(document):
    """A lock as shown to others: without the token that releases it."""
    return {k: v for k, v in document.items() if k != "token"} if document else document


def acquire(module, client, bucket, key, now):
    params = module.params
    previous, etag = get_lock(client, bucket, key)
    verdict = locks.verdict(previous, now)
    if verdict == locks.TAKEN:
        module.fail_json(msg=locks.held_message(previous), lock=public(previous))
    holder = params["holder"] or f"{getpass.getuser()}@{socket.gethostname()}"
    document = locks.new_lock(params["application"], holder, params["operation"], params["ttl"], now, uuid.uuid4().hex)
    if not module.check_mode and put_lock(client, bucket, key, document, etag) is None:
        winner, _etag = get_lock(client, bucket, key)
        module.fail_json(msg=locks.held_message(winner or {}) + " (taken while this run was trying)", lock=public(winner))
    if verdict == locks.EXPIRED:
        module.warn(f"Took over an expired lock: {locks.held_message(previous)}")
    return dict(changed=True, lock=document, previous=public(previous), taken_over=verdict == locks.EXPIRED)


def release(module, client, bucket, key, now):
    params = module.params
    previous, etag = get_lock(client, bucket, key)
    if not previous or previous.get("state") != locks.HELD or previous.get("token") != params["token"]:
        if previous and previous.get("state") == locks.HELD:
            module.warn(f"Not releasing the lock of {params['application']}: it is no longer ours. {locks.held_message(previous)}")
        return dict(changed=False, lock=None, previous=public(previous), taken_over=False)
    document = locks.released_lock(previous, params["outcome"], now)
    if not module.check_mode and put_lock(client, bucket, key, document, etag) is None:
        module.warn(f"The lock of {params['application']} changed while it was being released; left as it is")
        return dict(changed=False, lock=None, previous=public(previous), taken_over=False)
    return dict(changed=True, lock=document, previous=public(previous), taken_over=False)


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
            prefix=dict(type="str", default="locks/"),
        ),
        required_if=[("state", "present", ["operation"]), ("state", "absent", ["token"])],
        supports_check_mode=True,
    )
    try:
        locks.validate(module.params["ttl"])
    except ValueError as e:
        module.fail_json(msg=str(e))
    client = module.client("s3")
    bucket = module.params["bucket"]
    key = locks.lock_key(module.params["prefix"], module.params["application"])
    now = datetime.now(timezone.utc)
    try:
        if module.params["state"] == "present":
            result = acquire(module, client, bucket, key, now)
        else:
            result = release(module, client, bucket, key, now)
    except AnsibleBlueGreenELBv2Error as e:
        module.fail_json_aws_error(e)
    if module._diff:
        result["diff"] = dict(
            before=dict(lock=result["previous"]), after=dict(lock=result["lock"] or result["previous"])
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rollback_window
version_added: 0.1.0
short_description: Refuse to touch the old color until traffic has drained from it and the rollback window has passed
description:
  - Guards anything that would touch the color that just lost production traffic
    (scaling it down, deploying over it). It fails, saying how long to wait, until
    the color's target group deregistration delay plus O(window) seconds have
    passed since production traffic last moved.
  - When traffic last moved is read from the application's lock history (see
    M(bluegreen.aws.deployment_lock)) - the release of the newest switch, rollback or
    drill. Releases recorded with C(moved_traffic=false) (finalize) do not count; a
    run that never released its lock counts until its lock expired.
  - The deregistration delay is read from the target group attribute
    C(deregistration_delay.timeout_seconds) of O(target_group).
  - With O(force=true), the task warns instead of failing.
  - Reads only; check mode behaves the same.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  bucket:
    description: The application's artifact bucket, which holds its lock.
    type: str
    required: true
  application:
    description: The application.
    type: str
    required: true
  color:
    description: The color about to be touched (the idle one), for the messages.
    type: str
    required: true
    choices: [blue, green]
  target_group:
    description: Name or ARN of O(color)'s target group.
    type: str
    required: true
  window:
    description:
      - Seconds after the drain during which the last switch stays easy to roll back,
        so the old color must keep running. V(0) or more.
    type: int
    default: 900
  force:
    description: Warn instead of failing when the window has not passed.
    type: bool
    default: false
  token:
    description:
      - The token of the lock this run holds (C(lock.token) returned by M(bluegreen.aws.deployment_lock)),
        so that its own lock is not taken for another run in progress.
    type: str
  history:
    description: How many past operations to look through for the last traffic change, at least 1.
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
seealso:
  - module: bluegreen.aws.deployment_lock
  - module: bluegreen.aws.listener_switch
"""

EXAMPLES = r"""
- name: Refuse to scale blue down before it drained and the rollback window passed
  bluegreen.aws.rollback_window:
    bucket: web-artifacts-123456789012-us-east-1
    application: web
    color: blue
    target_group: web-blue
    window: 900
  register: web_window
"""

RETURN = r"""
open:
  description: Whether the old color may be touched now (also V(false) when forced early).
  returned: always
  type: bool
  sample: true
wait_seconds:
  description: Seconds until it may be touched; V(0) when it may.
  returned: always
  type: int
  sample: 0
opens_at:
  description: When it may be touched (UTC); V(null) without a recorded traffic change.
  returned: always
  type: str
  sample: "2026-11-22T22:56:10Z"
moved_at:
  description: When production traffic last moved (UTC); V(null) without a recorded traffic change.
  returned: always
  type: str
  sample: "2026-11-22T22:40:40Z"
last_operation:
  description: The operation that last moved traffic, from the lock history, without its token.
  returned: always
  type: dict
  sample: {"operation": "switch to green (100%)", "holder": "alice@ops-1", "acquired_at": "2026-11-22T22:40:00Z",
           "released_at": "2026-11-22T22:40:40Z", "outcome": "succeeded"}
deregistration_delay:
  description: The target group's deregistration delay in seconds.
  returned: always
  type: int
  sample: 300
window:
  description: The rollback window in seconds.
  returned: always
  type: int
  sample: 900
forced:
  description: Whether O(force) let the task pass before the window opened.
  returned: always
  type: bool
  sample: false
"""

from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils import rollback_window as windows
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_group
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_group_attributes
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import is_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import read_lock_and_versions

DELAY = "deregistration_delay.timeout_seconds"


def deregistration_delay(client, target_group):
    arn = target_group
    if not is_arn(target_group):
        group = describe_target_group(client, target_group)
        if group is None:
            raise AnsibleBlueGreenAWSError(message=f"Target group {target_group} (target_group) not found")
        arn = group["TargetGroupArn"]
    return int(describe_target_group_attributes(client, arn).get(DELAY, 300))


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            application=dict(type="str", required=True),
            color=dict(type="str", required=True, choices=["blue", "green"]),
            target_group=dict(type="str", required=True),
            window=dict(type="int", default=900),
            force=dict(type="bool", default=False),
            token=dict(type="str", no_log=True),
            history=dict(type="int", default=10),
            prefix=dict(type="str", default="locks/"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        windows.validate(params["window"])
        if params["history"] < 1:
            raise windows.WindowError(f"history must be at least 1 operation, got {params['history']}")
    except windows.WindowError as e:
        module.fail_json(msg=str(e))
    now = datetime.now(timezone.utc)
    key = locks.lock_key(params["prefix"], params["application"])
    try:
        delay = deregistration_delay(module.client("elbv2"), params["target_group"])
        _current, documents = read_lock_and_versions(module.client("s3"), params["bucket"], key, params["history"])
        moved_at, operation = windows.last_traffic_change(documents, now, params["token"])
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    except windows.WindowError as e:
        module.fail_json(msg=f"Refusing to touch {params['color']} of {params['application']}: {e}")
    opens_at, wait = windows.opening(moved_at, delay, params["window"], now)
    result = dict(
        changed=False, open=wait == 0, wait_seconds=wait, forced=False,
        opens_at=locks.iso(opens_at) if opens_at else None, moved_at=locks.iso(moved_at) if moved_at else None,
        last_operation=locks.public({k: v for k, v in operation.items() if k != "state"}) if operation else None,
        deregistration_delay=delay, window=params["window"],
    )
    if wait:
        message = windows.refusal(params["application"], params["color"], moved_at, operation, delay,
                                  params["window"], opens_at, wait)
        if not params["force"]:
            module.fail_json(msg=message + " To go ahead anyway: force=true (playbooks: -e force=true).", **result)
        module.warn("Forced: " + message)
        result["forced"] = True
    module.exit_json(**result)


if __name__ == "__main__":
    main()

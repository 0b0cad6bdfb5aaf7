#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_alarm_state
version_added: 0.1.0
short_description: Force a CloudWatch alarm into a state, for rollback drills
description:
  - Sets the state of an existing CloudWatch alarm with C(SetAlarmState), as
    AWS recommends for testing alarm actions. The alarm goes back to the state
    its metric says at its next evaluation.
  - Used by the rollback drill to prove that a canary returns traffic when an
    alarm fires.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  alarm_name:
    description: Name of the metric or composite alarm.
    type: str
    required: true
  state:
    description: The state to set.
    type: str
    choices: [OK, ALARM, INSUFFICIENT_DATA]
    required: true
  reason:
    description: Why, as shown in the alarm history.
    type: str
    default: Set by bluegreen.aws (rollback drill)
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
"""

EXAMPLES = r"""
- name: Fire green's 5xx alarm during a canary (drill)
  bluegreen.aws.cloudwatch_alarm_state:
    alarm_name: web-green-5xx
    state: ALARM
    reason: Rollback drill
"""

RETURN = r"""
previous_state:
  description: The alarm's state before the task.
  returned: always
  type: str
  sample: OK
state:
  description: The alarm's state after the task (predicted in check mode).
  returned: always
  type: str
  sample: ALARM
set_at:
  description: When the state was set (UTC), V(null) when nothing was set.
  returned: always
  type: str
  sample: "2026-11-22T22:41:07.123456Z"
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.analysis import utc_now
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import describe_alarm_states
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import set_alarm_state
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            alarm_name=dict(type="str", required=True),
            state=dict(type="str", required=True, choices=["OK", "ALARM", "INSUFFICIENT_DATA"]),
            reason=dict(type="str", default="Set by bluegreen.aws (rollback drill)"),
        ),
        supports_check_mode=True,
    )
    name, state = module.params["alarm_name"], module.params["state"]
    client = module.client("cloudwatch")
    try:
        previous = describe_alarm_states(client, [name]).get(name)
        if previous is None:
            module.fail_json(msg=f"Alarm {name} does not exist")
        set_at = None
        changed = previous != state
        if changed and not module.check_mode:
            set_alarm_state(client, name, state, module.params["reason"])
            set_at = utc_now()
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    result = dict(changed=changed, previous_state=previous, state=state, set_at=set_at)
    if module._diff:
        result["diff"] = dict(before=dict(state=previous), after=dict(state=state))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

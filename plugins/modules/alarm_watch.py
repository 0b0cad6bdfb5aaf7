#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alarm_watch
version_added: 0.2.0
short_description: Watch CloudWatch alarms for a canary step's pause, renewing the release's lease at every poll
description:
  - A watcher of the release flow. Reads O(alarms) at once, then every O(poll_interval)
    seconds for O(duration) seconds, and once more at the end.
  - Verdict V(pass) when none went to C(ALARM); V(fail) (the task fails) as soon as one does,
    naming it - the flow then restores the weights from before the step; V(inconclusive)
    when an alarm does not exist (nothing to judge by; the task fails too).
  - With O(lease), renews it before every read after the first. When the lease was taken
    over (an abort, C(rollback.yml)), the task fails at once with RV(lease_lost) - the flow
    must then stop without writing traffic.
  - Writes nothing but the lease.
  - When the Ansible run that started it has ended (its C(ansible-playbook) process was killed
    while this task ran on, orphaned), it stops at the next poll without renewing the lease
    (RV(run_gone)), so the lease expires within its ttl. Checked on Linux (C(/proc)).
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  alarms:
    description: Names of the metric or composite alarms watching the color that gets traffic.
    type: list
    elements: str
    required: true
  duration:
    description: Seconds to watch (the step's pause). V(0) reads once.
    type: int
    default: 0
  poll_interval:
    description: Seconds between two reads; an alarm is seen at most this long after it fires.
    type: int
    default: 5
extends_documentation_fragment:
  - bluegreen.aws.lease
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the alarms once and does not wait nor renew.
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.listener_switch
"""

EXAMPLES = r"""
- name: Watch green's alarms for a minute after a 10% step
  bluegreen.aws.alarm_watch:
    alarms: [web-green-5xx, web-green-p99-latency, web-green-unhealthy-hosts]
    duration: 60
    poll_interval: 5
  register: watched
"""

RETURN = r"""
verdict:
  description: V(pass), V(fail) (an alarm went to C(ALARM)) or V(inconclusive) (an alarm is missing).
  returned: always
  type: str
  sample: pass
fired:
  description: Alarms that were in C(ALARM) at the last read.
  returned: always
  type: list
  elements: str
  sample: []
alarms:
  description: State of each alarm at the last read (the evidence).
  returned: always
  type: dict
  sample: {"web-green-5xx": "OK"}
polls:
  description: How many times the alarms were read.
  returned: always
  type: int
  sample: 13
elapsed:
  description: Seconds watched.
  returned: always
  type: float
  sample: 60.0
lease:
  description: The renewed O(lease) (give it to the next step); V(null) without O(lease).
  returned: always
  type: dict
lease_lost:
  description: True when the lease was taken over during the watch; the flow must stop without writing.
  returned: on failure
  type: bool
run_gone:
  description: True when the run that started the task had ended; the lease was left to expire.
  returned: on failure
  type: bool
"""

from ansible_collections.bluegreen.aws.plugins.module_utils import analysis
from ansible_collections.bluegreen.aws.plugins.module_utils import traffic_lease
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import describe_alarm_states
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.polling import poll


def verdict_of(alarms, states):
    """``(verdict, fired, missing)`` of one read (pure)."""
    missing = analysis.missing_alarms(alarms, states)
    fired = analysis.firing(states)
    if fired:
        return "fail", fired, missing
    return ("inconclusive" if missing else "pass"), fired, missing


def main():
    argument_spec = dict(
        alarms=dict(type="list", elements="str", required=True),
        duration=dict(type="int", default=0),
        poll_interval=dict(type="int", default=5),
        **traffic_lease.lease_only_options(),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not params["alarms"]:
        module.fail_json(msg="alarms must name at least one alarm to watch")
    if params["duration"] < 0 or params["poll_interval"] < 1:
        module.fail_json(msg=f"duration must be 0 or more and poll_interval at least 1 second, "
                             f"got {params['duration']} and {params['poll_interval']}")

    cloudwatch = module.client("cloudwatch")
    renewer = traffic_lease.Renewer(module.client("s3") if params["lease"] else None, params["lease"],
                                    module.check_mode)
    duration = 0 if module.check_mode else params["duration"]
    try:
        states, polls, elapsed = poll(
            lambda: describe_alarm_states(cloudwatch, params["alarms"]),
            lambda read: bool(analysis.firing(read)),
            duration, params["poll_interval"], before_read=renewer.renew,
        )
        renewer.renew()
    except (traffic_lease.LeaseLost, traffic_lease.RunGone) as e:
        module.fail_json(**renewer.failure(e))
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)

    verdict, fired, missing = verdict_of(params["alarms"], states)
    result = dict(changed=False, verdict=verdict, fired=fired, alarms=states, polls=polls,
                  elapsed=round(elapsed, 1), lease=renewer.lease)
    if verdict == "fail":
        module.fail_json(msg=f"Alarm {', '.join(fired)} went to ALARM", **result)
    if verdict == "inconclusive":
        module.fail_json(msg=f"Alarms to watch do not exist: {', '.join(missing)}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

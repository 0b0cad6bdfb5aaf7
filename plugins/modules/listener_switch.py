#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: listener_switch
version_added: 0.1.0
short_description: Set the share of an ALB's production traffic for blue or green, under the application's lease
description:
  - The traffic core of a release. Sets the default action of an Application Load
    Balancer's production listener to a weighted forward that sends O(weight)
    percent of requests to the target group of O(color) and the rest to the other
    color; when O(weight=100) the test listener is pointed at the other color, now idle.
  - Health gate - when O(color) would receive traffic and has fewer than
    O(min_healthy) healthy targets, or one of O(alarms) is in C(ALARM) or missing,
    the module fails and changes nothing.
  - Nothing is written when the listeners already send traffic as requested, not even the lock.
  - Safe by default - the module writes under the application's lease (see O(lease)).
  - It does one weight. Canary steps, alarm watching during a pause (M(bluegreen.aws.alarm_watch)),
    URL verification (M(bluegreen.aws.url_verify)) and the preview rules
    (M(bluegreen.aws.preview_rules)) are separate pieces the release flows compose.
  - It refuses to replace a default action that does not forward, or that forwards
    to a target group other than the blue and green ones.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  color:
    description: The color to send O(weight) percent of production traffic to.
    type: str
    required: true
    choices: ["blue", "green"]
  weight:
    description:
      - Percent of production traffic for O(color), from 0 to 100; the other color receives the rest.
      - A value between 1 and 99 is a canary step; V(100) completes the switch.
    type: int
    default: 100
  min_healthy:
    description: Healthy targets O(color) needs before it may receive any traffic.
    type: int
    default: 1
  alarms:
    description:
      - CloudWatch alarms (metric or composite) that must exist and not be in C(ALARM)
        before O(color) gets more traffic. Read once, before the first write.
    type: list
    elements: str
    default: []
  stickiness_duration:
    description:
      - Seconds of target group stickiness while traffic is split (O(weight) between 1 and 99),
        so one client stays on one version. V(0) turns it off; a color with all the traffic gets none.
    type: int
    default: 0
extends_documentation_fragment:
  - bluegreen.aws.traffic_path
  - bluegreen.aws.lease
  - bluegreen.aws.lease.traffic
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Predicts the switch; reads neither the lock nor writes anything.
  diff_mode:
    support: full
  platform:
    platforms: all
notes:
  - AWS calls of a switch to the idle color with its own lease - lock GET, DescribeLoadBalancers,
    DescribeListeners, DescribeTargetHealth (of O(color)), DescribeAlarms (with O(alarms)), lock PUT,
    ModifyListener twice, lock PUT. To the color already live - the first three only.
seealso:
  - module: bluegreen.aws.bluegreen_info
  - module: bluegreen.aws.deployment_lock
  - module: bluegreen.aws.alarm_watch
"""

EXAMPLES = r"""
- name: Send all production traffic to green, test listener to blue (takes the lease of web for this call)
  bluegreen.aws.listener_switch:
    application: web
    test_listener_port: 8080
    color: green
    min_healthy: 2
    lock_bucket: web-artifacts-123456789012-us-east-1
  register: switch

- name: Canary step - a quarter of production traffic to blue, if its 5xx alarm is quiet
  bluegreen.aws.listener_switch:
    load_balancer_name: web-alb
    target_groups:
      blue: web-blue
      green: web-green
    color: blue
    weight: 25
    alarms: [web-blue-5xx]
    lock_bucket: web-artifacts-123456789012-us-east-1

- name: Abort - all traffic back to blue at once, taking the lease over from a running canary
  bluegreen.aws.listener_switch:
    application: web
    test_listener_port: 8080
    color: blue
    takeover: true
    lock_bucket: web-artifacts-123456789012-us-east-1
    lock_operation: rollback to blue
"""

RETURN = r"""
live_color:
  description: Color with all production traffic after the switch; during a canary the one with the larger share.
  returned: always
  type: str
  sample: green
idle_color:
  description: The other color; V(null) when RV(live_color) is.
  returned: always
  type: str
  sample: blue
state:
  description: V(live) when one color receives all production traffic, V(in_progress) when both receive some.
  returned: always
  type: str
  sample: live
weights:
  description: Percent of production traffic per color after the switch (predicted in check mode).
  returned: always
  type: dict
  sample: {"blue": 0, "green": 100}
previous_weights:
  description: Percent of production traffic per color before the switch.
  returned: always
  type: dict
  sample: {"blue": 100, "green": 0}
health:
  description: Healthy and registered targets of O(color), read when it was to get more traffic (else empty).
  returned: always
  type: dict
  sample: {"green": {"healthy": 2, "total": 2}}
listener_arn:
  description: ARN of the production listener.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2
test_listener_arn:
  description: ARN of the test listener; V(null) without O(test_listener_port).
  returned: always
  type: str
test_listener_color:
  description: Color the test listener forwards to after the switch; V(null) without O(test_listener_port).
  returned: always
  type: str
  sample: blue
lease:
  description: The renewed O(lease) (give it to the next step); V(null) when the module took its own.
  returned: always
  type: dict
preempted:
  description: With O(takeover), the lock of the run this call took the lease from; else V(null).
  returned: always
  type: dict
lease_lost:
  description: True when the given O(lease) was taken over (an abort); nothing was written.
  returned: on failure
  type: bool
run_gone:
  description:
    - True when the Ansible run that started the task with a flow's O(lease) had already been killed
      (an orphaned worker, checked on Linux); nothing was written and the lease is left to expire.
  returned: on failure
  type: bool
holder:
  description: The lock of whoever holds the lease when this call could not take or keep it.
  returned: on failure
  type: dict
"""

from ansible_collections.bluegreen.aws.plugins.module_utils import traffic_lease
from ansible_collections.bluegreen.aws.plugins.module_utils.analysis import preflight_message
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import describe_alarm_states
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_health
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import modify_listener
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import ListenerError
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import actions_match
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import check_listener_ownership
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import count_health
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import desired_default_actions
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import health_gate
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import listener_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import normalize_weights
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import other_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import traffic_state
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import validate_switch_request
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import weights_by_color
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import color_arns
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import complete_traffic_path
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import read_listeners
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import traffic_path_argument_spec
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import validate_ports


def describe_traffic(production_actions, test_actions, arns_by_color):
    """Weights and colors of the two listeners (test listener None when there is none)."""
    state, live, idle = traffic_state(normalize_weights(production_actions), arns_by_color)
    return dict(
        weights=weights_by_color(normalize_weights(production_actions), arns_by_color),
        live_color=live, idle_color=idle, state=state,
        test_listener_color=listener_color(test_actions, arns_by_color) if test_actions is not None else None,
    )


def plan_switch(listener, test_listener, arns_by_color, color, weight, sticky_seconds):
    """``[(listener, desired_actions)]`` still to write: production, then the test listener at 100 (pure)."""
    writes = []
    desired = desired_default_actions(color, weight, arns_by_color, sticky_seconds)
    if not actions_match(listener["DefaultActions"], desired):
        writes.append((listener, desired))
    if test_listener is not None and weight == 100:
        idle = desired_default_actions(other_color(color), 100, arns_by_color)
        if not actions_match(test_listener["DefaultActions"], idle):
            writes.append((test_listener, idle))
    return writes


def gate(module, elbv2, params, arns_by_color):
    """Health and alarm gate of O(color) before it gets more traffic: ``{color: health}``; raises ListenerError."""
    color, weight = params["color"], params["weight"]
    if weight <= 0:
        return {}
    health = {color: count_health(describe_target_health(elbv2, arns_by_color[color]))}
    refusal = health_gate(color, weight, health[color], params["min_healthy"])
    if refusal is None and params["alarms"]:
        states = describe_alarm_states(module.client("cloudwatch"), params["alarms"])
        refusal = preflight_message(params["alarms"], states, color)
    if refusal:
        error = ListenerError(refusal)
        error.health = health
        raise error
    return health


def validate_request(params):
    """The first problem with the request, or None; no AWS call is made before this passes."""
    try:
        validate_switch_request(params["color"], params["weight"], params["min_healthy"])
    except ListenerError as e:
        return str(e)
    if params["stickiness_duration"] < 0:
        return f"stickiness_duration must be 0 or more seconds, got {params['stickiness_duration']}"
    return validate_ports(params["listener_port"], params["test_listener_port"]) or traffic_lease.validate(params)


def lock_bucket(module, params):
    if params["lock_bucket"] or params["lease"] or not params["lock"] or module.check_mode:
        return params["lock_bucket"]
    account = module.client("sts").get_caller_identity()["Account"]
    return traffic_lease.default_bucket(params["application"], account, module.region)


def switch(module, elbv2, params, lease):
    """Read, decide, gate, write under the lease. Returns the result (without the lease keys)."""
    lease.read()
    _lb, listener, test_listener = read_listeners(elbv2, params["load_balancer_name"], params["listener_port"],
                                                  params["test_listener_port"])
    arns_by_color = color_arns(elbv2, params["target_groups"], [listener, test_listener])
    for each in (listener, test_listener):
        if each is not None:
            check_listener_ownership(each["ListenerArn"], each["DefaultActions"], arns_by_color)
    test_before = test_listener["DefaultActions"] if test_listener else None
    before = describe_traffic(listener["DefaultActions"], test_before, arns_by_color)
    writes = plan_switch(listener, test_listener, arns_by_color, params["color"], params["weight"],
                         params["stickiness_duration"])
    health = {}
    if writes:
        production_moves = writes[0][0] is listener
        health = gate(module, elbv2, params, arns_by_color) if production_moves else {}
    if writes or params["lease"]:
        lease.before_write()  # renews a flow's lease even when there is nothing to write
    actions = {listener["ListenerArn"]: listener["DefaultActions"]}
    if test_listener:
        actions[test_listener["ListenerArn"]] = test_before
    for target, desired in writes:
        if not module.check_mode:
            modify_listener(elbv2, target["ListenerArn"], desired)
        actions[target["ListenerArn"]] = desired
    after = describe_traffic(actions[listener["ListenerArn"]],
                             actions[test_listener["ListenerArn"]] if test_listener else None, arns_by_color)
    result = dict(
        changed=bool(writes), live_color=after["live_color"], idle_color=after["idle_color"], state=after["state"],
        weights=after["weights"], previous_weights=before["weights"], health=health,
        listener_arn=listener["ListenerArn"], test_listener_arn=test_listener["ListenerArn"] if test_listener else None,
        test_listener_color=after["test_listener_color"],
    )
    if module._diff:
        keys = ("weights", "live_color", "test_listener_color")
        result["diff"] = dict(before={k: before[k] for k in keys}, after={k: after[k] for k in keys})
    return result


def main():
    argument_spec = traffic_path_argument_spec()
    argument_spec.update(
        color=dict(type="str", required=True, choices=["blue", "green"]),
        weight=dict(type="int", default=100),
        min_healthy=dict(type="int", default=1),
        alarms=dict(type="list", elements="str", default=[]),
        stickiness_duration=dict(type="int", default=0),
        **traffic_lease.lease_options(),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params, problem = complete_traffic_path(module.params)
    problem = problem or validate_request(params)
    if problem:
        module.fail_json(msg=problem)

    lease = None
    try:
        operation = f"switch to {params['color']} ({params['weight']}%)"
        enabled = params["lock"] or params["lease"]
        s3 = module.client("s3") if enabled and not module.check_mode else None
        lease = traffic_lease.TrafficLease(s3, params, params["application"], lock_bucket(module, params),
                                           operation, module.check_mode)
        result = switch(module, module.client("elbv2"), params, lease)
        lease.finish("succeeded")
    except traffic_lease.LockHeld as e:
        module.fail_json(msg=str(e), holder=e.lock)
    except traffic_lease.LeaseLost as e:
        module.fail_json(msg=f"The lease of {params['application']} was taken over; nothing written. {e}",
                         lease_lost=True, holder=e.lock)
    except traffic_lease.RunGone as e:
        module.fail_json(msg=str(e), run_gone=True)
    except (ListenerError, AnsibleBlueGreenAWSError) as e:
        release_failed(lease)
        if isinstance(e, AnsibleBlueGreenAWSError):
            module.fail_json_aws_error(e)
        module.fail_json(msg=str(e), health=getattr(e, "health", {}))
    for warning in lease.warnings:
        module.warn(warning)
    module.exit_json(**result, **lease.result())


def release_failed(lease):
    """Release a lease this call took, recording the failure; a failing release must not hide the first error."""
    if lease is None:
        return
    try:
        lease.finish("failed")
    except (AnsibleBlueGreenAWSError, traffic_lease.LeaseLost):
        pass


if __name__ == "__main__":
    main()

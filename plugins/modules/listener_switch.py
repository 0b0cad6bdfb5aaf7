#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: listener_switch
version_added: 0.1.0
short_description: Shift an ALB listener's traffic between blue and green target groups
description:
  - Sets the default action of an Application Load Balancer's production listener
    to a weighted forward that sends O(weight) percent of requests to the target
    group of O(color) and the rest to the other color.
  - Health gate - before changing the production listener, the module counts
    the healthy targets of O(color). When O(color) would receive traffic
    (O(weight) above 0) and has fewer than O(min_healthy) healthy targets, the
    module fails and changes nothing.
  - When O(weight=100) and O(test_listener_port) is set, the test listener is
    pointed at the other color, which is now idle.
  - Nothing is written when the listeners already send traffic as requested.
  - Canary - with O(steps), the weight moves in steps; after each step the
    module watches O(alarms) for the step's C(pause). When an alarm goes to
    C(ALARM), the production listener is restored to O(restore_weights) (by
    default, the weights it had before this task) and the module fails, naming
    the alarm and the step. The returned RV(timeline) says what happened when.
  - The module refuses to replace a default action that does not forward, or
    that forwards to a target group other than the blue and green ones.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  color:
    description:
      - The color to send O(weight) percent of production traffic to.
    type: str
    required: true
    choices: ["blue", "green"]
  weight:
    description:
      - Percent of production traffic for O(color), from 0 to 100.
      - The other color receives the rest.
      - A value between 1 and 99 starts or continues a canary; V(100) completes the switch.
      - Defaults to V(100). Mutually exclusive with O(steps).
    type: int
  steps:
    description:
      - Weights to go through, in order, each followed by a pause during which
        O(alarms) are watched. The last step's weight is where traffic ends.
      - Mutually exclusive with O(weight).
    type: list
    elements: dict
    suboptions:
      weight:
        description: Percent of production traffic for O(color) in this step.
        type: int
        required: true
      pause:
        description: Seconds to watch O(alarms) after this step's weight is set.
        type: int
        default: 0
  alarms:
    description:
      - CloudWatch alarm names (metric or composite) that watch O(color).
      - Checked before the first write (the switch refuses to start when one is
        in C(ALARM) or does not exist) and polled every O(poll_interval) seconds
        during each step's pause.
    type: list
    elements: str
    default: []
  poll_interval:
    description:
      - Seconds between two reads of O(alarms) during a pause. An alarm is
        acted on at most this long after it goes to C(ALARM).
    type: int
    default: 5
  restore_weights:
    description:
      - Weights to restore when an alarm fires, for example V(blue=100) and V(green=0).
      - Defaults to the weights before this task. Give it when a playbook runs
        one step per task, so every step restores the state before the first one.
    type: dict
    suboptions:
      blue:
        description: Percent of production traffic for blue.
        type: int
        required: true
      green:
        description: Percent of production traffic for green.
        type: int
        required: true
  stickiness_duration:
    description:
      - Seconds of target group stickiness while traffic is split (a canary step
        between 1 and 99), so one client stays on one version. V(0) turns it off.
      - A color with all the traffic gets no stickiness.
    type: int
    default: 0
  preview_header:
    description:
      - Name of an HTTP header, for example C(X-Bluegreen-Color). When set, the
        production listener gets a rule that sends requests carrying this header
        with the idle color's name as value to the idle color, so testers reach it
        through the production hostname before any user does.
      - The rule follows the switch - once a color is live, its preview is gone
        and the other color's takes its place. During a canary it is left as it is
        (created for O(color) if there is none yet).
    type: str
  preview_priority:
    description: Priority of the preview rule when it is created (the next free one if taken).
    type: int
    default: 10
  verify_url:
    description:
      - A URL that answers with the version it runs, for example the production
        hostname's C(/version). After the last step, when O(color) has all the
        production traffic and the listener was changed, the module asks this URL
        every O(verify_interval) seconds until the answer is status 200 with
        O(verify_body) in its body and every header of O(verify_headers), for at
        most O(verify_timeout) seconds.
      - When the new version never answers, the production listener is restored
        to O(restore_weights) (by default, the weights before this task), the test
        listener to what it was, and the module fails saying what it received.
      - The probe goes through the load balancer, so it needs real AWS (the
        embedded AWS routes no requests).
      - Not used in check mode, nor when the listener already sent traffic as requested.
    type: str
  verify_body:
    description: Text the body of the answer from O(verify_url) must contain, for example C(1.4.0).
    type: str
  verify_headers:
    description:
      - Headers the answer from O(verify_url) must have, with these exact values, as a dict
        of header name to value, for example C(X-App-Version) with the new version.
        Header names are compared without case.
    type: dict
  verify_timeout:
    description: Seconds to wait for the new version to answer O(verify_url), at least 1.
    type: int
    default: 60
  verify_interval:
    description: Seconds between two requests to O(verify_url), at least 1.
    type: int
    default: 2
  verify_validate_certs:
    description: Whether to validate the TLS certificate of O(verify_url).
    type: bool
    default: true
  lock:
    description:
      - Take the application's deployment lock (see M(bluegreen.aws.deployment_lock)) right
        before the first write, after every read and check, so that a switch with nothing to
        do neither reads nor writes the lock. Another run holding it fails the task, naming
        the holder, before anything is written.
      - Once the lock is taken the production and test listeners are read again; when they
        changed since the first read (another run finished in between), the task fails and
        writes nothing, so no decision rests on a stale read.
      - The lock taken is returned as RV(lock) with RV(lock_etag), also when the task fails
        afterwards; release it with M(bluegreen.aws.deployment_lock) (O(ignore:state=absent),
        C(token), C(taken) and C(etag)), for example in an C(always:) section.
      - Not taken (nor read) in check mode, where the switch is only predicted.
    type: dict
    suboptions:
      bucket:
        description: The application's artifact bucket (versioned), which holds the lock.
        type: str
        required: true
      application:
        description: The application the lock is for.
        type: str
        required: true
      operation:
        description: What this run does, for example C(switch to green), shown to whoever finds the lock taken.
        type: str
        required: true
      holder:
        description: Who holds the lock; defaults to C(user@host) of the controller.
        type: str
      ttl:
        description: Seconds after which the lock may be taken over by another run.
        type: int
        default: 1800
      prefix:
        description: Key prefix of the lock objects.
        type: str
        default: locks/
  min_healthy:
    description:
      - Healthy targets O(color) needs before it may receive any traffic.
      - A target is healthy when its target health state is C(healthy).
    type: int
    default: 1
extends_documentation_fragment:
  - bluegreen.aws.traffic_path
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
notes:
  - The test listener is only changed when the final weight is V(100); during a
    canary it keeps forwarding to the color it forwarded to before.
  - In check mode the steps are predicted and no pause is waited.
  - A run killed during a pause leaves the weights of the step it was in;
    M(bluegreen.aws.bluegreen_info) reports that state as V(in_progress), and the
    next switch converges to what it asks for.
seealso:
  - module: bluegreen.aws.bluegreen_info
"""

EXAMPLES = r"""
- name: Send all production traffic to green, test listener to blue
  bluegreen.aws.listener_switch:
    load_balancer_name: web-alb
    listener_port: 80
    test_listener_port: 8080
    target_groups:
      blue: web-blue
      green: web-green
    color: green
    min_healthy: 2
  register: switch

- name: Canary - send a quarter of production traffic to green
  bluegreen.aws.listener_switch:
    load_balancer_name: web-alb
    target_groups:
      blue: web-blue
      green: web-green
    color: green
    weight: 25

- name: Canary in steps, watching green's alarms; back to blue if one fires
  bluegreen.aws.listener_switch:
    load_balancer_name: web-alb
    test_listener_port: 8080
    target_groups:
      blue: web-blue
      green: web-green
    color: green
    steps:
      - {weight: 10, pause: 60}
      - {weight: 50, pause: 120}
      - {weight: 100}
    alarms: [web-green-5xx, web-green-p99-latency, web-green-unhealthy-hosts]
    poll_interval: 5

- name: Roll back to blue (target groups by ARN); wait until the site answers with blue's version, else undo
  bluegreen.aws.listener_switch:
    load_balancer_name: web-alb
    test_listener_port: 8080
    target_groups:
      blue: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef
      green: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/fedcba9876543210
    color: blue
    weight: 100
    verify_url: https://www.example.com/version
    verify_headers:
      X-App-Version: "1.0.0"
    verify_timeout: 120
"""

RETURN = r"""
live_color:
  description:
    - Color receiving all production traffic after the switch.
    - During a canary (RV(state=in_progress)) the color with the larger share,
      V(null) for an even split.
  returned: always
  type: str
  sample: green
idle_color:
  description: The other color; V(null) when RV(live_color) is.
  returned: always
  type: str
  sample: blue
state:
  description:
    - V(live) when one color receives all production traffic, V(in_progress)
      when both receive some.
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
  description: Healthy and registered target counts per color, read before the switch.
  returned: always
  type: dict
  sample: {"blue": {"healthy": 2, "total": 2}, "green": {"healthy": 2, "total": 2}}
  contains:
    blue:
      description: Target counts of the blue target group.
      type: dict
      returned: always
      contains:
        healthy:
          description: Targets whose health state is C(healthy).
          type: int
          returned: always
          sample: 2
        total:
          description: All registered targets, whatever their state.
          type: int
          returned: always
          sample: 2
    green:
      description: Target counts of the green target group, as for RV(health.blue).
      type: dict
      returned: always
listener_arn:
  description: ARN of the production listener.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2
test_listener_arn:
  description: ARN of the test listener; V(null) without O(test_listener_port).
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/0467ef3c8400ae65
timeline:
  description:
    - One entry per step, in order. Without O(steps), a single step.
  returned: always
  type: list
  elements: dict
  sample: [{"step": 1, "weight": 10, "changed": true, "started_at": "2026-11-22T22:40:00.000000Z",
            "ended_at": "2026-11-22T22:41:00.000000Z", "alarms": {"web-green-5xx": "OK"}, "outcome": "passed"}]
  contains:
    step:
      description: Step number, from 1.
      type: int
      returned: always
    weight:
      description: Percent of production traffic for O(color) in this step.
      type: int
      returned: always
    changed:
      description: Whether this step changed the listener.
      type: bool
      returned: always
    started_at:
      description: When the step's weight was set (UTC).
      type: str
      returned: always
    ended_at:
      description: When the step's pause ended, or the alarm was seen (UTC).
      type: str
      returned: always
    alarms:
      description: State of each watched alarm at the end of the step.
      type: dict
      returned: always
    outcome:
      description:
        - V(passed), V(predicted) (check mode), V(alarm) (the step that was rolled back) or
          V(not_verified) (the last step, rolled back because O(verify_url) never showed the new version).
      type: str
      returned: always
    restored_at:
      description: When the weights were restored after an alarm or a failed probe (UTC).
      type: str
      returned: when the weights were restored
preview_color:
  description: Color the preview rule sends header-routed requests to; V(null) without O(preview_header).
  returned: always
  type: str
  sample: blue
verification:
  description:
    - What the probe of O(verify_url) saw; V(null) when it did not run.
    - On failure it is returned with the error, after the weights were restored.
  returned: always
  type: dict
  sample: {"url": "https://www.example.com/version", "ok": true, "attempts": 3, "elapsed": 4.1,
           "last": {"at": "2026-11-22T22:41:05.000000Z", "ok": true, "why": "new version answered",
                    "status": 200, "body": "1.4.0"},
           "progress": [{"at": "2026-11-22T22:41:01.000000Z", "ok": false, "why": "body does not contain '1.4.0'",
                         "status": 200, "body": "1.3.2"}]}
  contains:
    url:
      description: The URL asked.
      type: str
    timeout:
      description: The O(verify_timeout) it ran with.
      type: int
    ok:
      description: Whether the new version answered in time.
      type: bool
    attempts:
      description: Requests made.
      type: int
    elapsed:
      description: Seconds from the first request to the last answer.
      type: float
    last:
      description: The last attempt (C(at), C(ok), C(why), C(status), C(body) excerpt).
      type: dict
    progress:
      description: The last 20 attempts, oldest first, as RV(verification.last).
      type: list
      elements: dict
lock:
  description:
    - The deployment lock this task took (with its C(token)), when O(lock) was given and the
      task had something to write; V(null) otherwise. Returned on failure too, so it can be released.
  returned: always
  type: dict
  sample: {"state": "held", "application": "web", "holder": "alice@ops-1", "operation": "switch to green",
           "token": "4f9c1c0e6f7a4d0f9d2b1c3e5a7b9d1f", "acquired_at": "2026-11-22T22:40:00Z",
           "expires_at": "2026-11-22T23:10:00Z"}
lock_etag:
  description: The ETag of the lock object as this task wrote it; give it to the release with RV(lock).
  returned: always
  type: str
  sample: '"6805f2cfc46c0f04559748bb039d69ae"'
rolled_back:
  description: Whether an alarm or a failed O(verify_url) probe made the module restore O(restore_weights).
  returned: always
  type: bool
  sample: false
test_listener_color:
  description:
    - Color the test listener forwards all its traffic to after the switch.
    - V(null) without O(test_listener_port), or when it does not forward to a single color.
  returned: always
  type: str
  sample: blue
"""

import time
import uuid
from datetime import datetime
from datetime import timezone

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

from ansible_collections.bluegreen.aws.plugins.module_utils import analysis
from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils import verify as verification
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import describe_alarm_states
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import create_rule
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_listeners
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_rules
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import modify_listener
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import modify_rule
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import ListenerError
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import actions_match
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import check_listener_ownership
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import desired_default_actions
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import find_preview_rule
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import free_rule_priority
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import health_gate
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import listener_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import normalize_weights
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import other_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import preview_actions
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import preview_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import preview_conditions
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import preview_matches
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import traffic_state
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import validate_switch_request
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import weights_by_color
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import LockHeld
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import acquire
from ansible_collections.bluegreen.aws.plugins.module_utils.lock_ops import default_holder
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import resolve_traffic_path
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import traffic_path_argument_spec
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import validate_ports


def ensure_default_actions(client, listener, desired_actions, check_mode, before_write=None):
    """Returns ``(changed, default_actions_after)``; writes only when they differ and not in check mode.

    ``before_write()`` is called right before the write (it takes the lock).
    """
    if actions_match(listener["DefaultActions"], desired_actions):
        return False, listener["DefaultActions"]
    if check_mode:
        return True, desired_actions
    if before_write is not None:
        before_write()
    return True, modify_listener(client, listener["ListenerArn"], desired_actions)["DefaultActions"]


class LockGate:
    """Takes the deployment lock once, before the first write; then checks the listeners did not change.

    ``take()`` returns the result of ``lock_ops.acquire``; ``reread()`` the
    listeners of the load balancer. Raises ListenerError when the production
    or test listener changed between the first read and the lock.
    """

    def __init__(self, take, reread, path):
        self.take, self.reread, self.path = take, reread, path
        self.taken = None

    def __call__(self):
        if self.taken is not None:
            return
        self.taken = self.take()
        fresh = {listener["ListenerArn"]: listener["DefaultActions"] for listener in self.reread()}
        for each in (self.path["listener"], self.path["test_listener"]):
            if each is not None and not actions_match(fresh.get(each["ListenerArn"], []), each["DefaultActions"]):
                raise ListenerError(
                    f"Listener {each['ListenerArn']} changed while this run was taking the lock (another run "
                    "finished in between); nothing was written. Run again to act on the new state."
                )


def describe_traffic(production_actions, test_actions, arns_by_color, has_test_listener):
    """What the listeners do, in colors: the diff and the result are built from this."""
    weights_by_arn = normalize_weights(production_actions)
    state, live, idle = traffic_state(weights_by_arn, arns_by_color)
    traffic = dict(weights=weights_by_color(weights_by_arn, arns_by_color), state=state, live_color=live, idle_color=idle)
    if has_test_listener:
        traffic["test_listener_color"] = listener_color(test_actions, arns_by_color)
    return traffic


class SwitchRolledBack(Exception):
    """An alarm fired during a step, or the new version never answered; the listeners have been restored."""

    def __init__(self, message, after, timeline, verified=None):
        super().__init__(message)
        self.after = after
        self.timeline = timeline
        self.verified = verified


def fetch_answer(url, validate_certs, timeout):
    """One GET of ``url``: ``{status, headers, body}``, or ``{error}`` when nothing usable came back."""
    try:
        response = open_url(url, method="GET", validate_certs=validate_certs, timeout=timeout,
                            headers={"Cache-Control": "no-cache"}, follow_redirects="safe")
        status, headers, raw = response.getcode(), dict(response.headers.items()), response.read(65536)
    except HTTPError as e:
        status, headers, raw = e.code, dict(e.headers.items()) if e.headers else {}, e.read()[:65536] if e.fp else b""
    except Exception as e:  # noqa: BLE001 - refused, reset, DNS, TLS, timeout: all mean "not answering yet"
        return dict(error=f"{type(e).__name__}: {e}")
    return dict(status=status, headers=headers, body=raw.decode("utf-8", "replace"))


def check_listeners(path):
    for each in (path["listener"], path["test_listener"]):
        if each is not None:
            check_listener_ownership(each["ListenerArn"], each["DefaultActions"], path["arns_by_color"])


def ensure_switched(client, path, color, plan, min_healthy, check_mode, watch=None, restore_weights=None,
                    sticky_seconds=0, verify=None, before_write=None):
    """Go through ``plan`` (validated steps), health-gated, watching alarms in pauses.

    ``watch(pause)`` returns ``(fired, states)``; None means no alarms to watch.
    ``verify()`` returns the probe result (``verify.probe``); it runs after the
    last step when ``color`` got all the traffic and something changed.
    Returns ``(changed, before, after, timeline, verified)``; raises SwitchRolledBack
    after restoring the production listener when an alarm fires, or both
    listeners when the probe fails.
    """
    arns_by_color = path["arns_by_color"]
    listener, test_listener = path["listener"], path["test_listener"]
    check_listeners(path)
    has_test = test_listener is not None
    test_before = test_listener["DefaultActions"] if has_test else None
    before = describe_traffic(listener["DefaultActions"], test_before, arns_by_color, has_test)
    restore_actions = (
        desired_default_actions("blue", restore_weights["blue"], arns_by_color)
        if restore_weights else listener["DefaultActions"]
    )

    # Every step's health gate is checked before the first write.
    for step in plan:
        if not actions_match(listener["DefaultActions"],
                             desired_default_actions(color, step["weight"], arns_by_color, sticky_seconds)):
            refusal = health_gate(color, step["weight"], path["health"][color], min_healthy)
            if refusal:
                raise ListenerError(refusal)

    changed, current, timeline = False, listener, []
    for number, step in enumerate(plan, 1):
        desired = desired_default_actions(color, step["weight"], arns_by_color, sticky_seconds)
        entry = dict(step=number, weight=step["weight"], started_at=analysis.utc_now(), alarms={})
        entry["changed"], actions = ensure_default_actions(client, current, desired, check_mode, before_write)
        changed = changed or entry["changed"]
        current = dict(current, DefaultActions=actions)
        fired = []
        if check_mode:
            entry["outcome"] = "predicted"
        elif step["pause"] and watch is not None:
            fired, entry["alarms"] = watch(step["pause"])
            entry["outcome"] = "alarm" if fired else "passed"
        else:
            time.sleep(step["pause"])
            entry["outcome"] = "passed"
        entry["ended_at"] = analysis.utc_now()
        timeline.append(entry)
        if fired:
            restored = ensure_default_actions(client, current, restore_actions, False)[1]
            entry["restored_at"] = analysis.utc_now()
            after = describe_traffic(restored, test_before, arns_by_color, has_test)
            message = analysis.rollback_message(fired, number, color, step["weight"], after["weights"])
            raise SwitchRolledBack(message, after, timeline)

    test_after = test_before
    if has_test and plan[-1]["weight"] == 100:
        idle_actions = desired_default_actions(other_color(color), 100, arns_by_color)
        test_changed, test_after = ensure_default_actions(client, test_listener, idle_actions, check_mode,
                                                          before_write)
        changed = changed or test_changed

    verified = None
    if verify is not None and changed and not check_mode and plan[-1]["weight"] == 100:
        verified = verify()
        if not verified["ok"]:
            restored = ensure_default_actions(client, current, restore_actions, False)[1]
            if has_test:
                test_now = dict(test_listener, DefaultActions=test_after)
                test_after = ensure_default_actions(client, test_now, test_before, False)[1]
            timeline[-1].update(outcome="not_verified", restored_at=analysis.utc_now())
            after = describe_traffic(restored, test_after, arns_by_color, has_test)
            message = verification.failure_message(verified, after["weights"])
            raise SwitchRolledBack(message, after, timeline, verified)

    after = describe_traffic(current["DefaultActions"], test_after, arns_by_color, has_test)
    return changed, before, after, timeline, verified


def ensure_preview(client, path, header, priority, color, final_weight, check_mode, before_write=None):
    """Point the header-routed preview rule at the idle color. Returns ``(changed, color_before, color_after)``."""
    arns_by_color = path["arns_by_color"]
    listener_arn = path["listener"]["ListenerArn"]
    rules = describe_rules(client, listener_arn)
    rule = find_preview_rule(rules, header)
    before = preview_color(rule, arns_by_color)
    if final_weight < 100 and rule is not None:
        return False, before, before  # a canary leaves the preview alone
    wanted = other_color(color) if final_weight == 100 else color
    if preview_matches(rule, header, wanted, arns_by_color):
        return False, before, wanted
    if not check_mode:
        if before_write is not None:
            before_write()
        conditions, actions = preview_conditions(header, wanted), preview_actions(arns_by_color[wanted])
        if rule is None:
            create_rule(client, listener_arn, free_rule_priority(rules, priority), conditions, actions)
        else:
            modify_rule(client, rule["RuleArn"], conditions, actions)
    return True, before, wanted


def validate_request(params):
    """The step plan; raises ListenerError / AnalysisError naming the bad value."""
    weight = 100 if params["weight"] is None else params["weight"]
    validate_switch_request(params["color"], weight, params["min_healthy"])
    plan = analysis.validate_steps(params["steps"]) if params["steps"] else [dict(weight=weight, pause=0)]
    analysis.validate_poll_interval(params["poll_interval"])
    if params["verify_url"]:
        verification.validate(params["verify_url"], params["verify_body"], params["verify_headers"],
                              params["verify_timeout"], params["verify_interval"])
    elif params["verify_body"] or params["verify_headers"]:
        raise ListenerError("verify_body and verify_headers need verify_url: the URL to ask for the new version")
    if params["lock"]:
        try:
            locks.validate(params["lock"]["ttl"])
        except ValueError as e:
            raise ListenerError(f"lock.{e}") from None
    restore = params["restore_weights"]
    if restore is not None:
        if any(not 0 <= restore[c] <= 100 for c in ("blue", "green")) or restore["blue"] + restore["green"] != 100:
            raise ListenerError(f"restore_weights must be two percentages adding up to 100, got {restore}")
    return plan


def main():
    argument_spec = traffic_path_argument_spec()
    argument_spec.update(
        color=dict(type="str", required=True, choices=["blue", "green"]),
        weight=dict(type="int"),
        steps=dict(
            type="list",
            elements="dict",
            options=dict(weight=dict(type="int", required=True), pause=dict(type="int", default=0)),
        ),
        alarms=dict(type="list", elements="str", default=[]),
        poll_interval=dict(type="int", default=5),
        restore_weights=dict(
            type="dict",
            options=dict(blue=dict(type="int", required=True), green=dict(type="int", required=True)),
        ),
        stickiness_duration=dict(type="int", default=0),
        preview_header=dict(type="str"),
        preview_priority=dict(type="int", default=10),
        verify_url=dict(type="str"),
        verify_body=dict(type="str"),
        verify_headers=dict(type="dict"),
        verify_timeout=dict(type="int", default=60),
        verify_interval=dict(type="int", default=2),
        verify_validate_certs=dict(type="bool", default=True),
        lock=dict(
            type="dict",
            options=dict(
                bucket=dict(type="str", required=True),
                application=dict(type="str", required=True),
                operation=dict(type="str", required=True),
                holder=dict(type="str"),
                ttl=dict(type="int", default=1800),
                prefix=dict(type="str", default="locks/"),
            ),
        ),
        min_healthy=dict(type="int", default=1),
    )
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[("weight", "steps")]
    )
    params = module.params

    try:
        plan = validate_request(params)
    except (ListenerError, analysis.AnalysisError, verification.VerifyError) as e:
        module.fail_json(msg=str(e))
    port_problem = validate_ports(params["listener_port"], params["test_listener_port"])
    if port_problem:
        module.fail_json(msg=port_problem)

    client = module.client("elbv2")
    path = gate = None
    try:
        path = resolve_traffic_path(
            client,
            params["load_balancer_name"],
            params["listener_port"],
            params["test_listener_port"],
            params["target_groups"],
        )
        watch = None
        if params["alarms"]:
            cloudwatch = module.client("cloudwatch")
            states = describe_alarm_states(cloudwatch, params["alarms"])
            refusal = analysis.preflight_message(params["alarms"], states, params["color"])
            if refusal:
                module.fail_json(msg=refusal, alarms=states, health=path["health"])

            def watch(pause):
                fired, last, _polls = analysis.watch_alarms(
                    lambda: describe_alarm_states(cloudwatch, params["alarms"]), pause, params["poll_interval"]
                )
                return fired, last

        verify = make_verify(params) if params["verify_url"] else None
        if params["lock"]:
            gate = make_lock_gate(module, client, path, params["lock"])
        changed, before, after, timeline, verified = ensure_switched(
            client, path, params["color"], plan, params["min_healthy"], module.check_mode,
            watch=watch, restore_weights=params["restore_weights"], sticky_seconds=params["stickiness_duration"],
            verify=verify, before_write=gate,
        )
        previewed = None
        if params["preview_header"]:
            preview_changed, before["preview_color"], previewed = ensure_preview(
                client, path, params["preview_header"], params["preview_priority"], params["color"],
                plan[-1]["weight"], module.check_mode, gate,
            )
            changed = changed or preview_changed
            after["preview_color"] = previewed
    except AnsibleBlueGreenAWSError as e:
        if e.exception:
            module.fail_json_aws(e.exception, msg=e.message, **held_lock(gate))
        module.fail_json(msg=e.message, **held_lock(gate))
    except LockHeld as e:
        module.fail_json(msg=str(e), holder=e.lock, health=path["health"], lock=None, lock_etag=None)
    except ListenerError as e:
        module.fail_json(msg=str(e), health=path["health"] if path else None, **held_lock(gate))
    except SwitchRolledBack as e:
        module.fail_json(
            msg=str(e), changed=True, rolled_back=True, timeline=e.timeline, weights=e.after["weights"],
            live_color=e.after["live_color"], state=e.after["state"], health=path["health"],
            verification=e.verified, **held_lock(gate),
        )

    result = dict(
        changed=changed,
        live_color=after["live_color"],
        idle_color=after["idle_color"],
        state=after["state"],
        weights=after["weights"],
        previous_weights=before["weights"],
        health=path["health"],
        listener_arn=path["listener"]["ListenerArn"],
        test_listener_arn=path["test_listener"]["ListenerArn"] if path["test_listener"] else None,
        test_listener_color=after.get("test_listener_color"),
        timeline=timeline,
        preview_color=previewed,
        verification=verified,
        rolled_back=False,
        **held_lock(gate),
    )
    if module._diff:
        result["diff"] = dict(before=_diff_view(before), after=_diff_view(after))
    module.exit_json(**result)


def make_lock_gate(module, client, path, options):
    """The before-write hook that takes the application's lock (see LockGate)."""
    s3 = module.client("s3")

    def take():
        now = datetime.now(timezone.utc)
        result = acquire(
            s3, options["bucket"], locks.lock_key(options["prefix"], options["application"]), options["application"],
            options["holder"] or default_holder(), options["operation"], options["ttl"], now, uuid.uuid4().hex,
        )
        for warning in result["warnings"]:
            module.warn(warning)
        return result

    return LockGate(take, lambda: describe_listeners(client, path["load_balancer"]["LoadBalancerArn"]), path)


def held_lock(gate):
    """``lock`` and ``lock_etag`` of the result: the lock the task took, if any."""
    if gate is None or gate.taken is None:
        return dict(lock=None, lock_etag=None)
    return dict(lock=gate.taken["lock"], lock_etag=gate.taken["etag"])


def make_verify(params):
    """The probe of ``verify_url`` as a no-argument callable for ensure_switched."""
    url, timeout = params["verify_url"], params["verify_timeout"]

    def verify():
        result = verification.probe(
            lambda: fetch_answer(url, params["verify_validate_certs"], min(10, timeout)),
            params["verify_body"], params["verify_headers"], timeout, params["verify_interval"],
        )
        result.update(url=url, timeout=timeout)
        return result

    return verify


def _diff_view(traffic):
    keys = ("weights", "live_color", "test_listener_color", "preview_color")
    return {key: traffic[key] for key in keys if key in traffic}


if __name__ == "__main__":
    main()

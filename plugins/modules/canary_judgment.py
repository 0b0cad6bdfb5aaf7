#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: canary_judgment
version_added: 0.1.0
short_description: Judge a canary color against the baseline color from their target-group metrics
description:
  - Reads the Application Load Balancer metrics of both target groups over the same window with one
    C(GetMetricData) call (C(RequestCount), C(HTTPCode_Target_5XX_Count), C(TargetResponseTime),
    dimensioned by C(LoadBalancer) and C(TargetGroup)) and decides V(pass), V(fail) or V(inconclusive)
    per metric.
  - C(error_rate) (5xx / requests) is compared with a one-sided two-proportion test on the counts,
    C(latency) with a one-sided Mann-Whitney U test over the per-period values. A metric fails only
    when the canary is worse with O(confidence) I(and) by more than its margin.
  - Too few requests or samples, or no data at all, is V(inconclusive), never V(pass);
    O(inconclusive) says whether that counts as a pass or a fail in RV(decision).
  - The module only reads. It fails the task only with O(fail_on_fail=true); otherwise the caller
    (a release flow's watcher) decides what a V(fail) means.
  - See C(docs/JUDGMENT.md) for the method and its limits (ALB metrics are per minute).
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application:
    description:
      - The application; names the load balancer V({application}-alb) and the target groups
        V({application}-blue) and V({application}-green) by the project's convention, unless
        O(load_balancer_name) or O(target_groups) say otherwise.
      - Required unless both O(load_balancer_name) and O(target_groups) are given.
    type: str
  load_balancer_name:
    description: Name or ARN of the Application Load Balancer in front of both colors.
    type: str
  target_groups:
    description: The two target groups of the application.
    type: dict
    suboptions:
      blue:
        description: Name or ARN of the blue target group.
        type: str
        required: true
      green:
        description: Name or ARN of the green target group.
        type: str
        required: true
  canary_color:
    description: The color that receives the canary's share of traffic; the other color is the baseline.
    type: str
    required: true
    choices: [blue, green]
  window_seconds:
    description:
      - Judge the last this many seconds (until now). At least one O(period).
      - Mutually exclusive with O(start_time).
    type: int
  start_time:
    description: Start of the window, ISO 8601 (V(2026-12-02T07:30:00Z)); without a zone, UTC.
    type: str
  end_time:
    description: End of the window, ISO 8601; default now. Only with O(start_time).
    type: str
  period:
    description:
      - Length of one sample in seconds. ALB metrics are published per minute, so V(60) (or a
        multiple) on AWS; 1, 5, 10 and 30 are accepted for high-resolution custom metrics.
    type: int
    default: 60
  metrics:
    description: The metrics to judge.
    type: list
    elements: str
    choices: [error_rate, latency]
    default: [error_rate, latency]
  confidence:
    description: Confidence a metric needs to fail (one minus the p-value), at least 0.5 and below 1.
    type: float
    default: 0.95
  error_rate_margin:
    description:
      - Relative increase of the error rate that must be exceeded to fail (V(0.2) is +20%). When the
        baseline has no errors, any significant error rate of the canary exceeds it.
    type: float
    default: 0.2
  latency_margin:
    description: Ratio of the median latencies above 1 that must be exceeded to fail (V(0.2) is +20%).
    type: float
    default: 0.2
  latency_statistic:
    description: The statistic of C(TargetResponseTime) per period that forms the latency samples.
    type: str
    choices: [Average, Maximum, p50, p90, p95, p99]
    default: Average
  min_requests:
    description: Requests each color needs in the window for the error rate to be judged; at least 1.
    type: int
    default: 100
  min_samples:
    description: Periods with data each color needs for the latency to be judged; at least 2.
    type: int
    default: 5
  inconclusive:
    description: What an V(inconclusive) verdict counts as in RV(decision).
    type: str
    choices: [pass, fail]
    default: fail
  fail_on_fail:
    description: Fail the task when RV(decision) is V(fail), with a message naming each failed metric, both values and the confidence.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so it judges in check mode too.
  diff_mode:
    support: N/A
    details: The module makes no changes.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Judge green against blue over the last 10 minutes (web-alb, web-blue, web-green by convention)
  bluegreen.aws.canary_judgment:
    application: web
    canary_color: green
    window_seconds: 600

- name: Judge green (10% canary) against blue over the step's pause
  bluegreen.aws.canary_judgment:
    load_balancer_name: web-alb
    target_groups:
      blue: web-blue
      green: web-green
    canary_color: green
    window_seconds: 600
    confidence: 0.95
    min_requests: 200
  register: web_judgment

- name: The same, failing the task on a failed judgment (inconclusive counts as a pass)
  bluegreen.aws.canary_judgment:
    load_balancer_name: web-alb
    target_groups:
      blue: web-blue
      green: web-green
    canary_color: green
    start_time: "2026-12-02T07:30:00Z"
    end_time: "2026-12-02T07:40:00Z"
    metrics: [error_rate]
    inconclusive: pass
    fail_on_fail: true
"""

RETURN = r"""
verdict:
  description: V(fail) when a metric fails, else V(inconclusive) when one is inconclusive, else V(pass).
  returned: always
  type: str
  sample: fail
decision:
  description: V(pass) or V(fail); RV(verdict) with V(inconclusive) replaced by O(inconclusive).
  returned: always
  type: str
  sample: fail
msg:
  description: One line per metric with its verdict, both values and the confidence; on V(fail), why.
  returned: always
  type: str
  sample: >-
    Canary judgment failed: error_rate fail: canary green 3.00% (30/1000), baseline blue 1.00% (10/1000),
    confidence 99.93% (required 95%, margin +20%) - canary error rate 3.00% > baseline 1.00% ...
judgments:
  description: One entry per metric judged, with its evidence.
  returned: always
  type: list
  elements: dict
  contains:
    metric:
      description: V(error_rate) or V(latency).
      type: str
    verdict:
      description: V(pass), V(fail) or V(inconclusive).
      type: str
    canary:
      description: The canary's value (error rate 0..1, or median latency in seconds); V(null) without data.
      type: float
    baseline:
      description: The baseline's value, as RV(judgments[].canary).
      type: float
    p_value:
      description: The one-sided p-value; V(null) when no test ran.
      type: float
    confidence:
      description: One minus the p-value; V(null) when no test ran.
      type: float
    required_confidence:
      description: O(confidence).
      type: float
    margin:
      description: The metric's margin.
      type: float
    effect:
      description: Canary value / baseline value; V(null) when the baseline is 0 and the canary is not.
      type: float
    reason:
      description: Why this verdict.
      type: str
  sample:
    - {"metric": "error_rate", "verdict": "fail", "canary": 0.03, "baseline": 0.01, "p_value": 0.0007,
       "confidence": 0.9993, "required_confidence": 0.95, "margin": 0.2, "effect": 3.0,
       "canary_errors": 30, "canary_requests": 1000, "baseline_errors": 10, "baseline_requests": 1000,
       "reason": "canary error rate 3.00% > baseline 1.00% by more than the margin (+20%), at 99.93% confidence"}
canary_color:
  description: The canary color.
  returned: always
  type: str
  sample: green
baseline_color:
  description: The baseline color.
  returned: always
  type: str
  sample: blue
window:
  description: The window judged (UTC) and the period.
  returned: always
  type: dict
  sample: {"start": "2026-12-02T07:30:00Z", "end": "2026-12-02T07:40:00Z", "period": 60}
data:
  description: What was read per color (C(canary), C(baseline)) - requests, errors, latency samples and periods with requests.
  returned: always
  type: dict
  sample: {"canary": {"requests": 1000, "errors": 30, "latency": [0.2, 0.21], "periods": 5}}
"""

from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import judgment
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_metric_calls import get_metric_data
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_load_balancer
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_group
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_target_groups
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import is_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule

ROLES = ("canary", "baseline")


def argument_spec():
    return dict(
        application=dict(type="str"),
        load_balancer_name=dict(type="str"),
        target_groups=dict(type="dict", options=dict(
            blue=dict(type="str", required=True), green=dict(type="str", required=True))),
        canary_color=dict(type="str", required=True, choices=["blue", "green"]),
        window_seconds=dict(type="int"),
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        period=dict(type="int", default=60),
        metrics=dict(type="list", elements="str", choices=list(judgment.METRICS), default=list(judgment.METRICS)),
        confidence=dict(type="float", default=0.95),
        error_rate_margin=dict(type="float", default=0.2),
        latency_margin=dict(type="float", default=0.2),
        latency_statistic=dict(type="str", choices=list(judgment.LATENCY_STATISTICS), default="Average"),
        min_requests=dict(type="int", default=100),
        min_samples=dict(type="int", default=5),
        inconclusive=dict(type="str", choices=["pass", "fail"], default="fail"),
        fail_on_fail=dict(type="bool", default=False),
    )


def traffic_path(params):
    """``(load_balancer_name, target_groups)``: as given, else by convention from ``application``; None when neither."""
    app = params["application"]
    load_balancer = params["load_balancer_name"] or (f"{app}-alb" if app else None)
    target_groups = params["target_groups"] or ({c: f"{app}-{c}" for c in ("blue", "green")} if app else None)
    return load_balancer, target_groups


def dimensions(client, load_balancer_name, target_groups):
    """``(LoadBalancer dimension, {color: TargetGroup dimension})``; no AWS call for ARNs."""
    lb_arn = load_balancer_name
    if not is_arn(load_balancer_name):
        load_balancer = describe_load_balancer(client, load_balancer_name)
        if load_balancer is None:
            raise AnsibleBlueGreenAWSError(message=f"Load balancer {load_balancer_name} not found in this region")
        lb_arn = load_balancer["LoadBalancerArn"]
    arns = dict(target_groups)
    names = [target_groups[c] for c in ("blue", "green") if not is_arn(target_groups[c])]
    # One call for both names; when one is missing that call fails as a whole, so ask one by one to name it.
    found = {g["TargetGroupName"]: g["TargetGroupArn"] for g in (describe_target_groups(client, names) if names else [])
             or []}
    for color in ("blue", "green"):
        if is_arn(target_groups[color]):
            continue
        if target_groups[color] not in found:
            group = describe_target_group(client, target_groups[color])
            if group is None:
                raise AnsibleBlueGreenAWSError(
                    message=f"Target group {target_groups[color]} (target_groups.{color}) not found")
            found[target_groups[color]] = group["TargetGroupArn"]
        arns[color] = found[target_groups[color]]
    return (judgment.load_balancer_dimension(lb_arn),
            {color: judgment.target_group_dimension(arns[color]) for color in ("blue", "green")})


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("window_seconds", "start_time")],
        required_one_of=[("window_seconds", "start_time")],
        required_by=dict(end_time="start_time"),
        supports_check_mode=True,
    )
    params = module.params
    canary_color = params["canary_color"]
    baseline_color = "blue" if canary_color == "green" else "green"
    load_balancer_name, target_groups = traffic_path(params)
    if not load_balancer_name or not target_groups:
        module.fail_json(msg="application is required unless load_balancer_name and target_groups are both given")
    if target_groups["blue"] == target_groups["green"]:
        module.fail_json(msg=f"target_groups.blue and target_groups.green are the same: {target_groups['blue']}")
    try:
        judgment.validate(params["confidence"], params["error_rate_margin"], params["latency_margin"],
                          params["min_requests"], params["min_samples"], params["period"], params["metrics"],
                          params["latency_statistic"])
        start, end = judgment.time_window(datetime.now(timezone.utc), params["window_seconds"],
                                          params["start_time"], params["end_time"], params["period"])
    except judgment.JudgmentError as e:
        module.fail_json(msg=str(e))

    try:
        load_balancer, by_color = dimensions(module.client("elbv2"), load_balancer_name, target_groups)
        queries = judgment.metric_queries(
            load_balancer, dict(canary=by_color[canary_color], baseline=by_color[baseline_color]),
            params["period"], params["latency_statistic"])
        results = get_metric_data(module.client("cloudwatch"), queries, start, end,
                                  what=f"{canary_color} and {baseline_color} of {load_balancer}")
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)

    read = judgment.read_results(results, ROLES)
    judgments = judgment.judge(read, params["metrics"], params["confidence"], params["error_rate_margin"],
                               params["latency_margin"], params["min_requests"], params["min_samples"])
    verdict = judgment.combine(judgments)
    decision = judgment.decide(verdict, params["inconclusive"])
    if decision == judgment.FAIL:
        msg = judgment.failure_message(judgments, decision, canary_color, baseline_color)
    else:
        msg = f"Canary judgment {verdict}" + (f" (counted as {decision})" if verdict != decision else "") + ": " + \
            "; ".join(judgment.describe(j, canary_color, baseline_color) for j in judgments)
    result = dict(
        changed=False, verdict=verdict, decision=decision, msg=msg, judgments=judgments,
        canary_color=canary_color, baseline_color=baseline_color, data=read,
        window=dict(start=start.strftime("%Y-%m-%dT%H:%M:%SZ"), end=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    period=params["period"]),
    )
    if decision == judgment.FAIL and params["fail_on_fail"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

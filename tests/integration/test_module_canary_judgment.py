"""bluegreen.aws.canary_judgment against the emulator.

Synthetic ALB metrics for both target groups are written with PutMetricData
(the emulator returns them through GetMetricData, dimensioned by LoadBalancer
and TargetGroup as ALB publishes them), then the module reads them back and
judges. The emulator does not compute percentile statistics, so these tests use
the default ``Average`` for the latency.

The emulator is not reset for this file (a reset reloads the IAM managed
policies and takes seconds, and CloudWatch keeps no per-test state anyway):
each test gets a load balancer and target groups of its own, so metrics of
its own.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import uuid

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import canary_judgment

MINUTES = 8


@pytest.fixture(scope="module")
def _emulator_once(emulator_server):
    return emulator_server


@pytest.fixture
def aws(_emulator_once):
    """Overrides conftest's ``aws`` (a reset per test) for this file: see the module docstring."""
    return _emulator_once


@pytest.fixture
def bluegreen_stack(aws):
    """An ALB and blue/green target groups with names of the test's own (no listener, no instances: not needed)."""
    ec2, elbv2 = aws.client("ec2"), aws.client("elbv2")
    suffix = uuid.uuid4().hex[:8]
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.30.1.0/24", "us-east-1a"), ("10.30.2.0/24", "us-east-1b"))]
    name = f"web-{suffix}"
    lb_arn = elbv2.create_load_balancer(Name=f"{name}-alb", Subnets=subnets, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"]
    arns = {color: elbv2.create_target_group(Name=f"{name}-{color}", Protocol="HTTP", Port=80, VpcId=vpc_id,
                                             TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
            for color in ("blue", "green")}
    return dict(application=name, load_balancer_name=f"{name}-alb", load_balancer_arn=lb_arn, target_group_arns=arns,
                target_group_names={color: f"{name}-{color}" for color in arns})


def dimensions(stack, color):
    lb = stack["load_balancer_arn"].split(":loadbalancer/", 1)[1]
    tg = stack["target_group_arns"][color].rsplit(":", 1)[1]
    return [dict(Name="LoadBalancer", Value=lb), dict(Name="TargetGroup", Value=tg)]


def write_metrics(aws, stack, color, requests, errors, latency, minutes=MINUTES):
    """One datapoint per minute for the last ``minutes`` minutes: requests, 5xx (when any) and response time."""
    cloudwatch = aws.client("cloudwatch")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    for minute in range(1, minutes + 1):
        at = now - timedelta(minutes=minute)
        data = [dict(MetricName="RequestCount", Dimensions=dimensions(stack, color), Timestamp=at, Value=requests,
                     Unit="Count"),
                dict(MetricName="TargetResponseTime", Dimensions=dimensions(stack, color), Timestamp=at,
                     Value=latency + 0.001 * minute, Unit="Seconds")]
        if errors:
            data.append(dict(MetricName="HTTPCode_Target_5XX_Count", Dimensions=dimensions(stack, color), Timestamp=at,
                             Value=errors, Unit="Count"))
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data)


def judge(run_module, stack, **extra):
    args = dict(load_balancer_name=stack["load_balancer_name"], target_groups=stack["target_group_names"],
                canary_color="green", window_seconds=900)
    args.update(extra)
    args = {k: v for k, v in args.items() if v is not None}
    return run_module(canary_judgment.main, args)


def test_three_times_the_baseline_error_rate_fails_naming_metric_and_rates(run_module, bluegreen_stack, aws, aws_calls):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=15, latency=0.20)
    ok, result = judge(run_module, bluegreen_stack, fail_on_fail=True)
    assert not ok
    assert result["verdict"] == "fail" and result["decision"] == "fail"
    assert "error_rate fail" in result["msg"]
    assert "canary green 3.00% (120/4000)" in result["msg"] and "baseline blue 1.00% (40/4000)" in result["msg"]
    assert "confidence >99.99% (p=" in result["msg"] and "required 95%" in result["msg"]
    error_rate = result["judgments"][0]
    assert error_rate["canary"] == pytest.approx(0.03) and error_rate["baseline"] == pytest.approx(0.01)
    assert result["judgments"][1]["verdict"] == "pass"  # same latency
    assert sorted(aws_calls.operations()) == ["DescribeLoadBalancers", "DescribeTargetGroups", "GetMetricData"]


def test_without_fail_on_fail_a_failed_judgment_is_returned(run_module, bluegreen_stack, aws):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=15, latency=0.20)
    ok, result = judge(run_module, bluegreen_stack)
    assert ok and result["decision"] == "fail" and result["changed"] is False


def test_equal_rates_pass(run_module, bluegreen_stack, aws):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=5, latency=0.20)
    ok, result = judge(run_module, bluegreen_stack, fail_on_fail=True)
    assert ok, result["msg"]
    assert result["verdict"] == "pass" and result["decision"] == "pass"
    assert [j["verdict"] for j in result["judgments"]] == ["pass", "pass"]
    assert result["data"]["canary"]["requests"] == 4000 and result["data"]["baseline"]["periods"] == MINUTES


def test_slower_canary_fails_on_latency(run_module, bluegreen_stack, aws):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=0, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=0, latency=0.35)
    ok, result = judge(run_module, bluegreen_stack, fail_on_fail=True, metrics=["latency"])
    assert not ok and "latency fail" in result["msg"]
    assert result["judgments"][0]["canary"] > 0.35 and result["judgments"][0]["baseline"] < 0.21


def test_no_data_is_inconclusive(run_module, bluegreen_stack):
    ok, result = judge(run_module, bluegreen_stack, inconclusive="pass", fail_on_fail=True)
    assert ok
    assert result["verdict"] == "inconclusive" and result["decision"] == "pass"
    assert all(j["verdict"] == "inconclusive" for j in result["judgments"])
    ok, result = judge(run_module, bluegreen_stack, fail_on_fail=True)
    assert not ok and "inconclusive (counted as fail)" in result["msg"] and "no data" in result["msg"]


def test_only_the_baseline_has_data_is_inconclusive(run_module, bluegreen_stack, aws):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    ok, result = judge(run_module, bluegreen_stack)
    assert ok and result["verdict"] == "inconclusive"


def test_runs_in_check_mode_with_arns(run_module, bluegreen_stack, aws, aws_calls):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=15, latency=0.20)
    ok, result = judge(run_module, bluegreen_stack, _ansible_check_mode=True, load_balancer_name=bluegreen_stack["load_balancer_arn"],
                       target_groups=bluegreen_stack["target_group_arns"], canary_color="green")
    assert ok and result["verdict"] == "fail"
    assert aws_calls.operations() == ["GetMetricData"]


@pytest.mark.parametrize("extra, words", [
    (dict(confidence=1.5), "confidence must be"),
    (dict(min_requests=0), "min_requests must be at least 1"),
    (dict(period=90), "period must be"),
    (dict(window_seconds=20), "window_seconds must be at least one period"),
    (dict(window_seconds=None, start_time="soon"), "start_time must be an ISO 8601"),
    (dict(target_groups=dict(blue="web-x-blue", green="web-x-blue")), "are the same"),
])
def test_bad_input_is_refused_before_any_call(run_module, bluegreen_stack, aws_calls, extra, words):
    ok, result = judge(run_module, bluegreen_stack, **extra)
    assert not ok and words in result["msg"]
    assert aws_calls.operations() == []


def test_application_names_the_traffic_path_by_convention(run_module, bluegreen_stack, aws):
    write_metrics(aws, bluegreen_stack, "blue", requests=500, errors=5, latency=0.20)
    write_metrics(aws, bluegreen_stack, "green", requests=500, errors=15, latency=0.20)
    ok, result = run_module(canary_judgment.main, dict(
        application=bluegreen_stack["application"], canary_color="green", window_seconds=900))
    assert ok and result["verdict"] == "fail"
    ok, result = run_module(canary_judgment.main, dict(canary_color="green", window_seconds=900))
    assert not ok and "application is required" in result["msg"]


def test_missing_target_group_is_named(run_module, bluegreen_stack):
    ok, result = judge(run_module, bluegreen_stack, target_groups=dict(
        blue=bluegreen_stack["target_group_names"]["blue"], green="web-purple"))
    assert not ok and "web-purple (target_groups.green) not found" in result["msg"]

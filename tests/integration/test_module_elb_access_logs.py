# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.elb_access_logs against the emulator: check mode, diff, run, idempotence, off.

The attributes are read back with boto3 DescribeLoadBalancerAttributes and the
writes are counted. The emulator does not report ``access_logs.s3.enabled`` on
a load balancer that never had access logs (AWS reports "false"); the module
reads a missing attribute as AWS's default, which this test covers.
"""

from __future__ import annotations

import pytest

from conftest import REGION
from ansible_collections.bluegreen.aws.plugins.modules import elb_access_logs


@pytest.fixture
def alb(aws):
    ec2, elbv2 = aws.client("ec2"), aws.client("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.31.1.0/24", REGION + "a"), ("10.31.2.0/24", REGION + "b"))]
    return elbv2.create_load_balancer(Name="logs-alb", Subnets=subnets, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"]


def attributes(aws, arn):
    found = aws.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return {a["Key"]: a["Value"] for a in found if a["Key"].startswith("access_logs.")}


def test_on_check_run_again_off(aws, alb, run_module, aws_calls):
    args = dict(load_balancer="logs-alb", bucket="web-logs-123456789012-us-east-1", prefix="web/alb")
    ok, result = run_module(elb_access_logs.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert ok and result["changed"], result
    assert result["diff"]["before"]["enabled"] is False and result["diff"]["after"] == {
        "enabled": True, "bucket": "web-logs-123456789012-us-east-1", "prefix": "web/alb"}
    assert aws_calls.writes() == [] and attributes(aws, alb).get("access_logs.s3.enabled", "false") == "false"

    ok, result = run_module(elb_access_logs.main, args)
    assert ok and result["changed"] and result["load_balancer_arn"] == alb
    assert aws_calls.writes() == ["ModifyLoadBalancerAttributes"]
    assert attributes(aws, alb) == {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "web-logs-123456789012-us-east-1",
                                    "access_logs.s3.prefix": "web/alb"}

    for check in (True, False):
        ok, result = run_module(elb_access_logs.main, dict(args, load_balancer=alb, _ansible_check_mode=check))
        assert ok and not result["changed"] and aws_calls.writes() == []

    ok, result = run_module(elb_access_logs.main, dict(load_balancer="logs-alb", enabled=False))
    assert ok and result["changed"] and aws_calls.writes() == ["ModifyLoadBalancerAttributes"]
    assert attributes(aws, alb)["access_logs.s3.enabled"] == "false"
    ok, result = run_module(elb_access_logs.main, dict(load_balancer="logs-alb", enabled=False))
    assert ok and not result["changed"] and aws_calls.writes() == []


def test_bad_input_fails_before_any_call(aws, alb, run_module, aws_calls):
    ok, result = run_module(elb_access_logs.main, dict(load_balancer="logs-alb", bucket="", prefix="web/alb"))
    assert not ok and "bucket must be an S3 bucket name when access logs are enabled, got ''" in result["msg"]
    assert aws_calls.operations() == []


def test_missing_load_balancer(aws, run_module, aws_calls):
    ok, result = run_module(elb_access_logs.main, dict(load_balancer="nope-alb", bucket="web-logs", prefix="p"))
    assert not ok and result["msg"] == "Load balancer nope-alb does not exist; create it first."
    ok, result = run_module(elb_access_logs.main, dict(load_balancer="nope-alb", bucket="web-logs", prefix="p",
                                                       _ansible_check_mode=True))
    assert ok and result["changed"] and result["load_balancer_arn"] == "" and aws_calls.writes() == []

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The monitoring role against the emulator, run by ansible-playbook as a user would.

An ALB and the two target groups are made with boto3; the role runs, runs
again (idempotent), and runs absent; every assertion reads the alarms and the
dashboard back with boto3 (describe_alarms, get_dashboard). The tests share one emulator state and run in file
order. (Check mode of the alarms is amazon.aws.cloudwatch_metric_alarm's own;
each ansible-playbook run costs seconds, so it is not run here.)
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import REGION

APP = "shop"
SUFFIXES = ("5xx", "p99-latency", "unhealthy-hosts")
NAMES = {color: ["%s-%s-%s" % (APP, color, suffix) for suffix in SUFFIXES] for color in ("blue", "green")}


@pytest.fixture(scope="module")
def stack(emulator_server, role_playbook):
    """An ALB with one target group per color, and a runner of the monitoring role.

    No reset (seconds, for the IAM managed policies): the names are this file's own.
    """
    ec2, elbv2 = emulator_server.client("ec2"), emulator_server.client("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.30.1.0/24", REGION + "a"), ("10.30.2.0/24", REGION + "b"))]
    lb_arn = elbv2.create_load_balancer(Name=APP + "-alb", Subnets=subnets, Type="application")[
        "LoadBalancers"][0]["LoadBalancerArn"]
    tg_arns = {color: elbv2.create_target_group(Name="%s-%s" % (APP, color), Protocol="HTTP", Port=80, VpcId=vpc_id)[
        "TargetGroups"][0]["TargetGroupArn"] for color in ("blue", "green")}
    run = role_playbook("monitoring", show="monitoring_alarms | to_json", monitoring_app=APP,
                        load_balancer_arn=lb_arn, load_balancer_target_group_arns=tg_arns)
    return dict(run=run, lb_arn=lb_arn, tg_arns=tg_arns, cloudwatch=emulator_server.client("cloudwatch"))


def recap(output):
    match = re.search(r"^localhost\s+:\s+(.*)$", output, re.MULTILINE)
    assert match, output[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def alarms(stack):
    found = stack["cloudwatch"].describe_alarms(AlarmNamePrefix=APP + "-")["MetricAlarms"]
    return {alarm["AlarmName"]: alarm for alarm in found}


def published(output):
    """The fact the role set, from the debug line of the playbook (JSON result format)."""
    match = re.search(r"monitoring_alarms=(\{.*\})\"", output)
    assert match, output[-3000:]
    return json.loads(match.group(1).replace('\\"', '"'))


def test_alarms_per_color_on_the_target_group_dimensions(stack):
    rc, out = stack["run"](monitoring_5xx_threshold=7, monitoring_period=300, monitoring_evaluation_periods=2,
                           monitoring_alarm_actions=["arn:aws:sns:us-east-1:123456789012:oncall"])
    assert rc == 0 and recap(out)["changed"] == 2, out[-4000:]  # the alarms, the dashboard
    assert published(out) == NAMES
    found = alarms(stack)
    assert sorted(found) == sorted(NAMES["blue"] + NAMES["green"])
    lb_dimension = stack["lb_arn"].split(":loadbalancer/")[1]
    assert lb_dimension.startswith("app/%s-alb/" % APP)
    for color in ("blue", "green"):
        tg_dimension = "targetgroup/" + stack["tg_arns"][color].split(":targetgroup/")[1]
        for name in NAMES[color]:
            alarm = found[name]
            assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
                "LoadBalancer": lb_dimension, "TargetGroup": tg_dimension}, name
            assert alarm["Namespace"] == "AWS/ApplicationELB" and alarm["TreatMissingData"] == "notBreaching"
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
            assert alarm["Period"] == 300 and alarm["EvaluationPeriods"] == 2
            assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:oncall"]
        five, latency, unhealthy = (found[name] for name in NAMES[color])
        assert (five["MetricName"], five["Statistic"], five["Threshold"]) == ("HTTPCode_Target_5XX_Count", "Sum", 7)
        assert (latency["MetricName"], latency["ExtendedStatistic"], latency["Threshold"]) == ("TargetResponseTime", "p99", 2)
        assert (unhealthy["MetricName"], unhealthy["Statistic"], unhealthy["Threshold"]) == ("UnHealthyHostCount", "Maximum", 0)

    # The same inputs again: nothing changes.
    rc, out = stack["run"](monitoring_5xx_threshold=7, monitoring_period=300, monitoring_evaluation_periods=2,
                           monitoring_alarm_actions=["arn:aws:sns:us-east-1:123456789012:oncall"])
    assert rc == 0 and recap(out)["changed"] == 0, out[-4000:]
    assert dashboard(stack)["widgets"], "the second run must leave the dashboard in place"


def dashboard(stack):
    body = stack["cloudwatch"].get_dashboard(DashboardName=APP + "-bluegreen")["DashboardBody"]
    return json.loads(body)


def test_dashboard_of_both_colors(stack):
    """Read back from CloudWatch: a graph per metric with a line per color, an alarm widget per color."""
    widgets = dashboard(stack)["widgets"]
    graphs = [w["properties"] for w in widgets if w["type"] == "metric"]
    lb_dimension = stack["lb_arn"].split(":loadbalancer/")[1]
    tg_dimension = {color: "targetgroup/" + stack["tg_arns"][color].split(":targetgroup/")[1] for color in ("blue", "green")}
    assert [(g["metrics"][0][1], g["stat"]) for g in graphs] == [
        ("RequestCount", "Sum"), ("HTTPCode_Target_5XX_Count", "Sum"), ("TargetResponseTime", "p99"),
        ("HealthyHostCount", "Minimum")]
    for graph in graphs:
        assert graph["region"] == REGION and graph["period"] == 300
        assert [(m[0], m[3], m[5], m[6]["label"]) for m in graph["metrics"]] == [
            ("AWS/ApplicationELB", tg_dimension[color], lb_dimension, color) for color in ("blue", "green")]
    alarm_widgets = {w["properties"]["title"]: w["properties"]["alarms"] for w in widgets if w["type"] == "alarm"}
    arns = {a["AlarmName"]: a["AlarmArn"] for a in alarms(stack).values()}
    assert alarm_widgets == {"%s %s alarms" % (APP, color): [arns[name] for name in NAMES[color]]
                             for color in ("blue", "green")}


def test_missing_arns_fail_before_any_alarm(stack):
    rc, out = stack["run"]("--check", load_balancer_arn="", load_balancer_target_group_arns={"blue": "x"})
    assert rc != 0
    assert "monitoring needs the ALB ARN and one target group ARN per color" in out, out[-3000:]
    assert "monitoring_target_group_arns: {\"blue\": \"x\"}" in out, out[-3000:]


def test_absent_deletes_the_alarms(stack):
    rc, out = stack["run"](monitoring_state="absent")
    assert rc == 0 and recap(out)["changed"] == 2, out[-4000:]
    assert published(out) == {"blue": [], "green": []}
    assert alarms(stack) == {}
    assert stack["cloudwatch"].list_dashboards(DashboardNamePrefix=APP)["DashboardEntries"] == []

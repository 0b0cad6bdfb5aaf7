# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The infrastructure roles on the local inventory, each read back from AWS.

network, iam, artifacts, load_balancer, fleet and monitoring are applied in
the order site.yml applies them, on host ``web`` of ``inventories/local``
(the inventory users run), against this worker's emulator (reset once, when
the module starts). One stack for the module: a second run must change
nothing, and every other test only reads, with boto3, what the roles built,
compared with the inventory's values and with what the roles published
(VPC, subnets, security groups, instance profile, ALB and target group ARNs).

These are the checks the per-role molecule scenarios used to make (converge,
idempotence, verify), at the price of two ansible-playbook runs instead of
six scenarios; molecule keeps the whole flow (extensions/molecule/default).
"""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import yaml

from conftest import REGION, REPO
from playbook_stack import recap, shown

APP = "web"
ROLES = ("network", "iam", "artifacts", "load_balancer", "fleet", "monitoring")
PUBLISHED = ["network_vpc_id", "network_public_subnet_ids", "network_private_subnet_ids",
             "network_alb_security_group_id", "network_instance_security_group_id", "iam_instance_profile_name",
             "load_balancer_arn", "load_balancer_target_group_arns"]
COLORS = ("blue", "green")


def inventory():
    """The plain values of host ``web`` in inventories/local (group_vars, then host_vars)."""
    local = REPO / "inventories" / "local"
    values = yaml.safe_load((local / "group_vars" / "applications.yml").read_text())
    values.update(yaml.safe_load((local / "host_vars" / (APP + ".yml")).read_text()))
    return values


INVENTORY = inventory()
BUCKET = "%s-artifacts-%s-%s" % (APP, INVENTORY["bluegreen_account_id"], REGION)


@pytest.fixture(scope="module")
def stack(emulator_server, role_playbook):
    """The six roles applied once on a clean emulator; ``published`` is what they set as facts."""
    emulator_server.reset()
    run = role_playbook(
        *ROLES, hosts="applications", inventory=REPO / "inventories" / "local", show="published | to_json",
        _published_names=PUBLISHED,
        published="{{ dict(_published_names | zip(_published_names | map('extract', hostvars[inventory_hostname]))) }}")
    rc, out = run()
    assert rc == 0, out[-6000:]
    return dict(run=run, first=out, published=shown(out, "published"), aws=emulator_server)


def client(stack, service):
    return stack["aws"].client(service)


def tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def document(policy):
    """A policy document as moto returns it (a dict, or URL-encoded JSON)."""
    return json.loads(urllib.parse.unquote(policy)) if isinstance(policy, str) else policy


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_a_second_run_changes_nothing(stack):
    """Each role's idempotence (molecule's idempotence step of each role scenario)."""
    assert recap(stack["first"], APP)["changed"] > 0
    rc, out = stack["run"]()
    assert rc == 0 and recap(out, APP)["changed"] == 0, out[-4000:]
    assert shown(out, "published") == stack["published"]


def test_network(stack):
    ec2 = client(stack, "ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [APP + "-vpc"]}])["Vpcs"]
    assert len(vpcs) == 1
    vpc_id = vpcs[0]["VpcId"]
    assert vpcs[0]["CidrBlock"] == INVENTORY["bluegreen_vpc_cidr"]
    assert stack["published"]["network_vpc_id"] == vpc_id

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    tiers = {tier: [s for s in subnets if tags(s).get("Tier") == tier] for tier in ("public", "private")}
    assert sorted(s["CidrBlock"] for s in tiers["public"]) == sorted(INVENTORY["network_public_subnet_cidrs"])
    assert sorted(s["CidrBlock"] for s in tiers["private"]) == sorted(INVENTORY["network_private_subnet_cidrs"])
    # Two availability zones per tier, nothing mapped public by default.
    assert len({s["AvailabilityZone"] for s in tiers["public"]}) == 2
    assert [s["SubnetId"] for s in subnets if s["MapPublicIpOnLaunch"]] == []
    assert sorted(stack["published"]["network_public_subnet_ids"]) == sorted(s["SubnetId"] for s in tiers["public"])
    assert sorted(stack["published"]["network_private_subnet_ids"]) == sorted(s["SubnetId"] for s in tiers["private"])

    # The public route table sends 0.0.0.0/0 to the internet gateway; the private one has no way out (no NAT here).
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "tag:App", "Values": [APP]}])["RouteTables"]
    by_name = {tags(t).get("Name"): t for t in tables}
    default_routes = {name: [r for r in by_name[APP + "-" + name]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
                      for name in ("public", "private")}
    assert [r["GatewayId"][:4] for r in default_routes["public"]] == ["igw-"], default_routes
    assert default_routes["private"] == []

    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [APP + "-alb", APP + "-instances"]}])[
        "SecurityGroups"]}
    alb, instances = groups[APP + "-alb"], groups[APP + "-instances"]
    assert (stack["published"]["network_alb_security_group_id"], stack["published"]["network_instance_security_group_id"]) \
        == (alb["GroupId"], instances["GroupId"])
    # Instances: the web port from the ALB security group only, no address range at all.
    assert [p["FromPort"] for p in instances["IpPermissions"]] == [80]
    assert [r for p in instances["IpPermissions"] for r in p["IpRanges"]] == []
    assert [g["GroupId"] for p in instances["IpPermissions"] for g in p["UserIdGroupPairs"]] == [alb["GroupId"]]
    # ALB: the test listener port from the admin CIDRs only.
    test_port = INVENTORY["bluegreen_test_listener_port"]
    assert sorted(r["CidrIp"] for p in alb["IpPermissions"] if p["FromPort"] == test_port for r in p["IpRanges"]) \
        == sorted(INVENTORY["bluegreen_admin_cidrs"])


def test_iam(stack):
    iam = client(stack, "iam")
    instance_role = iam.get_role(RoleName=APP + "-ec2")["Role"]
    trust = document(instance_role["AssumeRolePolicyDocument"])
    assert [s["Principal"]["Service"] for s in trust["Statement"]] == ["ec2.amazonaws.com"]
    # No managed policy: AmazonSSMManagedInstanceCore would let the instances read every SSM parameter.
    assert iam.list_attached_role_policies(RoleName=APP + "-ec2")["AttachedPolicies"] == []
    session = document(iam.get_role_policy(RoleName=APP + "-ec2", PolicyName="session-manager")["PolicyDocument"])
    actions = [a for s in session["Statement"] for a in as_list(s["Action"])]
    assert actions and [a for a in actions if not re.match(r"^(ssm:UpdateInstanceInformation$|ssmmessages:)", a)] == []

    profile = iam.get_instance_profile(InstanceProfileName=APP + "-ec2")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [APP + "-ec2"]
    assert stack["published"]["iam_instance_profile_name"] == APP + "-ec2"
    # Least privilege: the instances read their own prefix of the artifact bucket and the agent's bucket, nothing else.
    bundles = document(iam.get_role_policy(RoleName=APP + "-ec2", PolicyName="read-release-bundles")["PolicyDocument"])
    resources = [r for s in bundles["Statement"] for r in as_list(s["Resource"])]
    assert sorted(resources) == sorted(["arn:aws:s3:::%s/%s/*" % (BUCKET, APP), "arn:aws:s3:::aws-codedeploy-%s/*" % REGION])

    iam.get_role(RoleName=APP + "-codedeploy")
    attached = iam.list_attached_role_policies(RoleName=APP + "-codedeploy")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSCodeDeployRole"]


def test_artifacts(stack):
    s3 = client(stack, "s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] == ["AES256"]
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert list(block.values()) == [True, True, True, True]
    ownership = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert [r["ObjectOwnership"] for r in ownership] == ["BucketOwnerEnforced"]
    assert {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}.get("App") == APP


def forwards(elbv2, listener):
    """The target groups with a share of the listener's traffic (AWS may omit the weight of a single one)."""
    action = next(a for a in listener["DefaultActions"] if a["Type"] == "forward")
    groups = action.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": action["TargetGroupArn"]}]
    return [g["TargetGroupArn"] for g in groups if g.get("Weight", 1) > 0]


def test_load_balancer(stack):
    elbv2 = client(stack, "elbv2")
    published = stack["published"]
    albs = [lb for lb in elbv2.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"] == APP + "-alb"]
    assert len(albs) == 1
    alb = albs[0]
    assert published["load_balancer_arn"] == alb["LoadBalancerArn"]
    assert alb["VpcId"] == published["network_vpc_id"]
    assert sorted(z["SubnetId"] for z in alb["AvailabilityZones"]) == sorted(published["network_public_subnet_ids"])

    listeners = {item["Port"]: item for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}
    production, test = INVENTORY["bluegreen_listener_port"], INVENTORY["bluegreen_test_listener_port"]
    assert sorted(listeners) == sorted([production, test])
    groups = elbv2.describe_target_groups(Names=[APP + "-blue", APP + "-green"])["TargetGroups"]
    arns = {g["TargetGroupName"]: g["TargetGroupArn"] for g in groups}
    assert published["load_balancer_target_group_arns"] == {c: arns[APP + "-" + c] for c in COLORS}
    # A new stack: production on blue, the test listener on the idle color (green).
    assert forwards(elbv2, listeners[production]) == [arns[APP + "-blue"]]
    assert forwards(elbv2, listeners[test]) == [arns[APP + "-green"]]
    assert {g["HealthCheckPath"] for g in groups} == {INVENTORY["load_balancer_health_check_path"]}
    assert {g["VpcId"] for g in groups} == {published["network_vpc_id"]}


@pytest.mark.parametrize("color", COLORS)
def test_fleet(stack, color):
    published = stack["published"]
    name = "%s-%s" % (APP, color)
    found = client(stack, "autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    assert len(found) == 1
    group = found[0]
    assert group["TargetGroupARNs"] == [published["load_balancer_target_group_arns"][color]]
    assert sorted(group["VPCZoneIdentifier"].split(",")) == sorted(published["network_private_subnet_ids"])
    assert group["DesiredCapacity"] == INVENTORY["fleet_capacity"]
    assert len(group["Instances"]) == INVENTORY["fleet_capacity"]
    assert group["HealthCheckType"] == "ELB"
    assert tags(group)["Color"] == color
    assert tags(group)["Version"] == str(INVENTORY["bluegreen_version"])
    assert group["LaunchTemplate"]["LaunchTemplateName"] == name

    # IMDSv2 only, the instance profile from the iam role, the instance security group only.
    data = client(stack, "ec2").describe_launch_template_versions(LaunchTemplateName=name, Versions=["$Latest"])[
        "LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["IamInstanceProfile"]["Arn"].endswith(":instance-profile/" + published["iam_instance_profile_name"])
    assert data["SecurityGroupIds"] == [published["network_instance_security_group_id"]]


@pytest.mark.parametrize("color", COLORS)
def test_monitoring(stack, color):
    """Each color has its three alarms, on its own target group."""
    prefix = "%s-%s-" % (APP, color)
    alarms = client(stack, "cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in alarms) == sorted(prefix + s for s in ("5xx", "p99-latency", "unhealthy-hosts"))
    assert {a["Namespace"] for a in alarms} == {"AWS/ApplicationELB"}
    dimensions = [d for a in alarms for d in a["Dimensions"]]
    target_group = "targetgroup/" + stack["published"]["load_balancer_target_group_arns"][color].split(":targetgroup/")[1]
    load_balancer = stack["published"]["load_balancer_arn"].split(":loadbalancer/")[1]
    assert {d["Value"] for d in dimensions if d["Name"] == "TargetGroup"} == {target_group}
    assert {d["Value"] for d in dimensions if d["Name"] == "LoadBalancer"} == {load_balancer}
    assert {a["TreatMissingData"] for a in alarms} == {"notBreaching"}

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``bluegreen_mode: codedeploy`` end to end on a fresh emulator: site.yml, the
lookup of the current Auto Scaling group after CodeDeploy replaced it, the
guards of the traffic playbooks, and the fleet's teardown, copy included.

site.yml runs as a user runs it (default ``inventories/local``, the emulator
started by site.yml on a free port) with ``-e bluegreen_mode=codedeploy``;
every assertion reads the state back with boto3. The emulator cannot run a
CodeDeploy deployment (deployments stay ``Created``), so the copy that a
BLUE_GREEN deployment with COPY_AUTO_SCALING_GROUP makes
(``CodeDeploy_<group>_d-<id>``, with the original's tags) is created here with
boto3, and the original deleted, as CodeDeploy does after the reroute. The
tests share one stack and run in file order.
"""

from __future__ import annotations

import json
import re

import pytest

import playbook_stack
from conftest import free_port
from playbook_stack import answers
from playbook_stack import recap

APP = "web"
COPY = "CodeDeploy_web_d-ABCDEF123"

# What every test playbook here starts with: the applications, against this stack's emulator.
PLAY = """hosts: applications
  gather_facts: false
  module_defaults:
    group/bluegreen.aws.aws:
      region: "{{ bluegreen_region }}"
      endpoint_url: "{{ bluegreen_endpoint_url }}"
      access_key: testing
      secret_key: testing"""

LOOKUP = """
- name: Which Auto Scaling group serves the application now
  {PLAY}
  tasks:
    - name: Read the Auto Scaling groups
      amazon.aws.autoscaling_group_info:
        name: "{{ bluegreen_app | bluegreen.aws.auto_scaling_group_pattern }}"
      register: asgs

    - name: Show the lookup
      ansible.builtin.debug:
        msg: "current={{ asgs.results | bluegreen.aws.current_auto_scaling_groups(bluegreen_app, ['blue'], bluegreen_app) | to_json }}"
""".replace("{PLAY}", PLAY)


FLEET_ABSENT = """
- name: Delete the fleet, as teardown.yml does
  {PLAY}
  roles:
    - role: bluegreen.aws.fleet
      fleet_state: absent
""".replace("{PLAY}", PLAY)


class Stack(playbook_stack.Stack):
    def groups(self):
        return self.aws.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]


@pytest.fixture(scope="module")
def stack():
    url = "http://127.0.0.1:%d" % free_port()
    st = Stack(url, extra=["-e", "bluegreen_mode=codedeploy"])
    rc, out = st.playbook("site.yml", check=False)
    try:
        assert rc == 0, "site.yml failed:\n" + out[-6000:]
        st.site_output = out
        yield st
    finally:
        if answers(url):
            st.playbook("playbooks/teardown.yml", "--tags", "stop_emulator", check=False)


def test_one_auto_scaling_group_one_target_group_production_listener_only(stack):
    elbv2 = stack.aws.client("elbv2")
    tgs = elbv2.describe_target_groups()["TargetGroups"]
    assert [tg["TargetGroupName"] for tg in tgs] == [APP + "-blue"]
    lb = elbv2.describe_load_balancers(Names=[APP + "-alb"])["LoadBalancers"][0]
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert [(item["Port"], item["DefaultActions"][0]["TargetGroupArn"]) for item in listeners] == [
        (80, tgs[0]["TargetGroupArn"])]

    groups = stack.groups()
    assert [g["AutoScalingGroupName"] for g in groups] == [APP + "-blue"]
    assert groups[0]["TargetGroupARNs"] == [tgs[0]["TargetGroupArn"]]
    tags = {t["Key"]: t["Value"] for t in groups[0]["Tags"]}
    assert (tags["App"], tags["Color"]) == (APP, "blue")

    alarms = [a["AlarmName"] for a in stack.aws.client("cloudwatch").describe_alarms(AlarmNamePrefix=APP + "-")["MetricAlarms"]]
    assert sorted(alarms) == sorted("%s-blue-%s" % (APP, s) for s in ("5xx", "p99-latency", "unhealthy-hosts"))


def test_blue_green_deployment_group_copies_the_auto_scaling_group(stack):
    codedeploy = stack.aws.client("codedeploy")
    assert codedeploy.get_application(applicationName=APP)["application"]["computePlatform"] == "Server"
    assert codedeploy.list_deployment_groups(applicationName=APP)["deploymentGroups"] == [APP]
    group = codedeploy.get_deployment_group(applicationName=APP, deploymentGroupName=APP)["deploymentGroupInfo"]
    assert group["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    blue_green = group["blueGreenDeploymentConfiguration"]
    assert blue_green["greenFleetProvisioningOption"] == {"action": "COPY_AUTO_SCALING_GROUP"}
    assert blue_green["deploymentReadyOption"] == {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
    assert blue_green["terminateBlueInstancesOnDeploymentSuccess"] == {
        "action": "TERMINATE", "terminationWaitTimeInMinutes": 60}
    assert group["loadBalancerInfo"]["targetGroupInfoList"] == [{"name": APP + "-blue"}]
    assert group["autoRollbackConfiguration"] == {
        "enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    assert group["serviceRoleArn"].endswith(":role/%s-codedeploy" % APP)
    # (moto drops autoScalingGroups and alarmConfiguration from its reads; the
    # module's tests cover them with a faithful read.)

    # The service role may launch copies and pass the instance role, nothing more.
    iam = stack.aws.client("iam")
    policy = iam.get_role_policy(RoleName=APP + "-codedeploy", PolicyName="copy-auto-scaling-group")["PolicyDocument"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["PassInstanceRoleToCopies"]["Action"] == "iam:PassRole"
    assert statements["PassInstanceRoleToCopies"]["Resource"].endswith(":role/%s-ec2" % APP)
    assert statements["PassInstanceRoleToCopies"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert statements["LaunchCopies"]["Action"] == ["ec2:RunInstances", "ec2:CreateTags"]


def test_lookup_by_tag_finds_codedeploys_copy(stack, tmp_path):
    """As after a BLUE_GREEN deployment: the copy serves, the original is gone."""
    autoscaling = stack.aws.client("autoscaling")
    original = stack.groups()[0]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=COPY,
        LaunchTemplate={"LaunchTemplateName": APP + "-blue", "Version": "$Latest"},
        MinSize=0, MaxSize=4, DesiredCapacity=0,
        VPCZoneIdentifier=original["VPCZoneIdentifier"],
        Tags=[dict(t, ResourceId=COPY) for t in original["Tags"]],
    )
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=APP + "-blue", ForceDelete=True)
    assert [g["AutoScalingGroupName"] for g in stack.groups()] == [COPY]

    playbook = tmp_path / "lookup.yml"
    playbook.write_text(LOOKUP)
    out = stack.playbook(str(playbook))[1]
    match = re.search(r"current=(\{.*?\})", out)
    assert match, out[-3000:]
    assert json.loads(match.group(1).replace('\\"', '"')) == {"blue": COPY}


TAG_COPY = """
- name: Tag CodeDeploy's copy with the version, as deploy.yml does once a blue/green deployment succeeded
  {PLAY}
  tasks:
    - name: The tagging step of the deploy entry point
      ansible.builtin.include_role:
        name: bluegreen.aws.release
        tasks_from: deploy_native_tag.yml
      vars:
        release_version: "7"
""".replace("{PLAY}", PLAY)


def test_a_successful_deployment_tags_the_copy_with_its_version(stack, tmp_path):
    """The emulator cannot run the deployment itself: the step after it runs on the copy made above."""
    playbook = tmp_path / "tag_copy.yml"
    playbook.write_text(TAG_COPY)
    out = stack.playbook(str(playbook))[1]
    copy = [g for g in stack.groups() if g["AutoScalingGroupName"] == COPY][0]
    assert {t["Key"]: t["Value"] for t in copy["Tags"]}["Version"] == "7", out[-3000:]
    assert {t["Key"]: t["Value"] for t in copy["Tags"]}["App"] == APP, "the other tags are kept"
    again = stack.playbook(str(playbook))[1]
    assert recap(again)["changed"] == 0, again[-3000:]


def test_status_shows_the_live_group_its_version_and_the_last_deployments(stack):
    codedeploy = stack.aws.client("codedeploy")
    deployment = codedeploy.create_deployment(
        applicationName=APP, deploymentGroupName=APP, description="web 7 to new fleet",
        revision={"revisionType": "S3", "s3Location": {"bucket": "bundles", "key": "web/7/web-7.zip",
                                                       "bundleType": "zip"}})["deploymentId"]
    out = stack.playbook("playbooks/status.yml")[1]
    flat = " ".join(out.split())  # the callback wraps long lines
    assert "bluegreen_mode codedeploy - CodeDeploy owns traffic" in flat, out[-3000:]
    assert "live Auto Scaling group: %s, version 7," % COPY in flat, out[-3000:]
    assert "%s Created" % deployment in flat and "web 7 to new fleet" in flat, out[-3000:]
    assert "alarms: %s-blue-5xx " % APP in flat and "alarms in ALARM: none" in flat, out[-3000:]
    assert "lock: free" in flat, out[-3000:]


@pytest.mark.parametrize("playbook, instead", [
    ("switch.yml", "deploy.yml -e version=X"),
    ("playbooks/rollback.yml", "deploy.yml -e version=PREVIOUS"),
    ("playbooks/finalize.yml", "CodeDeploy terminates the replaced instances"),
])
def test_traffic_playbooks_refuse_and_name_what_to_use(stack, playbook, instead):
    rc, out = stack.playbook(playbook, "-e", "color=blue", check=False)
    assert rc != 0
    assert "CodeDeploy owns traffic" in out and instead in out, out[-3000:]
    assert recap(out)["ok"] <= 1, "nothing but the guard may run:\n" + out[-3000:]


def test_fleet_absent_deletes_the_copy(stack, tmp_path):
    """What teardown.yml does to the fleet (only that layer: the whole teardown costs minutes)."""
    playbook = tmp_path / "fleet_absent.yml"
    playbook.write_text(FLEET_ABSENT)
    stack.playbook(str(playbook))
    assert stack.groups() == []
    stack.playbook("playbooks/teardown.yml", "--tags", "stop_emulator")
    assert not answers(stack.url)

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.codedeploy_deployment_group and codedeploy_deployment_group_info.

Creating, reading and idempotence run against the embedded AWS. Two emulator
gaps shape the rest:

* moto 5.2.5 answers UpdateDeploymentGroup and DeleteDeploymentGroup with
  HTTP 500, so updates and deletes are tested with botocore's Stubber on the
  real CodeDeploy service model, in test_module_codedeploy_stubbed.py.
* moto's GetDeploymentGroup loses two fields it stores: Auto Scaling group
  names come back as ``[{}]`` and ``alarmConfiguration`` is always ``{}``.
  Tests of groups that use them apply ``faithful_group_reads``, which makes
  the emulator report what it stored, in the shape AWS uses.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment_group
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment_group_info

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-codedeploy"
GROUP_ARN = f"arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentgroup:web/web-bg"

BLUE_GREEN = dict(
    application_name="web",
    name="web-bg",
    service_role="web-codedeploy",
    auto_scaling_groups=["web-blue"],
    deployment_style=dict(deployment_type="BLUE_GREEN"),
    blue_green=dict(
        green_fleet_provisioning="COPY_AUTO_SCALING_GROUP",
        ready_action="STOP_DEPLOYMENT",
        ready_wait_minutes=60,
        blue_instances_action="TERMINATE",
        blue_instances_wait_minutes=30,
    ),
    target_group_names=["web-blue"],
    alarm_configuration=dict(alarms=["web-5xx"]),
    auto_rollback=dict(events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]),
    triggers=[dict(name="ops", target_arn=f"arn:aws:sns:us-east-1:{ACCOUNT}:ops", events=["DeploymentFailure"])],
    outdated_instances_strategy="UPDATE",
    tags={"Application": "web"},
)


@pytest.fixture
def faithful_group_reads(monkeypatch):
    """Make moto's GetDeploymentGroup report the Auto Scaling groups and alarms it stored."""
    from moto.codedeploy import responses

    original = responses._deployment_group_info

    def faithful(group):
        info = original(group)
        info["autoScalingGroups"] = [{"name": name} for name in group.auto_scaling_groups]
        info["alarmConfiguration"] = group.alarm_configuration or {
            "enabled": False,
            "ignorePollAlarmFailure": False,
            "alarms": [],
        }
        return info

    monkeypatch.setattr(responses, "_deployment_group_info", faithful)


@pytest.fixture
def web_app(aws):
    aws.client("codedeploy").create_application(applicationName="web", computePlatform="Server")
    # service_role given by name is looked up (GetRole) for its ARN with the IAM path.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    aws.client("iam").create_role(RoleName="web-codedeploy", AssumeRolePolicyDocument=json.dumps(trust))
    return aws


def read_group(aws, name="web-bg"):
    return aws.client("codedeploy").get_deployment_group(applicationName="web", deploymentGroupName=name)[
        "deploymentGroupInfo"
    ]


def test_blue_green_group_check_run_and_idempotence(web_app, faithful_group_reads, run_module, aws_calls):
    aws = web_app
    ok, result = run_module(codedeploy_deployment_group.main, dict(BLUE_GREEN, _ansible_check_mode=True, _ansible_diff=True))
    assert ok, result
    assert result["changed"] is True
    assert aws_calls.writes() == []
    assert aws.client("codedeploy").list_deployment_groups(applicationName="web")["deploymentGroups"] == []
    predicted = result["deployment_group"]
    assert predicted["service_role_arn"] == ROLE_ARN
    assert predicted["deployment_style"] == {"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["auto_scaling_groups"] == ["web-blue"]

    ok, result = run_module(codedeploy_deployment_group.main, BLUE_GREEN)
    assert ok, result
    assert result["changed"] is True
    assert aws_calls.writes() == ["CreateDeploymentGroup"]
    group = read_group(aws)
    assert group["serviceRoleArn"] == ROLE_ARN
    assert group["autoScalingGroups"] == [{"name": "web-blue"}]
    assert group["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert group["blueGreenDeploymentConfiguration"] == {
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
    }
    assert group["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "web-blue"}]}
    assert group["alarmConfiguration"] == {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": "web-5xx"}]}
    assert group["autoRollbackConfiguration"] == {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    assert group["triggerConfigurations"][0]["triggerName"] == "ops"
    assert result["deployment_group"]["deployment_group_id"] == group["deploymentGroupId"]
    assert result["deployment_group"]["tags"] == {"Application": "web"}
    tags = aws.client("codedeploy").list_tags_for_resource(ResourceArn=GROUP_ARN)["Tags"]
    assert tags == [{"Key": "Application", "Value": "web"}]

    for check_mode in (True, False):
        ok, result = run_module(codedeploy_deployment_group.main, dict(BLUE_GREEN, _ansible_check_mode=check_mode, _ansible_diff=True))
        assert ok, result
        assert result["changed"] is False, result["diff"]
        assert result["changed_fields"] == []
        assert result["diff"]["before"] == result["diff"]["after"]
        assert aws_calls.writes() == []


def test_in_place_group_on_unpatched_emulator(web_app, run_module, aws_calls):
    """A group without Auto Scaling groups or alarms round-trips even through moto's lossy reads."""
    args = dict(application_name="web", name="web-ip", service_role=ROLE_ARN, deployment_config_name="CodeDeployDefault.AllAtOnce")
    ok, result = run_module(codedeploy_deployment_group.main, args)
    assert ok and result["changed"] is True
    group = read_group(web_app, "web-ip")
    assert (group["deploymentConfigName"], group["serviceRoleArn"]) == ("CodeDeployDefault.AllAtOnce", ROLE_ARN)
    ok, result = run_module(codedeploy_deployment_group.main, dict(args, deployment_style=dict(deployment_type="IN_PLACE")))
    assert ok and result["changed"] is False, result
    assert aws_calls.writes() == []


BAD_INPUT = [
    (dict(application_name="nope"), ["CodeDeploy application nope not found"]),
    (dict(target_group_names=None), ["BLUE_GREEN", "WITH_TRAFFIC_CONTROL", "target_group_names"]),
    (dict(auto_scaling_groups=["web-blue", "web-green"]), ["COPY_AUTO_SCALING_GROUP", "exactly one", "has 2"]),
    (dict(auto_scaling_groups=None), ["COPY_AUTO_SCALING_GROUP", "has 0"]),
    (dict(service_role=None), ["service_role is required to create deployment group web/web-bg"]),
    (dict(deployment_style=dict(deployment_type="IN_PLACE")), ["blue_green applies only"]),
    (dict(blue_green=dict(ready_action="CONTINUE_DEPLOYMENT", ready_wait_minutes=5)), ["ready_wait_minutes"]),
    (dict(auto_rollback=dict(events=["BOGUS"])), ["events", "BOGUS"]),
]


def test_bad_input_fails_before_any_write(web_app, run_module, aws_calls):
    """Each case fails with a clear message and no write (one emulator reset for all cases)."""
    for overrides, fragments in BAD_INPUT:
        ok, result = run_module(codedeploy_deployment_group.main, dict(BLUE_GREEN, **overrides))
        assert not ok, (overrides, result)
        for fragment in fragments:
            assert fragment in result["msg"], (overrides, result["msg"])
        assert aws_calls.writes() == [], overrides
    assert web_app.client("codedeploy").list_deployment_groups(applicationName="web")["deploymentGroups"] == []


def test_info(web_app, faithful_group_reads, run_module, aws_calls):
    assert run_module(codedeploy_deployment_group.main, BLUE_GREEN)[0]
    ok, result = run_module(codedeploy_deployment_group_info.main, dict(application_name="web", name="web-bg"))
    assert ok, result
    (group,) = result["deployment_groups"]
    assert group["auto_scaling_groups"] == [{"name": "web-blue"}]
    assert group["tags"] == {"Application": "web"}
    ok, result = run_module(codedeploy_deployment_group_info.main, dict(application_name="web"))
    assert [g["deployment_group_name"] for g in result["deployment_groups"]] == ["web-bg"]
    for args in (dict(application_name="web", name="nope"), dict(application_name="nope")):
        ok, result = run_module(codedeploy_deployment_group_info.main, args)
        assert ok and result["deployment_groups"] == []
    assert aws_calls.writes() == []


def test_examples_run(web_app, faithful_group_reads, run_module):
    """The create EXAMPLES run as written; deleting is Stubber-tested (test_module_codedeploy_stubbed.py)."""
    import yaml

    tasks = yaml.safe_load(codedeploy_deployment_group.EXAMPLES)
    assert len(tasks) == 3
    for task in tasks[:2]:
        args = task["bluegreen.aws.codedeploy_deployment_group"]
        ok, result = run_module(codedeploy_deployment_group.main, args)
        assert ok and result["changed"] is True, (task["name"], result)
        ok, result = run_module(codedeploy_deployment_group.main, args)
        assert ok and result["changed"] is False, (task["name"], result)

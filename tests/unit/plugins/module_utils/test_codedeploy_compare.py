# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the deployment group comparison and revision helpers (no AWS)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import codedeploy_compare as cmp
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import CodeDeployValidationError

ROLE = "arn:aws:iam::123456789012:role/web-codedeploy"
TOPIC = "arn:aws:sns:us-east-1:123456789012:web-deployments"

# What real AWS returns for a blue/green group (defaults filled in, hooks set, lists unordered).
AWS_GROUP = {
    "applicationName": "web",
    "deploymentGroupId": "6e4e4c6a-8c3f-4a3e-9f0f-2a1b3c4d5e6f",
    "deploymentGroupName": "web-bg",
    "deploymentConfigName": "CodeDeployDefault.OneAtATime",
    "ec2TagFilters": [],
    "onPremisesInstanceTagFilters": [],
    "autoScalingGroups": [{"name": "web-blue", "hook": "CodeDeploy-managed-automatic-launch-deployment-hook-web-bg-1"}],
    "serviceRoleArn": ROLE,
    "triggerConfigurations": [
        {"triggerName": "t2", "triggerTargetArn": TOPIC, "triggerEvents": ["DeploymentSuccess"]},
        {"triggerName": "t1", "triggerTargetArn": TOPIC, "triggerEvents": ["DeploymentRollback", "DeploymentFailure"]},
    ],
    "alarmConfiguration": {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": "b"}, {"name": "a"}]},
    "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_FAILURE"]},
    "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
    "outdatedInstancesStrategy": "UPDATE",
    "blueGreenDeploymentConfiguration": {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
    },
    "loadBalancerInfo": {"targetGroupInfoList": [{"name": "web-blue"}]},
    "lastSuccessfulDeployment": {"deploymentId": "d-1", "status": "Succeeded"},
    "computePlatform": "Server",
    "terminationHookEnabled": False,
}

# Module parameters asking for exactly AWS_GROUP (as Ansible fills them: unset -> None).
PARAMS = dict(
    service_role="web-codedeploy",
    deployment_config_name="CodeDeployDefault.OneAtATime",
    auto_scaling_groups=["web-blue"],
    deployment_style=dict(deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"),
    blue_green=dict(
        green_fleet_provisioning="COPY_AUTO_SCALING_GROUP",
        ready_action="STOP_DEPLOYMENT",
        ready_wait_minutes=60,
        blue_instances_action="TERMINATE",
        blue_instances_wait_minutes=30,
    ),
    target_group_names=["web-blue"],
    alarm_configuration=dict(enabled=True, alarms=["a", "b"], ignore_poll_alarm_failure=False),
    auto_rollback=dict(enabled=True, events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]),
    triggers=[
        dict(name="t1", target_arn=TOPIC, events=["DeploymentFailure", "DeploymentRollback"]),
        dict(name="t2", target_arn=TOPIC, events=["DeploymentSuccess"]),
    ],
    outdated_instances_strategy="UPDATE",
)

UNSET = {key: None for key in PARAMS}


def params(**overrides):
    result = copy.deepcopy(PARAMS)
    result.update(overrides)
    return result


def plan(current_info, module_params, role=ROLE):
    current = cmp.normalize_deployment_group(current_info)
    return cmp.plan_deployment_group(current, cmp.desired_deployment_group(module_params, role), "web-bg")


# --- normalize ---------------------------------------------------------------------


def test_normalize_sorts_and_drops_hooks():
    normalized = cmp.normalize_deployment_group(AWS_GROUP)
    assert normalized["autoScalingGroups"] == ["web-blue"]
    assert normalized["alarmConfiguration"]["alarms"] == [{"name": "a"}, {"name": "b"}]
    assert normalized["autoRollbackConfiguration"]["events"] == ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
    assert [t["triggerName"] for t in normalized["triggerConfigurations"]] == ["t1", "t2"]
    assert normalized["triggerConfigurations"][0]["triggerEvents"] == ["DeploymentFailure", "DeploymentRollback"]
    assert set(normalized) == set(cmp.COMPARED_KEYS)


@pytest.mark.parametrize(
    "info",
    [
        pytest.param({}, id="fields-missing"),
        pytest.param(
            {"deploymentStyle": {}, "alarmConfiguration": {}, "autoRollbackConfiguration": {}, "loadBalancerInfo": {}},
            id="fields-empty",
        ),
        pytest.param(
            {
                "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
                "alarmConfiguration": {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []},
                "autoRollbackConfiguration": {"enabled": False},
                "outdatedInstancesStrategy": "UPDATE",
            },
            id="explicit-defaults",
        ),
    ],
)
def test_normalize_fills_aws_defaults(info):
    normalized = cmp.normalize_deployment_group(dict(info, serviceRoleArn=ROLE))
    expected = dict(copy.deepcopy(cmp.DEFAULTS), serviceRoleArn=ROLE)
    assert normalized == expected


def test_normalize_keeps_unmanaged_load_balancers():
    info = dict(AWS_GROUP, loadBalancerInfo={"elbInfoList": [{"name": "classic"}], "targetGroupInfoList": []})
    assert cmp.normalize_deployment_group(info)["loadBalancerInfo"] == {
        "targetGroupInfoList": [],
        "elbInfoList": [{"name": "classic"}],
    }


# --- plan: in sync ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "module_params",
    [
        pytest.param(params(), id="everything-set"),
        pytest.param(dict(UNSET), id="nothing-set"),
        pytest.param(dict(UNSET, auto_scaling_groups=["web-blue", "web-blue"]), id="duplicates"),
        pytest.param(
            params(triggers=list(reversed(PARAMS["triggers"])), alarm_configuration=dict(enabled=True, alarms=["b", "a"], ignore_poll_alarm_failure=False)),
            id="order-ignored",
        ),
        pytest.param(dict(UNSET, deployment_style=dict(deployment_type="BLUE_GREEN", deployment_option=None)), id="type-only"),
        pytest.param(dict(UNSET, blue_green=dict(ready_action="STOP_DEPLOYMENT")), id="partial-blue-green"),
        pytest.param(dict(UNSET, auto_rollback=dict(enabled=True, events=None)), id="rollback-events-unset"),
    ],
)
def test_plan_in_sync_has_no_changes(module_params):
    after, changes, notes = plan(AWS_GROUP, module_params)
    assert changes == {}
    assert notes == []
    assert after == cmp.normalize_deployment_group(AWS_GROUP)


# --- plan: exact update parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, expected",
    [
        pytest.param(
            dict(deployment_config_name="CodeDeployDefault.AllAtOnce"),
            {"deploymentConfigName": "CodeDeployDefault.AllAtOnce"},
            id="deployment-config",
        ),
        pytest.param(
            dict(blue_green=dict(blue_instances_wait_minutes=5)),
            {
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
                    "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
                    "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
                },
                # AWS refuses a COPY_AUTO_SCALING_GROUP configuration without the group to copy.
                "autoScalingGroups": ["web-blue"],
            },
            id="blue-green-sent-whole",
        ),
        pytest.param(
            dict(blue_green=dict(ready_action="CONTINUE_DEPLOYMENT", ready_wait_minutes=0)),
            {
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
                    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
                    "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
                },
                "autoScalingGroups": ["web-blue"],
            },
            id="ready-continue",
        ),
        pytest.param(
            dict(alarm_configuration=dict(enabled=True, alarms=["a", "c"], ignore_poll_alarm_failure=False)),
            {"alarmConfiguration": {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": "a"}, {"name": "c"}]}},
            id="alarms",
        ),
        pytest.param(
            dict(
                alarm_configuration=dict(enabled=False, alarms=None, ignore_poll_alarm_failure=False),
                auto_rollback=dict(enabled=True, events=["DEPLOYMENT_FAILURE"]),
            ),
            {
                "alarmConfiguration": {"enabled": False, "ignorePollAlarmFailure": False, "alarms": [{"name": "a"}, {"name": "b"}]},
                "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            },
            id="alarms-disabled-kept",
        ),
        pytest.param(
            dict(auto_rollback=dict(enabled=False, events=None), alarm_configuration=None),
            {"autoRollbackConfiguration": {"enabled": False, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}},
            id="rollback-disabled",
        ),
        pytest.param(dict(triggers=[]), {"triggerConfigurations": []}, id="triggers-cleared"),
        pytest.param(
            dict(triggers=[dict(name="t1", target_arn=TOPIC, events=["DeploymentFailure"])]),
            {"triggerConfigurations": [{"triggerName": "t1", "triggerTargetArn": TOPIC, "triggerEvents": ["DeploymentFailure"]}]},
            id="triggers-replaced",
        ),
        pytest.param(dict(outdated_instances_strategy="IGNORE"), {"outdatedInstancesStrategy": "IGNORE"}, id="outdated"),
        pytest.param(
            dict(target_group_names=["web-green"]),
            {"loadBalancerInfo": {"targetGroupInfoList": [{"name": "web-green"}]}},
            id="target-groups",
        ),
        pytest.param(
            dict(service_role="other"),
            {"serviceRoleArn": "arn:aws:iam::123456789012:role/other"},
            id="service-role",
        ),
    ],
)
def test_plan_sends_exactly_what_differs(overrides, expected):
    module_params = params(**overrides)
    role = "arn:aws:iam::123456789012:role/other" if overrides.get("service_role") == "other" else ROLE
    after, changes, notes = plan(AWS_GROUP, module_params, role)
    assert changes == expected
    assert notes == []
    for key, value in expected.items():
        assert after[key] == value


def test_blue_green_update_of_a_copy_group_names_the_auto_scaling_group():
    """UpdateDeploymentGroup with a COPY_AUTO_SCALING_GROUP configuration also sends autoScalingGroups.

    AWS answers InvalidBlueGreenDeploymentConfigurationException ("Exactly one
    AutoScaling group must be specified when selecting the
    COPY_AUTO_SCALING_GROUP green fleet provisioning option") otherwise, even
    when the Auto Scaling group does not change. Also when the group is
    CodeDeploy's copy: that copy is the one to send.
    """
    _after, changes, _notes = plan(AWS_GROUP, dict(UNSET, blue_green=dict(blue_instances_wait_minutes=5)))
    assert sorted(changes) == ["autoScalingGroups", "blueGreenDeploymentConfiguration"]
    assert changes["autoScalingGroups"] == ["web-blue"]

    copy_info = dict(AWS_GROUP, autoScalingGroups=[{"name": "CodeDeploy_web-bg_d-A1B2C3D4E", "hook": "h"}])
    _after, changes, _notes = plan(copy_info, params(blue_green=dict(blue_instances_wait_minutes=5)))
    assert changes["autoScalingGroups"] == ["CodeDeploy_web-bg_d-A1B2C3D4E"]

    # Not for a group whose green fleet is discovered (no Auto Scaling group to copy).
    discover = copy.deepcopy(AWS_GROUP)
    discover["blueGreenDeploymentConfiguration"]["greenFleetProvisioningOption"]["action"] = "DISCOVER_EXISTING"
    _after, changes, _notes = plan(discover, dict(UNSET, blue_green=dict(blue_instances_wait_minutes=5)))
    assert sorted(changes) == ["blueGreenDeploymentConfiguration"]


def aws_describes(after):
    """The GetDeploymentGroup answer after an update to ``after`` (canonical -> AWS shape, as far as compared)."""
    info = copy.deepcopy(after)
    info["autoScalingGroups"] = [{"name": n, "hook": "h"} for n in after["autoScalingGroups"]]
    return info


@pytest.mark.parametrize(
    "blue_green, field, expected",
    [
        pytest.param(
            dict(ready_action="CONTINUE_DEPLOYMENT"),
            "deploymentReadyOption",
            {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
            id="stop-to-continue",
        ),
        pytest.param(
            dict(blue_instances_action="KEEP_ALIVE"),
            "terminateBlueInstancesOnDeploymentSuccess",
            {"action": "KEEP_ALIVE", "terminationWaitTimeInMinutes": 0},
            id="terminate-to-keep-alive",
        ),
    ],
)
def test_action_change_without_wait_converges(blue_green, field, expected):
    """STOP_DEPLOYMENT(60) -> CONTINUE_DEPLOYMENT, TERMINATE(30) -> KEEP_ALIVE: the wait goes to 0.

    Before, the merge kept AWS's 60 / 30 minutes and validation refused the
    result, so the change could never be made.
    """
    module_params = dict(UNSET, blue_green=blue_green)
    after, changes, _notes = plan(AWS_GROUP, module_params)
    cmp.validate_deployment_group(after, "web-bg")
    assert changes["blueGreenDeploymentConfiguration"][field] == expected
    # Once AWS has it, the same options change nothing.
    _after, again, _notes = plan(aws_describes(after), module_params)
    assert again == {}


@pytest.mark.parametrize(
    "ready, blue",
    [
        pytest.param({"actionOnTimeout": "CONTINUE_DEPLOYMENT"}, {"action": "KEEP_ALIVE"}, id="waits-left-out"),
        pytest.param(
            {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
            {"action": "KEEP_ALIVE", "terminationWaitTimeInMinutes": 0},
            id="waits-zero",
        ),
    ],
)
def test_continue_and_keep_alive_groups_are_in_sync(ready, blue):
    """However AWS describes an unused wait (left out or 0), asking for the actions alone changes nothing."""
    info = copy.deepcopy(AWS_GROUP)
    info["blueGreenDeploymentConfiguration"].update(deploymentReadyOption=ready, terminateBlueInstancesOnDeploymentSuccess=blue)
    module_params = params(blue_green=dict(green_fleet_provisioning="COPY_AUTO_SCALING_GROUP",
                                           ready_action="CONTINUE_DEPLOYMENT", blue_instances_action="KEEP_ALIVE"))
    _after, changes, _notes = plan(info, module_params)
    assert changes == {}


def test_empty_alarm_list_disables_the_alarms():
    """alarms: [] sends {enabled: false, alarms: []}; before, the old alarms stayed watched (or validation failed)."""
    module_params = params(alarm_configuration=dict(enabled=True, alarms=[], ignore_poll_alarm_failure=False),
                           auto_rollback=dict(enabled=True, events=["DEPLOYMENT_FAILURE"]))
    after, changes, _notes = plan(AWS_GROUP, module_params)
    cmp.validate_deployment_group(after, "web-bg")
    assert changes["alarmConfiguration"] == {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
    _after, again, _notes = plan(dict(AWS_GROUP, alarmConfiguration=changes["alarmConfiguration"],
                                      autoRollbackConfiguration=after["autoRollbackConfiguration"]), module_params)
    assert again == {}


def test_plan_keeps_classic_load_balancers_on_update():
    info = dict(AWS_GROUP, loadBalancerInfo={"elbInfoList": [{"name": "classic"}], "targetGroupInfoList": [{"name": "web-blue"}]})
    _after, changes, _notes = plan(info, params(target_group_names=["web-green"]))
    assert changes == {
        "loadBalancerInfo": {"targetGroupInfoList": [{"name": "web-green"}], "elbInfoList": [{"name": "classic"}]}
    }


@pytest.mark.parametrize(
    "current_style, requested, expected",
    [
        pytest.param({}, dict(deployment_type="BLUE_GREEN", deployment_option=None),
                     {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}, id="to-blue-green-default-option"),
        pytest.param({"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
                     dict(deployment_type="IN_PLACE", deployment_option=None),
                     {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}, id="to-in-place-default-option"),
        pytest.param({"deploymentType": "IN_PLACE", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
                     dict(deployment_type="IN_PLACE", deployment_option=None),
                     None, id="same-type-keeps-option"),
        pytest.param({"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
                     dict(deployment_type=None, deployment_option="WITH_TRAFFIC_CONTROL"),
                     {"deploymentType": "IN_PLACE", "deploymentOption": "WITH_TRAFFIC_CONTROL"}, id="option-only"),
    ],
)
def test_plan_deployment_style(current_style, requested, expected):
    info = {"serviceRoleArn": ROLE, "deploymentStyle": current_style, "loadBalancerInfo": {"targetGroupInfoList": [{"name": "tg"}]}}
    _after, changes, _notes = plan(info, dict(UNSET, deployment_style=requested))
    assert changes == ({"deploymentStyle": expected} if expected else {})


@pytest.mark.parametrize(
    "current_asg, wanted, kept",
    [
        pytest.param("CodeDeploy_web-bg_d-A1B2C3D4E", "web-blue", True, id="copy-kept"),
        pytest.param("CodeDeploy_other_d-A1B2C3D4E", "web-blue", False, id="copy-of-other-group"),
        pytest.param("web-old", "web-blue", False, id="real-drift"),
    ],
)
def test_plan_keeps_the_copy_made_by_copy_auto_scaling_group(current_asg, wanted, kept):
    info = dict(AWS_GROUP, autoScalingGroups=[{"name": current_asg, "hook": "h"}])
    after, changes, notes = plan(info, params(auto_scaling_groups=[wanted]))
    if kept:
        assert changes == {}
        assert after["autoScalingGroups"] == [current_asg]
        assert current_asg in notes[0] and wanted in notes[0]
    else:
        assert changes == {"autoScalingGroups": [wanted]}
        assert notes == []


def test_plan_for_in_place_does_not_keep_copy():
    info = dict(AWS_GROUP, autoScalingGroups=[{"name": "CodeDeploy_web-bg_d-A1B2C3D4E"}])
    _after, changes, _notes = plan(
        info, params(deployment_style=dict(deployment_type="IN_PLACE", deployment_option="WITH_TRAFFIC_CONTROL"), blue_green=None)
    )
    assert changes["autoScalingGroups"] == ["web-blue"]


def test_create_request_fills_deployment_option():
    desired = cmp.desired_deployment_group(
        dict(UNSET, deployment_style=dict(deployment_type="BLUE_GREEN", deployment_option=None), auto_scaling_groups=["a"]),
        ROLE,
    )
    request = cmp.create_request(desired)
    assert request == {
        "serviceRoleArn": ROLE,
        "autoScalingGroups": ["a"],
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
    }
    assert "deploymentOption" not in desired["deploymentStyle"]  # not mutated


def test_create_request_leaves_out_what_a_new_group_has_anyway():
    """The 0 waits of CONTINUE_DEPLOYMENT / KEEP_ALIVE and an empty, disabled alarm list are for updates only."""
    desired = cmp.desired_deployment_group(
        dict(UNSET, blue_green=dict(ready_action="CONTINUE_DEPLOYMENT", blue_instances_action="KEEP_ALIVE"),
             alarm_configuration=dict(enabled=True, alarms=[], ignore_poll_alarm_failure=False)),
        ROLE,
    )
    assert desired["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]["waitTimeInMinutes"] == 0
    assert desired["alarmConfiguration"] == {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
    request = cmp.create_request(desired)
    assert request["blueGreenDeploymentConfiguration"] == {
        "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"},
    }
    assert "alarmConfiguration" not in request


# --- validation ---------------------------------------------------------------------------


def state_for(module_params, current_info=None):
    current = cmp.normalize_deployment_group(current_info or {})
    return cmp.merge_deployment_group(current, cmp.desired_deployment_group(module_params, ROLE))


@pytest.mark.parametrize(
    "module_params, fragments",
    [
        pytest.param(
            dict(UNSET, deployment_style=dict(deployment_type="BLUE_GREEN", deployment_option=None), auto_scaling_groups=["a"]),
            ["BLUE_GREEN", "WITH_TRAFFIC_CONTROL", "target_group_names"],
            id="blue-green-without-load-balancer",
        ),
        pytest.param(
            dict(UNSET, deployment_style=dict(deployment_type="IN_PLACE", deployment_option="WITH_TRAFFIC_CONTROL")),
            ["IN_PLACE", "target_group_names"],
            id="in-place-traffic-control-without-load-balancer",
        ),
        pytest.param(params(auto_scaling_groups=["a", "b"]), ["COPY_AUTO_SCALING_GROUP", "exactly one", "has 2 (a, b)"], id="copy-two-asgs"),
        pytest.param(params(auto_scaling_groups=[]), ["COPY_AUTO_SCALING_GROUP", "exactly one", "has 0"], id="copy-no-asg"),
        pytest.param(
            params(blue_green=dict(ready_action="CONTINUE_DEPLOYMENT", ready_wait_minutes=10)),
            ["ready_wait_minutes", "STOP_DEPLOYMENT"],
            id="ready-wait-with-continue",
        ),
        pytest.param(
            params(blue_green=dict(blue_instances_action="KEEP_ALIVE", blue_instances_wait_minutes=10)),
            ["blue_instances_wait_minutes", "TERMINATE"],
            id="blue-wait-with-keep-alive",
        ),
        pytest.param(
            params(alarm_configuration=dict(enabled=True, alarms=None, ignore_poll_alarm_failure=False),
                   auto_rollback=dict(enabled=True, events=["DEPLOYMENT_FAILURE"])),
            ["names no alarms"],
            id="alarms-enabled-empty",
        ),
        pytest.param(
            params(alarm_configuration=dict(enabled=True, alarms=[str(i) for i in range(11)], ignore_poll_alarm_failure=False)),
            ["at most 10"],
            id="too-many-alarms",
        ),
        pytest.param(params(auto_rollback=dict(enabled=True, events=[])), ["no events"], id="rollback-without-events"),
        pytest.param(
            params(alarm_configuration=dict(enabled=False, alarms=["a"], ignore_poll_alarm_failure=False)),
            ["DEPLOYMENT_STOP_ON_ALARM", "alarm_configuration"],
            id="stop-on-alarm-without-alarms",
        ),
    ],
)
def test_validate_deployment_group(module_params, fragments):
    with pytest.raises(CodeDeployValidationError) as error:
        cmp.validate_deployment_group(state_for(module_params), "web-bg")
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.parametrize(
    "module_params",
    [
        pytest.param(params(), id="full-blue-green"),
        pytest.param(dict(UNSET), id="defaults"),
        pytest.param(dict(UNSET, deployment_style=dict(deployment_type="BLUE_GREEN", deployment_option="WITHOUT_TRAFFIC_CONTROL"),
                          blue_green=dict(green_fleet_provisioning="DISCOVER_EXISTING")), id="blue-green-without-traffic-control"),
        pytest.param(dict(UNSET, auto_scaling_groups=["a", "b"]), id="in-place-two-asgs"),
    ],
)
def test_validate_accepts(module_params):
    cmp.validate_deployment_group(state_for(module_params), "web-bg")


def test_validate_uses_current_state_for_unset_options():
    """Only the ASG list changes, but the group is COPY_AUTO_SCALING_GROUP: two ASGs are refused."""
    with pytest.raises(CodeDeployValidationError, match="exactly one"):
        cmp.validate_deployment_group(state_for(dict(UNSET, auto_scaling_groups=["a", "b"]), AWS_GROUP), "web-bg")


@pytest.mark.parametrize(
    "module_params, fragment",
    [
        pytest.param(
            dict(UNSET, deployment_style=dict(deployment_type="IN_PLACE", deployment_option=None), blue_green=dict(ready_action="STOP_DEPLOYMENT")),
            "only to deployment_style.deployment_type=BLUE_GREEN",
            id="blue-green-with-in-place",
        ),
        pytest.param(dict(UNSET, blue_green=dict(ready_wait_minutes=3000)), "between 0 and 2880", id="wait-too-long"),
        pytest.param(dict(UNSET, blue_green=dict(blue_instances_wait_minutes=-1)), "between 0 and 2880", id="wait-negative"),
        pytest.param(
            dict(UNSET, triggers=[dict(name="t", target_arn=TOPIC, events=["DeploymentStart"])] * 2), "repeated: t", id="duplicate-trigger"
        ),
        pytest.param(dict(UNSET, triggers=[dict(name="t", target_arn=TOPIC, events=[])]), "trigger t needs", id="trigger-no-events"),
    ],
)
def test_validate_params(module_params, fragment):
    with pytest.raises(CodeDeployValidationError) as error:
        cmp.validate_params(module_params)
    assert fragment in str(error.value)


# --- revisions ------------------------------------------------------------------------------


def revision(**location):
    base = {"bucket": "b", "key": "web/1.5.0/web.zip", "bundleType": "zip"}
    base.update(location)
    return {"revisionType": "S3", "s3Location": {k: v for k, v in base.items() if v is not None}}


def test_s3_revision_strips_etag_quotes():
    assert cmp.s3_revision("b", "k", "zip", "v1", '"abc"') == {
        "revisionType": "S3",
        "s3Location": {"bucket": "b", "key": "k", "bundleType": "zip", "version": "v1", "eTag": "abc"},
    }


@pytest.mark.parametrize(
    "deployed, wanted, same",
    [
        pytest.param(revision(eTag="abc"), revision(eTag="abc"), True, id="same-etag"),
        pytest.param(revision(eTag='"abc"'), revision(eTag="abc"), True, id="quoted-etag"),
        pytest.param(revision(eTag="abc", version="v1"), revision(eTag="abc", version="v1"), True, id="same-version"),
        pytest.param(revision(eTag="abc", version="v1"), revision(eTag="abc", version="v2"), False, id="other-version"),
        pytest.param(revision(eTag="abc"), revision(eTag="def"), False, id="other-etag"),
        pytest.param(revision(), revision(eTag="abc"), False, id="deployed-unpinned"),
        pytest.param(revision(), revision(), False, id="both-unpinned"),
        pytest.param(revision(eTag="abc", key="other.zip"), revision(eTag="abc"), False, id="other-key"),
        pytest.param(revision(eTag="abc", bundleType="tgz"), revision(eTag="abc"), False, id="other-bundle"),
        pytest.param({"revisionType": "GitHub"}, revision(eTag="abc"), False, id="github"),
        pytest.param(None, revision(eTag="abc"), False, id="none"),
    ],
)
def test_same_revision(deployed, wanted, same):
    assert cmp.same_revision(deployed, wanted) is same


# --- what the group last received ------------------------------------------------------------


@pytest.mark.parametrize(
    "group, expected",
    [
        pytest.param({"lastSuccessfulDeployment": {"deploymentId": "d-1", "status": "Succeeded"}}, "d-1", id="success-only"),
        pytest.param(
            {"lastSuccessfulDeployment": {"deploymentId": "d-1", "status": "Succeeded"},
             "lastAttemptedDeployment": {"deploymentId": "d-1", "status": "Succeeded"}},
            "d-1",
            id="success-is-last-attempt",
        ),
        pytest.param(
            {"lastSuccessfulDeployment": {"deploymentId": "d-1", "status": "Succeeded"},
             "lastAttemptedDeployment": {"deploymentId": "d-2", "status": "Failed"}},
            None,
            id="later-attempt-failed",
        ),
        pytest.param(
            {"lastSuccessfulDeployment": {"deploymentId": "d-1", "status": "Succeeded"},
             "lastAttemptedDeployment": {"deploymentId": "d-2", "status": "Stopped"}},
            None,
            id="later-attempt-stopped",
        ),
        pytest.param({"lastAttemptedDeployment": {"deploymentId": "d-2", "status": "Failed"}}, None, id="never-succeeded"),
        pytest.param({}, None, id="no-deployments"),
    ],
)
def test_last_deployed_id(group, expected):
    assert cmp.last_deployed_id(group) == expected


# --- targetInstances (DISCOVER_EXISTING) -----------------------------------------------------------


def discover_group(action="DISCOVER_EXISTING", deployment_type="BLUE_GREEN"):
    info = copy.deepcopy(AWS_GROUP)
    info["deploymentStyle"]["deploymentType"] = deployment_type
    info["blueGreenDeploymentConfiguration"]["greenFleetProvisioningOption"]["action"] = action
    return info


def test_target_instances_for_discover_existing():
    wanted = dict(auto_scaling_groups=["web-green", "web-green"],
                  tag_filters=[dict(key="Color", value="green", type="KEY_AND_VALUE"), dict(key="Green", value=None, type="KEY_ONLY")])
    assert cmp.target_instances_request(discover_group(), wanted, "web/web-bg") == {
        "autoScalingGroups": ["web-green"],
        "tagFilters": [{"Key": "Color", "Value": "green", "Type": "KEY_AND_VALUE"}, {"Key": "Green", "Type": "KEY_ONLY"}],
    }


@pytest.mark.parametrize(
    "group, wanted, fragments",
    [
        pytest.param(discover_group(), None, ["web/web-bg", "DISCOVER_EXISTING", "target_instances"], id="discover-without-targets"),
        pytest.param(discover_group(), dict(auto_scaling_groups=[], tag_filters=[]), ["DISCOVER_EXISTING"], id="discover-empty-targets"),
        pytest.param(
            discover_group(), dict(tag_filters=[dict(key="Color", value=None, type="KEY_AND_VALUE")]),
            ["KEY_AND_VALUE needs key and value", "'Color'"], id="filter-without-value",
        ),
        pytest.param(discover_group("COPY_AUTO_SCALING_GROUP"), dict(auto_scaling_groups=["x"]), ["applies only"], id="copy-group"),
        pytest.param(discover_group(deployment_type="IN_PLACE"), dict(auto_scaling_groups=["x"]), ["applies only"], id="in-place"),
    ],
)
def test_target_instances_refused(group, wanted, fragments):
    with pytest.raises(CodeDeployValidationError) as error:
        cmp.target_instances_request(group, wanted, "web/web-bg")
    for fragment in fragments:
        assert fragment in str(error.value)


def test_no_target_instances_elsewhere():
    assert cmp.target_instances_request(AWS_GROUP, None, "web/web-bg") is None
    assert cmp.target_instances_request({"deploymentStyle": {"deploymentType": "IN_PLACE"}}, {}, "web/web-bg") is None

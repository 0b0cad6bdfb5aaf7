# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CodeDeploy paths the embedded AWS cannot run, on botocore's Stubber.

moto 5.2.5 answers DeleteApplication, UpdateDeploymentGroup,
DeleteDeploymentGroup, StopDeployment, ContinueDeployment and
ListDeploymentTargets with HTTP 500, and its deployments stay ``Created``
forever (no agent, no lifecycle, no rollback, no Auto Scaling copy). Here the
modules run in-process as usual, but ``AnsibleAWSModule.client`` hands them
real boto3 clients whose answers come from a Stubber: every request is
checked against the real service model and against the exact parameters
expected, and each test lays out the response sequence AWS would give. Each
test's docstring says which missing emulator feature it stands in for.
Polling sleeps are replaced by a fake clock, so no test sleeps.
"""

from __future__ import annotations

import copy
import datetime

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import codedeploy as codedeploy_utils
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_application
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment_group

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-codedeploy"
APP_ARN = f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:application:web"
GROUP_ARN = f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:web/web-bg"
BUCKET = "web-artifacts-123456789012-us-east-1"
KEY = "web/1.5.0/web.zip"
ETAG = "9dd4e461268c8034f5c8564e155c67a6"
NOW = datetime.datetime(2026, 1, 12, 9, 30, tzinfo=datetime.timezone.utc)


# --- harness ---------------------------------------------------------------------------------


class Stubs:
    """One stubbed client per service; ``cd`` is CodeDeploy."""

    def __init__(self, monkeypatch):
        import boto3
        from botocore.stub import Stubber

        self.clients = {
            name: boto3.client(name, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
            for name in ("codedeploy", "s3", "sts", "iam")
        }
        self.stubbers = {name: Stubber(client) for name, client in self.clients.items()}
        self.cd = self.stubbers["codedeploy"]
        self.s3 = self.stubbers["s3"]
        self.sts = self.stubbers["sts"]
        self.iam = self.stubbers["iam"]
        self.sleeps = []
        self.now = 0.0

        from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
        from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

        def client(_module, service, retry_decorator=None, **_kwargs):
            conn = self.clients[service]
            return conn if retry_decorator is None else RetryingBotoClientWrapper(conn, retry_decorator)

        def sleep(seconds):
            self.sleeps.append(seconds)
            self.now += seconds

        monkeypatch.setattr(AnsibleAWSModule, "client", client)
        monkeypatch.setattr(codedeploy_utils, "_sleep", sleep)
        monkeypatch.setattr(codedeploy_utils, "_clock", lambda: self.now)
        for stubber in self.stubbers.values():
            stubber.activate()

    def done(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()
            stubber.deactivate()

    def caller_identity(self):
        self.sts.add_response(
            "get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AIDA"}
        )

    def role(self, name="web-codedeploy", arn=ROLE_ARN):
        """GetRole of the service role given by name (its ARN carries the IAM path)."""
        path = "/" + arn.split(":role/", 1)[1].rsplit("/", 1)[0] + "/" if arn.count("/") > 1 else "/"
        self.iam.add_response(
            "get_role",
            {"Role": {"Path": path, "RoleName": name, "RoleId": "AROAEXAMPLE0000000001", "Arn": arn, "CreateDate": NOW}},
            {"RoleName": name},
        )


@pytest.fixture
def stubs(monkeypatch):
    stubs = Stubs(monkeypatch)
    yield stubs
    for stubber in stubs.stubbers.values():
        stubber.deactivate()


@pytest.fixture
def run(aws_calls):
    """``run(main, args) -> (ok, result)`` without the emulator (clients are stubbed)."""
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    class Exit(Exception):
        def __init__(self, ok, result):
            super().__init__()
            self.ok, self.result = ok, result

    def exit_json(_self, **kwargs):
        raise Exit(True, kwargs)

    def fail_json(_self, msg, **kwargs):
        kwargs.pop("exception", None)
        raise Exit(False, dict(kwargs, msg=msg))

    def run_main(main, args):
        aws_calls.clear()
        full = dict(region=REGION, access_key="x", secret_key="x")
        full.update(args)
        with patch_module_args(full), mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), mock.patch.object(
            basic.AnsibleModule, "fail_json", fail_json
        ):
            try:
                main()
            except Exit as e:
                return e.ok, e.result
        raise AssertionError("module returned without exit_json or fail_json")

    return run_main


def writes(aws_calls):
    return [op for op in aws_calls.writes() if not op.startswith(("Head", "BatchGet"))]


# --- codedeploy_application --------------------------------------------------------------------


def test_application_delete(stubs, run, aws_calls):
    """state=absent deletes the application. Stubbed: DeleteApplication is HTTP 500 in the emulator."""
    stubs.cd.add_response(
        "get_application",
        {"application": {"applicationId": "a-1", "applicationName": "web", "computePlatform": "Server"}},
        {"applicationName": "web"},
    )
    stubs.caller_identity()
    stubs.cd.add_response("list_tags_for_resource", {"Tags": []}, {"ResourceArn": APP_ARN})
    stubs.cd.add_response("delete_application", {}, {"applicationName": "web"})
    ok, result = run(codedeploy_application.main, dict(name="web", state="absent", _ansible_diff=True))
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert result["diff"]["before"]["application_name"] == "web"
    assert result["diff"]["after"] == {} == result["application"]
    assert writes(aws_calls) == ["DeleteApplication"]


# --- codedeploy_deployment_group --------------------------------------------------------------

AWS_GROUP = {
    "applicationName": "web",
    "deploymentGroupId": "6e4e4c6a-8c3f-4a3e-9f0f-2a1b3c4d5e6f",
    "deploymentGroupName": "web-bg",
    "deploymentConfigName": "CodeDeployDefault.OneAtATime",
    "autoScalingGroups": [{"name": "web-blue", "hook": "CodeDeploy-managed-automatic-launch-deployment-hook-web-bg-1"}],
    "serviceRoleArn": ROLE_ARN,
    "triggerConfigurations": [
        {"triggerName": "ops", "triggerTargetArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ops", "triggerEvents": ["DeploymentFailure"]}
    ],
    "alarmConfiguration": {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": "web-5xx"}]},
    "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_FAILURE"]},
    "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
    "outdatedInstancesStrategy": "UPDATE",
    "blueGreenDeploymentConfiguration": {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 30},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
    },
    "loadBalancerInfo": {"targetGroupInfoList": [{"name": "web-blue"}]},
    "computePlatform": "Server",
}

GROUP_ARGS = dict(
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
    triggers=[dict(name="ops", target_arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:ops", events=["DeploymentFailure"])],
    outdated_instances_strategy="UPDATE",
    tags={"Application": "web"},
)


def expect_group_reads(stubs, group, role=True):
    stubs.cd.add_response(
        "get_application",
        {"application": {"applicationName": "web", "computePlatform": "Server"}},
        {"applicationName": "web"},
    )
    stubs.cd.add_response(
        "get_deployment_group", {"deploymentGroupInfo": group}, {"applicationName": "web", "deploymentGroupName": "web-bg"}
    )
    stubs.caller_identity()
    if role:
        stubs.role()
    stubs.cd.add_response("list_tags_for_resource", {"Tags": [{"Key": "Application", "Value": "web"}]}, {"ResourceArn": GROUP_ARN})


def test_group_update_sends_only_what_differs(stubs, run, aws_calls):
    """UpdateDeploymentGroup gets the changed fields, each whole, and what AWS requires with them.

    The group copies its Auto Scaling group (COPY_AUTO_SCALING_GROUP), so the
    changed blueGreenDeploymentConfiguration goes with autoScalingGroups
    although that did not change: AWS refuses it alone with
    InvalidBlueGreenDeploymentConfigurationException ("Exactly one
    AutoScaling group must be specified when selecting the
    COPY_AUTO_SCALING_GROUP green fleet provisioning option"). Stubbed:
    UpdateDeploymentGroup is HTTP 500 in the emulator.
    """
    expect_group_reads(stubs, AWS_GROUP)
    updated = copy.deepcopy(AWS_GROUP)
    updated["deploymentConfigName"] = "CodeDeployDefault.HalfAtATime"
    updated["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"]["terminationWaitTimeInMinutes"] = 5
    updated["alarmConfiguration"]["alarms"].append({"name": "web-latency"})
    stubs.cd.add_response(
        "update_deployment_group",
        {"hooksNotCleanedUp": []},
        {
            "applicationName": "web",
            "currentDeploymentGroupName": "web-bg",
            "deploymentConfigName": "CodeDeployDefault.HalfAtATime",
            "autoScalingGroups": ["web-blue"],
            "blueGreenDeploymentConfiguration": updated["blueGreenDeploymentConfiguration"],
            "alarmConfiguration": {
                "enabled": True,
                "ignorePollAlarmFailure": False,
                "alarms": [{"name": "web-5xx"}, {"name": "web-latency"}],
            },
        },
    )
    stubs.cd.add_response(
        "get_deployment_group", {"deploymentGroupInfo": updated}, {"applicationName": "web", "deploymentGroupName": "web-bg"}
    )
    stubs.cd.add_response("list_tags_for_resource", {"Tags": [{"Key": "Application", "Value": "web"}]}, {"ResourceArn": GROUP_ARN})

    args = dict(
        GROUP_ARGS,
        deployment_config_name="CodeDeployDefault.HalfAtATime",
        blue_green=dict(blue_instances_wait_minutes=5),
        alarm_configuration=dict(alarms=["web-5xx", "web-latency"]),
        _ansible_diff=True,
    )
    ok, result = run(codedeploy_deployment_group.main, args)
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert result["changed_fields"] == [
        "alarmConfiguration",
        "autoScalingGroups",
        "blueGreenDeploymentConfiguration",
        "deploymentConfigName",
    ]
    assert writes(aws_calls) == ["UpdateDeploymentGroup"]
    assert result["deployment_group"]["deployment_config_name"] == "CodeDeployDefault.HalfAtATime"
    assert result["diff"]["before"]["deployment_config_name"] == "CodeDeployDefault.OneAtATime"
    assert result["diff"]["after"]["deployment_config_name"] == "CodeDeployDefault.HalfAtATime"


def test_group_update_check_mode_and_tags(stubs, run, aws_calls):
    """Check mode on an existing group predicts the update without writing; tag changes are part of it.

    Stubbed: the emulator cannot run the update this predicts, so the group is the one real AWS describes.
    """
    expect_group_reads(stubs, AWS_GROUP)
    ok, result = run(
        codedeploy_deployment_group.main,
        dict(GROUP_ARGS, outdated_instances_strategy="IGNORE", tags={"Application": "web", "Team": "a"}, _ansible_check_mode=True),
    )
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert result["changed_fields"] == ["outdatedInstancesStrategy"]
    assert result["deployment_group"]["outdated_instances_strategy"] == "IGNORE"
    assert result["deployment_group"]["tags"] == {"Application": "web", "Team": "a"}
    assert writes(aws_calls) == []


def test_group_keeps_the_copy_made_by_codedeploy(stubs, run, aws_calls):
    """After a COPY_AUTO_SCALING_GROUP deployment the group points at CodeDeploy's copy: kept, with a warning.

    Stubbed: the emulator never runs a deployment, so it never swaps the Auto Scaling group.
    """
    expect_group_reads(stubs, dict(AWS_GROUP, autoScalingGroups=[{"name": "CodeDeploy_web-bg_d-A1B2C3D4E", "hook": "h"}]))
    ok, result = run(codedeploy_deployment_group.main, GROUP_ARGS)
    assert ok, result
    stubs.done()
    assert result["changed"] is False
    assert writes(aws_calls) == []
    assert any("CodeDeploy_web-bg_d-A1B2C3D4E" in w and "web-blue" in w for w in result["warnings"])


def test_group_delete(stubs, run, aws_calls):
    """state=absent deletes and warns about hooks left behind. Stubbed: HTTP 500 in the emulator."""
    expect_group_reads(stubs, AWS_GROUP, role=False)
    stubs.cd.add_response(
        "delete_deployment_group",
        {"hooksNotCleanedUp": [{"name": "web-blue", "hook": "h"}]},
        {"applicationName": "web", "deploymentGroupName": "web-bg"},
    )
    ok, result = run(codedeploy_deployment_group.main, dict(application_name="web", name="web-bg", state="absent"))
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert result["deployment_group"] == {}
    assert writes(aws_calls) == ["DeleteDeploymentGroup"]
    assert any("web-blue" in w and "lifecycle hooks" in w for w in result["warnings"])


# --- codedeploy_deployment ----------------------------------------------------------------------

REVISION = {
    "revisionType": "S3",
    "s3Location": {"bucket": BUCKET, "key": KEY, "bundleType": "zip", "version": "v1", "eTag": ETAG},
}
PREVIOUS_REVISION = {
    "revisionType": "S3",
    "s3Location": {"bucket": BUCKET, "key": "web/1.4.0/web.zip", "bundleType": "zip", "version": "v0",
                   "eTag": "0cc175b9c0f1b6a831c399e269772661"},
}


def deployment(status, deployment_id="d-A1B2C3D4E", overview=None, **extra):
    counts = dict(Pending=0, InProgress=0, Succeeded=0, Failed=0, Skipped=0, Ready=0)
    counts.update(overview or {})
    info = {
        "applicationName": "web",
        "deploymentGroupName": "web-bg",
        "deploymentId": deployment_id,
        "revision": REVISION,
        "status": status,
        "createTime": NOW,
        "deploymentOverview": counts,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "creator": "user",
    }
    info.update(extra)
    return info


def expect_deployment_reads(stubs, group=None):
    stubs.cd.add_response(
        "get_application",
        {"application": {"applicationName": "web", "computePlatform": "Server"}},
        {"applicationName": "web"},
    )
    stubs.cd.add_response(
        "get_deployment_group",
        {"deploymentGroupInfo": group or AWS_GROUP},
        {"applicationName": "web", "deploymentGroupName": "web-bg"},
    )


def expect_revision_and_no_active(stubs):
    stubs.s3.add_response(
        "head_object", {"ETag": f'"{ETAG}"', "VersionId": "v1", "ContentLength": 2048}, {"Bucket": BUCKET, "Key": KEY}
    )
    stubs.cd.add_response(
        "list_deployments",
        {"deployments": []},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "includeOnlyStatuses": list(codedeploy_utils.ACTIVE_STATUSES)},
    )


def expect_polls(stubs, *descriptions):
    for info in descriptions:
        stubs.cd.add_response("get_deployment", {"deploymentInfo": info}, {"deploymentId": info["deploymentId"]})


DEPLOY_ARGS = dict(
    application_name="web",
    deployment_group_name="web-bg",
    revision=dict(bucket=BUCKET, key=KEY),
    description="web 1.5.0",
    poll_interval=10,
    wait_timeout=600,
)


def test_deployment_lifecycle_created_in_progress_succeeded(stubs, run, aws_calls):
    """Created -> InProgress -> Succeeded, one progress entry per change. Stubbed: emulator deployments stay Created."""
    expect_deployment_reads(stubs)
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "revision": REVISION, "description": "web 1.5.0"},
    )
    expect_polls(
        stubs,
        deployment("Created"),
        deployment("InProgress", overview={"Pending": 2}),
        deployment("InProgress", overview={"Pending": 2}),
        deployment("InProgress", overview={"InProgress": 1, "Succeeded": 1}),
        deployment("Succeeded", overview={"Succeeded": 2}, completeTime=NOW),
    )
    ok, result = run(codedeploy_deployment.main, dict(DEPLOY_ARGS, _ansible_diff=True))
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert writes(aws_calls) == ["CreateDeployment"]
    assert result["deployment"]["status"] == "Succeeded"
    assert result["deployment"]["deployment_overview"]["succeeded"] == 2
    assert [(p["status"], p["overview"]["succeeded"]) for p in result["progress"]] == [
        ("Created", 0),
        ("InProgress", 0),
        ("InProgress", 1),
        ("Succeeded", 2),
    ]
    assert [p["elapsed"] for p in result["progress"]] == [0, 10, 30, 40]
    assert stubs.sleeps == [10, 10, 10, 10]
    assert result["instance_failures"] == []
    assert result["diff"] == {
        "before": {},
        "after": {"deployment_id": "d-A1B2C3D4E", "status": "Succeeded", "revision": f"s3://{BUCKET}/{KEY} (version v1)"},
    }


def test_deployment_failed_names_the_instance_and_lifecycle_event(stubs, run, aws_calls):
    """Failed with errorInformation and a failing instance. Stubbed: no lifecycle and no ListDeploymentTargets in the emulator."""
    expect_deployment_reads(stubs)
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "revision": REVISION, "description": "web 1.5.0"},
    )
    error = {"code": "HEALTH_CONSTRAINTS", "message": "The overall deployment failed because too many individual instances failed deployment"}
    expect_polls(
        stubs,
        deployment("InProgress", overview={"InProgress": 2}),
        deployment("Failed", overview={"Failed": 1, "Skipped": 1}, errorInformation=error,
                   rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK1"}),
    )
    stubs.cd.add_response(
        "list_deployment_targets",
        {"targetIds": ["i-0123456789abcdef0"]},
        {"deploymentId": "d-A1B2C3D4E", "targetFilters": {"TargetStatus": ["Failed"]}},
    )
    lifecycle = [
        {"lifecycleEventName": "BeforeInstall", "status": "Succeeded", "diagnostics": {"errorCode": "Success"}},
        {"lifecycleEventName": "AfterInstall", "status": "Succeeded"},
        {
            "lifecycleEventName": "ValidateService",
            "status": "Failed",
            "diagnostics": {
                "errorCode": "ScriptFailed",
                "scriptName": "scripts/validate.ps1",
                "message": "Script at specified location: scripts/validate.ps1 run as user System failed with exit code 1",
                "logTail": "[stdout]GET http://localhost/health -> 503",
            },
        },
    ]
    stubs.cd.add_response(
        "batch_get_deployment_targets",
        {
            "deploymentTargets": [
                {
                    "deploymentTargetType": "InstanceTarget",
                    "instanceTarget": {
                        "deploymentId": "d-A1B2C3D4E",
                        "targetId": "i-0123456789abcdef0",
                        "targetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0",
                        "status": "Failed",
                        "lifecycleEvents": lifecycle,
                        "instanceLabel": "Green",
                    },
                }
            ]
        },
        {"deploymentId": "d-A1B2C3D4E", "targetIds": ["i-0123456789abcdef0"]},
    )
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert not ok
    stubs.done()
    assert result["msg"] == (
        "Deployment d-A1B2C3D4E failed: HEALTH_CONSTRAINTS: The overall deployment failed because too many individual "
        "instances failed deployment; instance i-0123456789abcdef0 failed at lifecycle event ValidateService "
        "(ScriptFailed, scripts/validate.ps1, Script at specified location: scripts/validate.ps1 run as user System "
        "failed with exit code 1); rolled back by deployment d-ROLLBACK1"
    )
    (failure,) = result["instance_failures"]
    assert failure["lifecycle_event"] == "ValidateService"
    assert failure["instance_label"] == "Green"
    assert failure["log_tail"] == "[stdout]GET http://localhost/health -> 503"
    assert result["deployment"]["error_information"]["code"] == "HEALTH_CONSTRAINTS"
    assert [p["status"] for p in result["progress"]] == ["InProgress", "Failed"]


def test_blue_green_stops_at_ready_then_continue(stubs, run, aws_calls):
    """Ready option STOP_DEPLOYMENT: the deploy task ends at Ready, `continued` reroutes and waits, a rerun is a no-op.

    Stubbed: the emulator has no Ready state and answers ContinueDeployment with HTTP 500.
    """
    expect_deployment_reads(stubs)
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "revision": REVISION, "description": "web 1.5.0"},
    )
    expect_polls(stubs, deployment("InProgress", overview={"InProgress": 2}), deployment("Ready", overview={"Ready": 2}))
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert ok, result
    assert result["deployment"]["status"] == "Ready"
    assert result["changed"] is True

    # continue: Ready -> InProgress (rerouting) -> InProgress (blue termination wait): settled
    continue_args = dict(application_name="web", deployment_group_name="web-bg", deployment_id="d-A1B2C3D4E",
                         state="continued", poll_interval=10)
    expect_deployment_reads(stubs)
    expect_polls(stubs, deployment("Ready", overview={"Ready": 2}))
    stubs.cd.add_response("continue_deployment", {}, {"deploymentId": "d-A1B2C3D4E", "deploymentWaitType": "READY_WAIT"})
    expect_polls(
        stubs,
        deployment("InProgress", overview={"Ready": 2}),
        deployment("InProgress", overview={"Succeeded": 2}, instanceTerminationWaitTimeStarted=True),
    )
    ok, result = run(codedeploy_deployment.main, dict(continue_args, _ansible_diff=True))
    assert ok, result
    assert result["changed"] is True
    assert writes(aws_calls) == ["ContinueDeployment"]
    assert result["deployment"]["instance_termination_wait_time_started"] is True
    assert result["diff"]["before"]["status"] == "Ready"

    # again: traffic is already rerouted, nothing to continue
    expect_deployment_reads(stubs)
    expect_polls(stubs, deployment("InProgress", overview={"Succeeded": 2}, instanceTerminationWaitTimeStarted=True))
    ok, result = run(codedeploy_deployment.main, continue_args)
    assert ok, result
    stubs.done()
    assert result["changed"] is False
    assert writes(aws_calls) == []


def test_continue_check_mode_writes_nothing(stubs, run, aws_calls):
    """Check mode predicts the continue of a Ready deployment. Stubbed: the emulator has no Ready state."""
    expect_deployment_reads(stubs)
    stubs.cd.add_response(
        "list_deployments",
        {"deployments": ["d-A1B2C3D4E"]},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "includeOnlyStatuses": list(codedeploy_utils.ACTIVE_STATUSES)},
    )
    stubs.cd.add_response(
        "batch_get_deployments", {"deploymentsInfo": [deployment("Ready")]}, {"deploymentIds": ["d-A1B2C3D4E"]}
    )
    ok, result = run(
        codedeploy_deployment.main,
        dict(application_name="web", deployment_group_name="web-bg", state="continued", _ansible_check_mode=True),
    )
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert writes(aws_calls) == []


def test_stop_with_rollback(stubs, run, aws_calls):
    """Stopped with automatic rollback: waits for Stopped, then for the rollback deployment.

    Stubbed: the emulator answers StopDeployment with HTTP 500 and never rolls back.
    """
    expect_deployment_reads(stubs)
    stubs.cd.add_response(
        "list_deployments",
        {"deployments": ["d-A1B2C3D4E"]},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "includeOnlyStatuses": list(codedeploy_utils.ACTIVE_STATUSES)},
    )
    stubs.cd.add_response(
        "batch_get_deployments",
        {"deploymentsInfo": [deployment("InProgress", overview={"InProgress": 1, "Succeeded": 1})]},
        {"deploymentIds": ["d-A1B2C3D4E"]},
    )
    stubs.cd.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stopping Pending. Stopping to schedule commands in the deployment instances"},
        {"deploymentId": "d-A1B2C3D4E", "autoRollbackEnabled": True},
    )
    rollback_info = {"rollbackDeploymentId": "d-ROLLBACK1", "rollbackMessage": "Rolled back by d-ROLLBACK1"}
    stopped = dict(overview={"Succeeded": 1, "Skipped": 1},
                   errorInformation={"code": "MANUAL_STOP", "message": "The deployment was stopped by a user"})
    # The rollback redeploys the last good revision (not the stopped one), and
    # CodeDeploy names it a little after the deployment reads Stopped.
    rollback = dict(revision=PREVIOUS_REVISION, creator="codeDeployRollback",
                    rollbackInfo={"rollbackTriggeringDeploymentId": "d-A1B2C3D4E"})
    expect_polls(
        stubs,
        deployment("InProgress", overview={"InProgress": 1, "Succeeded": 1}),
        deployment("Stopped", **stopped),
        deployment("Stopped", **stopped),
        deployment("Stopped", rollbackInfo=rollback_info, **stopped),
        deployment("InProgress", "d-ROLLBACK1", overview={"InProgress": 1}, **rollback),
        deployment("Succeeded", "d-ROLLBACK1", overview={"Succeeded": 2}, **rollback),
    )
    ok, result = run(
        codedeploy_deployment.main,
        dict(application_name="web", deployment_group_name="web-bg", state="stopped", poll_interval=5),
    )
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert writes(aws_calls) == ["StopDeployment"]
    assert result["deployment"]["status"] == "Stopped"
    assert result["deployment"]["rollback_info"]["rollback_deployment_id"] == "d-ROLLBACK1"
    assert result["rollback_deployment"]["status"] == "Succeeded"
    assert result["rollback_deployment"]["revision"]["s3_location"]["key"] == "web/1.4.0/web.zip"
    assert result["rollback_deployment"]["rollback_info"]["rollback_triggering_deployment_id"] == "d-A1B2C3D4E"
    assert result["stop_status"]["status"] == "Pending"
    assert [(p["deployment_id"], p["status"]) for p in result["progress"]] == [
        ("d-A1B2C3D4E", "InProgress"),
        ("d-A1B2C3D4E", "Stopped"),
        ("d-ROLLBACK1", "InProgress"),
        ("d-ROLLBACK1", "Succeeded"),
    ]
    assert stubs.sleeps == [5, 5, 5, 5]  # to Stopped, twice for the rollback ID, to the rollback's end


def test_stop_with_rollback_that_never_appears_is_bounded(stubs, run, aws_calls):
    """No rollbackDeploymentId within the bounded look (60 s): the task ends with a warning, not a hang.

    Stubbed: the emulator answers StopDeployment with HTTP 500 and never rolls back.
    """
    expect_deployment_reads(stubs)
    expect_polls(stubs, deployment("InProgress", overview={"InProgress": 1}))
    stubs.cd.add_response(
        "stop_deployment", {"status": "Succeeded", "statusMessage": "Stopped"}, {"deploymentId": "d-A1B2C3D4E", "autoRollbackEnabled": True}
    )
    # One read to see Stopped, then one every 5 s (ROLLBACK_ID_POLL, below poll_interval) for 60 s.
    polls = 1 + codedeploy_deployment.ROLLBACK_ID_WAIT // codedeploy_deployment.ROLLBACK_ID_POLL
    expect_polls(stubs, *[deployment("Stopped") for _poll in range(polls)])
    ok, result = run(
        codedeploy_deployment.main,
        dict(application_name="web", deployment_group_name="web-bg", state="stopped", deployment_id="d-A1B2C3D4E",
             poll_interval=20),
    )
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert "rollback_deployment" not in result
    assert sum(stubs.sleeps) <= codedeploy_deployment.ROLLBACK_ID_WAIT
    assert stubs.sleeps == [5] * (codedeploy_deployment.ROLLBACK_ID_WAIT // 5)
    assert any("named no rollback deployment within 60s" in w for w in result["warnings"])


def test_stop_when_finished_is_a_no_op(stubs, run, aws_calls):
    """Stopping a deployment that already ended writes nothing. Stubbed: needs a Stopped deployment."""
    expect_deployment_reads(stubs)
    expect_polls(stubs, deployment("Stopped"))
    ok, result = run(
        codedeploy_deployment.main,
        dict(application_name="web", deployment_group_name="web-bg", state="stopped", deployment_id="d-A1B2C3D4E"),
    )
    assert ok, result
    stubs.done()
    assert result["changed"] is False
    assert writes(aws_calls) == []


def test_last_successful_deployment_of_same_object_is_not_repeated(stubs, run, aws_calls):
    """The group's last successful deployment, also its last attempted one, deployed this very object: no new deployment.

    Stubbed: the emulator reports no lastSuccessfulDeployment (its deployments never succeed).
    """
    last = {"deploymentId": "d-PREVIOUS1", "status": "Succeeded", "createTime": NOW}
    expect_deployment_reads(stubs, dict(AWS_GROUP, lastSuccessfulDeployment=last, lastAttemptedDeployment=last))
    expect_revision_and_no_active(stubs)
    expect_polls(stubs, deployment("Succeeded", "d-PREVIOUS1"))
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert ok, result
    stubs.done()
    assert result["changed"] is False
    assert result["deployment"]["deployment_id"] == "d-PREVIOUS1"
    assert writes(aws_calls) == []


def test_stopped_unasked_fails(stubs, run, aws_calls):
    """A deployment stopped by an alarm fails the deploy task with the reason. Stubbed: no alarms stop emulator deployments."""
    expect_deployment_reads(stubs)
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "revision": REVISION, "description": "web 1.5.0"},
    )
    alarm = {"code": "ALARM_ACTIVE", "message": "One or more alarms have been activated: web-5xx"}
    expect_polls(stubs, deployment("Stopped", errorInformation=alarm))
    stubs.cd.add_response(
        "list_deployment_targets", {"targetIds": []}, {"deploymentId": "d-A1B2C3D4E", "targetFilters": {"TargetStatus": ["Failed"]}}
    )
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert not ok
    stubs.done()
    assert result["msg"] == "Deployment d-A1B2C3D4E stopped: ALARM_ACTIVE: One or more alarms have been activated: web-5xx"


# --- issue 14: what real CodeDeploy would reject or misreport -----------------------------------


def test_group_service_role_name_resolves_to_its_path(stubs, run, aws_calls):
    """A role given by name is looked up: its ARN carries the IAM path, so a role under /service-role/ is not drift.

    Before, the ARN was built as role/<name>, which differs from AWS's
    role/service-role/<name> and made every run send an update to a role ARN
    that does not exist. Stubbed: the emulator cannot run the update that
    would have followed.
    """
    path_arn = f"arn:aws:iam::{ACCOUNT}:role/service-role/web-codedeploy"
    stubs.cd.add_response(
        "get_application", {"application": {"applicationName": "web", "computePlatform": "Server"}}, {"applicationName": "web"}
    )
    stubs.cd.add_response(
        "get_deployment_group",
        {"deploymentGroupInfo": dict(AWS_GROUP, serviceRoleArn=path_arn)},
        {"applicationName": "web", "deploymentGroupName": "web-bg"},
    )
    stubs.caller_identity()
    stubs.role(arn=path_arn)
    stubs.cd.add_response("list_tags_for_resource", {"Tags": [{"Key": "Application", "Value": "web"}]}, {"ResourceArn": GROUP_ARN})
    ok, result = run(codedeploy_deployment_group.main, GROUP_ARGS)
    assert ok, result
    stubs.done()
    assert result["changed"] is False, result.get("changed_fields")
    assert result["deployment_group"]["service_role_arn"] == path_arn
    assert writes(aws_calls) == []


def test_group_service_role_path_name_needs_no_lookup(stubs, run, aws_calls):
    """service_role given as path/name becomes role/path/name without an IAM call (no GetRole stubbed)."""
    path_arn = f"arn:aws:iam::{ACCOUNT}:role/service-role/web-codedeploy"
    expect_group_reads(stubs, dict(AWS_GROUP, serviceRoleArn=path_arn), role=False)
    ok, result = run(codedeploy_deployment_group.main, dict(GROUP_ARGS, service_role="service-role/web-codedeploy"))
    assert ok, result
    stubs.done()
    assert result["changed"] is False


def test_group_unknown_service_role_fails_before_any_write(stubs, run, aws_calls):
    """A role name that IAM does not know fails with the name, before any CodeDeploy write."""
    stubs.cd.add_response(
        "get_application", {"application": {"applicationName": "web", "computePlatform": "Server"}}, {"applicationName": "web"}
    )
    stubs.cd.add_response(
        "get_deployment_group", {"deploymentGroupInfo": AWS_GROUP}, {"applicationName": "web", "deploymentGroupName": "web-bg"}
    )
    stubs.caller_identity()
    stubs.iam.add_client_error("get_role", "NoSuchEntity", "The role with name web-codedeploy cannot be found.", 404)
    ok, result = run(codedeploy_deployment_group.main, GROUP_ARGS)
    assert not ok
    stubs.done()
    assert "IAM role web-codedeploy not found" in result["msg"]
    assert writes(aws_calls) == []


def test_group_update_retries_role_propagation_and_throttling(stubs, run, aws_calls, monkeypatch):
    """InvalidRoleException (IAM propagation) and ThrottlingException on UpdateDeploymentGroup are retried, bounded.

    Before, only AWSRetry's generic codes were retried, so both failed the task
    at once. Stubbed: the emulator neither throttles nor checks the role.
    """
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    expect_group_reads(stubs, AWS_GROUP)
    expected = {"applicationName": "web", "currentDeploymentGroupName": "web-bg", "outdatedInstancesStrategy": "IGNORE"}
    stubs.cd.add_client_error(
        "update_deployment_group", "InvalidRoleException",
        "AWS CodeDeploy does not have the permissions required to assume the role", 400, expected_params=expected,
    )
    stubs.cd.add_client_error("update_deployment_group", "ThrottlingException", "Rate exceeded", 400, expected_params=expected)
    stubs.cd.add_response("update_deployment_group", {"hooksNotCleanedUp": []}, expected)
    stubs.cd.add_response(
        "get_deployment_group",
        {"deploymentGroupInfo": dict(AWS_GROUP, outdatedInstancesStrategy="IGNORE")},
        {"applicationName": "web", "deploymentGroupName": "web-bg"},
    )
    stubs.cd.add_response("list_tags_for_resource", {"Tags": [{"Key": "Application", "Value": "web"}]}, {"ResourceArn": GROUP_ARN})
    ok, result = run(codedeploy_deployment_group.main, dict(GROUP_ARGS, outdated_instances_strategy="IGNORE"))
    assert ok, result
    stubs.done()
    assert result["deployment_group"]["outdated_instances_strategy"] == "IGNORE"
    assert len(slept) == 2 and all(0 <= s <= 20 for s in slept)


def test_group_role_propagation_retries_are_bounded(monkeypatch):
    """A role that never becomes usable fails after 6 attempts and at most 61 s of backoff."""
    import boto3
    from botocore.stub import Stubber

    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    client = boto3.client("codedeploy", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        for _attempt in range(6):
            stubber.add_client_error("create_deployment_group", "InvalidRoleException", "cannot assume the role", 400)
        with pytest.raises(codedeploy_utils.AnsibleBlueGreenCodeDeployError, match="create deployment group web/web-bg"):
            codedeploy_utils.create_deployment_group(client, "web", "web-bg", {"serviceRoleArn": ROLE_ARN}, {})
        stubber.assert_no_pending_responses()
    assert len(slept) == 5 and sum(slept) <= 61


def test_application_of_another_platform_is_accepted_without_compute_platform(stubs, run, aws_calls):
    """An existing Lambda application, compute_platform not set: tags managed, no failure.

    Before, compute_platform defaulted to Server and every run against a Lambda
    or ECS application failed. Stubbed: a Lambda application with tags read
    back the way AWS answers (the emulator would do too; kept with the other
    application case here).
    """
    lambda_app = {"applicationId": "a-1", "applicationName": "web", "computePlatform": "Lambda"}
    stubs.cd.add_response("get_application", {"application": lambda_app}, {"applicationName": "web"})
    stubs.caller_identity()
    stubs.cd.add_response("list_tags_for_resource", {"Tags": [{"Key": "Application", "Value": "web"}]}, {"ResourceArn": APP_ARN})
    ok, result = run(codedeploy_application.main, dict(name="web", tags={"Application": "web"}))
    assert ok, result
    stubs.done()
    assert result["changed"] is False
    assert result["application"]["compute_platform"] == "Lambda"
    assert writes(aws_calls) == []


def test_application_platform_mismatch_names_both(stubs, run, aws_calls):
    """compute_platform given and different: refused, naming both platforms, before any write."""
    lambda_app = {"applicationId": "a-1", "applicationName": "web", "computePlatform": "ECS"}
    stubs.cd.add_response("get_application", {"application": lambda_app}, {"applicationName": "web"})
    stubs.caller_identity()
    ok, result = run(codedeploy_application.main, dict(name="web", compute_platform="Server"))
    assert not ok
    stubs.done()
    assert "compute platform ECS, not Server" in result["msg"]
    assert writes(aws_calls) == []


def test_last_success_of_same_object_after_a_failed_attempt_is_deployed_again(stubs, run, aws_calls):
    """lastSuccessfulDeployment has this object but a later attempt failed: deploy it again.

    The failed attempt may have left instances on another revision (or none),
    so "the last success deployed it" proves nothing. Stubbed: the emulator
    reports neither lastSuccessfulDeployment nor lastAttemptedDeployment.
    """
    group = dict(
        AWS_GROUP,
        lastSuccessfulDeployment={"deploymentId": "d-PREVIOUS1", "status": "Succeeded", "createTime": NOW},
        lastAttemptedDeployment={"deploymentId": "d-FAILED22", "status": "Failed", "createTime": NOW},
    )
    expect_deployment_reads(stubs, group)
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "revision": REVISION, "description": "web 1.5.0"},
    )
    expect_polls(stubs, deployment("Succeeded", overview={"Succeeded": 2}))
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert writes(aws_calls) == ["CreateDeployment"]


def discover_existing_group():
    group = copy.deepcopy(AWS_GROUP)
    group["blueGreenDeploymentConfiguration"]["greenFleetProvisioningOption"]["action"] = "DISCOVER_EXISTING"
    return group


def test_discover_existing_group_without_target_instances_is_refused(stubs, run, aws_calls):
    """DISCOVER_EXISTING: CodeDeploy needs the green fleet named; refused before S3 or any write.

    Before, CreateDeployment went without targetInstances. Stubbed: the
    emulator does not check blue/green deployments at all.
    """
    expect_deployment_reads(stubs, discover_existing_group())
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert not ok
    stubs.done()
    assert "web/web-bg" in result["msg"] and "DISCOVER_EXISTING" in result["msg"]
    assert "target_instances" in result["msg"]
    assert aws_calls.writes() == []


def test_discover_existing_group_deploys_to_the_named_fleet(stubs, run, aws_calls):
    """target_instances becomes CreateDeployment's targetInstances (shape checked against the service model)."""
    expect_deployment_reads(stubs, discover_existing_group())
    expect_revision_and_no_active(stubs)
    stubs.cd.add_response(
        "create_deployment",
        {"deploymentId": "d-A1B2C3D4E"},
        {
            "applicationName": "web",
            "deploymentGroupName": "web-bg",
            "revision": REVISION,
            "description": "web 1.5.0",
            "targetInstances": {
                "autoScalingGroups": ["web-green"],
                "tagFilters": [{"Key": "Color", "Value": "green", "Type": "KEY_AND_VALUE"}],
            },
        },
    )
    expect_polls(stubs, deployment("Ready", overview={"Ready": 2}))
    args = dict(DEPLOY_ARGS, target_instances=dict(auto_scaling_groups=["web-green"], tag_filters=[dict(key="Color", value="green")]))
    ok, result = run(codedeploy_deployment.main, args)
    assert ok, result
    stubs.done()
    assert writes(aws_calls) == ["CreateDeployment"]


def test_busy_in_termination_wait_suggests_continuing_not_stopping(stubs, run, aws_calls):
    """Another revision's deployment only waits before terminating the old fleet: say TERMINATION_WAIT.

    state=stopped would roll back a deployment that already moved traffic.
    Stubbed: the emulator has no termination wait.
    """
    expect_deployment_reads(stubs)
    stubs.s3.add_response(
        "head_object", {"ETag": f'"{ETAG}"', "VersionId": "v1", "ContentLength": 2048}, {"Bucket": BUCKET, "Key": KEY}
    )
    stubs.cd.add_response(
        "list_deployments",
        {"deployments": ["d-OLDER0001"]},
        {"applicationName": "web", "deploymentGroupName": "web-bg", "includeOnlyStatuses": list(codedeploy_utils.ACTIVE_STATUSES)},
    )
    waiting = deployment("InProgress", "d-OLDER0001", overview={"Succeeded": 2}, revision=PREVIOUS_REVISION,
                         instanceTerminationWaitTimeStarted=True)
    stubs.cd.add_response("batch_get_deployments", {"deploymentsInfo": [waiting]}, {"deploymentIds": ["d-OLDER0001"]})
    ok, result = run(codedeploy_deployment.main, DEPLOY_ARGS)
    assert not ok
    stubs.done()
    assert "state=continued and wait_type=TERMINATION_WAIT" in result["msg"]
    assert "d-OLDER0001" in result["msg"]
    assert "stop it (state=stopped)" not in result["msg"]
    assert writes(aws_calls) == []


def test_deployment_info_newest_first_does_not_trust_list_order(stubs, run, aws_calls):
    """30 deployments listed oldest first: all are described (25 + 5) and the newest comes first.

    ListDeployments documents no order; before, only the first 25 listed were
    described, so the newest could be missing. Stubbed: the order and the
    createTime values are laid out exactly.
    """
    from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_deployment_info

    ids = [f"d-{i:09d}" for i in range(30)]
    described = {i: deployment("Succeeded", i, createTime=NOW + datetime.timedelta(minutes=n)) for n, i in enumerate(ids)}
    stubs.cd.add_response(
        "list_deployments", {"deployments": ids}, {"applicationName": "web", "deploymentGroupName": "web-bg"}
    )
    stubs.cd.add_response(
        "batch_get_deployments", {"deploymentsInfo": [described[i] for i in reversed(ids[:25])]}, {"deploymentIds": ids[:25]}
    )
    stubs.cd.add_response("batch_get_deployments", {"deploymentsInfo": [described[i] for i in ids[25:]]}, {"deploymentIds": ids[25:]})
    ok, result = run(
        codedeploy_deployment_info.main, dict(application_name="web", deployment_group_name="web-bg", max_results=3)
    )
    assert ok, result
    stubs.done()
    assert [d["deployment_id"] for d in result["deployments"]] == ["d-000000029", "d-000000028", "d-000000027"]


def test_group_check_mode_with_a_role_not_created_yet_predicts(stubs, run, aws_calls):
    """Check mode: the role may only have been predicted by an earlier task; warn and assume the path /."""
    stubs.cd.add_response(
        "get_application", {"application": {"applicationName": "web", "computePlatform": "Server"}}, {"applicationName": "web"}
    )
    stubs.cd.add_client_error("get_deployment_group", "DeploymentGroupDoesNotExistException", "No group", 400)
    stubs.caller_identity()
    stubs.iam.add_client_error("get_role", "NoSuchEntity", "The role with name web-codedeploy cannot be found.", 404)
    ok, result = run(codedeploy_deployment_group.main, dict(GROUP_ARGS, _ansible_check_mode=True))
    assert ok, result
    stubs.done()
    assert result["changed"] is True
    assert result["deployment_group"]["service_role_arn"] == ROLE_ARN
    assert any("IAM role web-codedeploy not found" in w for w in result["warnings"])
    assert writes(aws_calls) == []

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The codedeploy role (listener mode) against the emulator, run by ansible-playbook.

Check mode, run, and a second run that must change nothing, each read back
with boto3. The emulator's GetDeploymentGroup drops the Auto Scaling group
names and the alarm configuration it stored, which would look like drift and
send an UpdateDeploymentGroup that moto answers with HTTP 500; this file makes
the in-process emulator report what it stored (``faithful_group_reads``, as in
test_module_codedeploy_deployment_group.py) so that the module's real
comparison decides. The playbooks' own emulator has no such patch, which is
why inventories/local sets ``codedeploy_update_existing: false``; that path is
tested too (a changed input, no update). The tests share one emulator state and
run in file order.
"""

from __future__ import annotations

import re

import pytest

from conftest import REGION

APP = "orders"
ACCOUNT = "123456789012"
ROLE_ARN = "arn:aws:iam::%s:role/%s-codedeploy" % (ACCOUNT, APP)
ALARMS = {c: ["%s-%s-%s" % (APP, c, s) for s in ("5xx", "p99-latency", "unhealthy-hosts")] for c in ("blue", "green")}


@pytest.fixture(scope="module")
def faithful_group_reads():
    """Make the in-process moto report the Auto Scaling groups and alarms it stored."""
    from moto.codedeploy import responses

    original = responses._deployment_group_info

    def faithful(group):
        info = original(group)
        info["autoScalingGroups"] = [{"name": name} for name in group.auto_scaling_groups]
        info["alarmConfiguration"] = group.alarm_configuration or {
            "enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
        return info

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(responses, "_deployment_group_info", faithful)
        yield


@pytest.fixture(scope="module")
def stack(emulator_server, role_playbook, faithful_group_reads):
    run = role_playbook("codedeploy", show="codedeploy_deployment_groups | to_json", bluegreen_app=APP,
                        bluegreen_region=REGION, codedeploy_service_role=ROLE_ARN,
                        codedeploy_auto_scaling_groups={"blue": APP + "-blue", "green": APP + "-green"},
                        codedeploy_alarms=ALARMS, codedeploy_tags={"Team": "web"})
    return dict(run=run, codedeploy=emulator_server.client("codedeploy"))


def recap(output):
    match = re.search(r"^localhost\s+:\s+(.*)$", output, re.MULTILINE)
    assert match, output[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def applications(stack):
    return stack["codedeploy"].list_applications()["applications"]


def group(stack, name):
    return stack["codedeploy"].get_deployment_group(applicationName=APP, deploymentGroupName=name)["deploymentGroupInfo"]


def test_check_mode_writes_nothing(stack):
    rc, out = stack["run"]("--check")
    assert rc == 0 and recap(out)["changed"] >= 1, out[-4000:]
    assert APP not in applications(stack)


def test_one_in_place_group_per_color(stack):
    rc, out = stack["run"]()
    assert rc == 0 and recap(out)["changed"] == 2, out[-4000:]
    assert 'codedeploy_deployment_groups={\\"blue\\": \\"orders-blue\\", \\"green\\": \\"orders-green\\"}' in out, out[-3000:]
    codedeploy = stack["codedeploy"]
    assert codedeploy.get_application(applicationName=APP)["application"]["computePlatform"] == "Server"
    assert sorted(codedeploy.list_deployment_groups(applicationName=APP)["deploymentGroups"]) == [APP + "-blue", APP + "-green"]
    for color in ("blue", "green"):
        info = group(stack, "%s-%s" % (APP, color))
        assert info["deploymentStyle"] == {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
        assert info["autoScalingGroups"] == [{"name": "%s-%s" % (APP, color)}]
        assert info["serviceRoleArn"] == ROLE_ARN
        assert info["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
        assert sorted(info["alarmConfiguration"]["alarms"], key=lambda a: a["name"]) == [
            {"name": n} for n in sorted(ALARMS[color])]
        assert info["autoRollbackConfiguration"] == {
            "enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
        arn = "arn:aws:codedeploy:%s:%s:deploymentgroup:%s/%s-%s" % (REGION, ACCOUNT, APP, APP, color)
        tags = {t["Key"]: t["Value"] for t in codedeploy.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        assert tags == {"App": APP, "Color": color, "Team": "web"}


def test_second_run_changes_nothing(stack):
    rc, out = stack["run"]()
    assert rc == 0 and recap(out)["changed"] == 0, out[-4000:]


def test_missing_auto_scaling_group_fails_before_any_write(stack):
    rc, out = stack["run"](codedeploy_auto_scaling_groups={"blue": APP + "-blue"}, bluegreen_app="other")
    assert rc != 0
    assert "needs an Auto Scaling group per color (blue, green" in out, out[-3000:]
    assert '"blue": "orders-blue"' in out, out[-3000:]
    assert "other" not in applications(stack)


def test_create_only_leaves_existing_groups_alone(stack):
    """codedeploy_update_existing=false (the embedded AWS): existing groups are not updated, even for a changed input."""
    rc, out = stack["run"](codedeploy_update_existing=False, codedeploy_deployment_config_name="CodeDeployDefault.AllAtOnce")
    assert rc == 0 and recap(out)["changed"] == 0, out[-4000:]
    assert group(stack, APP + "-blue")["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"


def test_absent_on_the_emulator_keeps_the_application_and_says_why(stack):
    rc, out = stack["run"](codedeploy_state="absent", codedeploy_delete_application=False)
    assert rc == 0 and recap(out)["changed"] == 0, out[-4000:]
    assert "the CodeDeploy application is left as it is" in out
    assert "codedeploy_deployment_groups={}" in out
    assert APP in applications(stack)

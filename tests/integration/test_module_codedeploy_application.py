# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.codedeploy_application and codedeploy_application_info.

Against the embedded AWS: create, tags, idempotence, info. Deleting is tested
with botocore's Stubber in test_module_codedeploy_stubbed.py, because the
emulator answers DeleteApplication with HTTP 500 (not implemented in moto 5.2.5).
"""

from __future__ import annotations

from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_application
from ansible_collections.bluegreen.aws.plugins.modules import codedeploy_application_info

ACCOUNT = "123456789012"
ARN = f"arn:aws:codedeploy:us-east-1:{ACCOUNT}:application:web"


def read_app(aws, name="web"):
    return aws.client("codedeploy").get_application(applicationName=name)["application"]


def read_tags(aws, arn=ARN):
    tags = aws.client("codedeploy").list_tags_for_resource(ResourceArn=arn)["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def test_create_check_run_and_idempotence(aws, run_module, aws_calls):
    args = dict(name="web", compute_platform="Server", tags={"Application": "web", "Owner": "platform"})

    ok, result = run_module(codedeploy_application.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert ok, result
    assert result["changed"] is True
    assert result["application"]["application_name"] == "web"
    assert result["application"]["tags"] == {"Application": "web", "Owner": "platform"}
    assert result["diff"]["before"] == {}
    assert aws_calls.writes() == []
    assert aws.client("codedeploy").list_applications()["applications"] == []

    ok, result = run_module(codedeploy_application.main, args)
    assert ok, result
    assert result["changed"] is True
    assert aws_calls.writes() == ["CreateApplication"]
    app = read_app(aws)
    assert app["computePlatform"] == "Server"
    assert result["application"]["application_id"] == app["applicationId"]
    assert read_tags(aws) == {"Application": "web", "Owner": "platform"}

    for check_mode in (True, False):
        ok, result = run_module(codedeploy_application.main, dict(args, _ansible_check_mode=check_mode))
        assert ok, result
        assert result["changed"] is False
        assert aws_calls.writes() == []
        assert result["application"]["tags"] == {"Application": "web", "Owner": "platform"}


def test_tags_updated_and_purged(aws, run_module, aws_calls):
    aws.client("codedeploy").create_application(
        applicationName="web", computePlatform="Server", tags=[{"Key": "Owner", "Value": "ops"}, {"Key": "Old", "Value": "x"}]
    )
    args = dict(name="web", tags={"Owner": "platform", "Application": "web"})

    ok, result = run_module(codedeploy_application.main, dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert ok and result["changed"] is True
    assert result["diff"]["before"]["tags"] == {"Owner": "ops", "Old": "x"}
    assert result["diff"]["after"]["tags"] == {"Owner": "platform", "Application": "web"}
    assert aws_calls.writes() == []

    ok, result = run_module(codedeploy_application.main, args)
    assert ok and result["changed"] is True
    assert sorted(aws_calls.writes()) == ["TagResource", "UntagResource"]
    assert read_tags(aws) == {"Owner": "platform", "Application": "web"}

    ok, result = run_module(codedeploy_application.main, dict(name="web", tags={"Extra": "1"}, purge_tags=False))
    assert ok and result["changed"] is True
    assert read_tags(aws) == {"Owner": "platform", "Application": "web", "Extra": "1"}

    # without tags, tags are left alone
    ok, result = run_module(codedeploy_application.main, dict(name="web"))
    assert ok and result["changed"] is False
    assert aws_calls.writes() == []


def test_platform_change_refused_and_absent(aws, run_module, aws_calls):
    ok, result = run_module(codedeploy_application.main, dict(name="web", state="absent"))
    assert ok and result["changed"] is False
    aws.client("codedeploy").create_application(applicationName="web", computePlatform="Server")

    ok, result = run_module(codedeploy_application.main, dict(name="web", compute_platform="ECS"))
    assert not ok
    assert "compute platform Server, not ECS" in result["msg"]
    assert aws_calls.writes() == []

    # deleting for real is Stubber-tested; check mode predicts it without writing
    ok, result = run_module(codedeploy_application.main, dict(name="web", state="absent", _ansible_check_mode=True))
    assert ok and result["changed"] is True
    assert result["application"] == {}
    assert aws_calls.writes() == []
    assert read_app(aws)["applicationName"] == "web"


def test_info(aws, run_module, aws_calls):
    cd = aws.client("codedeploy")
    cd.create_application(applicationName="web", computePlatform="Server", tags=[{"Key": "Application", "Value": "web"}])
    cd.create_application(applicationName="api", computePlatform="ECS")
    cd.create_deployment_group(
        applicationName="web", deploymentGroupName="web-bg", serviceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r"
    )

    ok, result = run_module(codedeploy_application_info.main, dict(name="web"))
    assert ok, result
    assert result["changed"] is False
    (web,) = result["applications"]
    assert (web["application_name"], web["compute_platform"]) == ("web", "Server")
    assert web["tags"] == {"Application": "web"}
    assert web["deployment_groups"] == ["web-bg"]

    ok, result = run_module(codedeploy_application_info.main, {})
    assert [a["application_name"] for a in result["applications"]] == ["api", "web"]

    ok, result = run_module(codedeploy_application_info.main, dict(name="nope"))
    assert ok and result["applications"] == []
    assert aws_calls.writes() == []


def test_examples_run(aws, run_module):
    """The create and tag EXAMPLES run as written (deleting is Stubber-tested)."""
    import yaml

    tasks = yaml.safe_load(codedeploy_application.EXAMPLES)
    assert len(tasks) == 3
    for task in tasks[:2]:
        args = task["bluegreen.aws.codedeploy_application"]
        ok, result = run_module(codedeploy_application.main, args)
        assert ok, result
        assert result["changed"] is True, task["name"]
        assert read_tags(aws) == args["tags"]

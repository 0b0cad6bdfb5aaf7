# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""codepipeline_pipeline compares what it sets, with the defaults AWS fills in."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import PipelineValidationError
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import desired_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import differences
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import update_request

ROLE = "arn:aws:iam::123456789012:role/web-codepipeline"
STORE = {"type": "S3", "location": "web-artifacts"}


def stages(group="web-green", poll="true"):
    return [
        {"name": "Source", "actions": [{
            "name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
            "configuration": {"S3Bucket": "web-artifacts", "S3ObjectKey": "web/source.zip", "PollForSourceChanges": poll},
            "outputArtifacts": [{"name": "Source"}]}]},
        {"name": "Deploy", "actions": [{
            "name": "Deploy-" + group, "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CodeDeploy", "version": "1"},
            "configuration": {"ApplicationName": "web", "DeploymentGroupName": group},
            "inputArtifacts": [{"name": "Source"}]}]},
    ]


def as_aws_returns(desired):
    """GetPipeline: runOrder and both artifact lists filled in, plus fields the module never sets."""
    current = copy.deepcopy(desired)
    current.update(version=4, pipelineType="V2", executionMode="SUPERSEDED")
    for stage in current["stages"]:
        stage["onFailure"] = {"result": "ROLLBACK"}
        for action in stage["actions"]:
            action.setdefault("runOrder", 1)
            action.setdefault("inputArtifacts", [])
            action.setdefault("outputArtifacts", [])
    return current


def test_same_pipeline_needs_no_update():
    desired = desired_pipeline("web", ROLE, STORE, stages())
    assert differences(as_aws_returns(desired), desired) == []


def test_booleans_compare_as_the_strings_aws_stores():
    current = as_aws_returns(desired_pipeline("web", ROLE, STORE, stages(poll="true")))
    assert differences(current, desired_pipeline("web", ROLE, STORE, stages(poll=True))) == []
    assert differences(current, desired_pipeline("web", ROLE, STORE, stages(poll=False))) == ["stages"]


def test_another_deployment_group_is_an_update_of_the_stages_only():
    current = as_aws_returns(desired_pipeline("web", ROLE, STORE, stages("web-green")))
    desired = desired_pipeline("web", ROLE, STORE, stages("web-blue"))
    assert differences(current, desired) == ["stages"]
    request = update_request(current, desired)
    assert request["version"] == 4 and request["pipelineType"] == "V2"
    assert request["stages"][1]["actions"][0]["configuration"]["DeploymentGroupName"] == "web-blue"


def test_role_and_store_are_compared():
    current = as_aws_returns(desired_pipeline("web", ROLE, STORE, stages()))
    desired = desired_pipeline("web", ROLE + "2", dict(STORE, encryptionKey={"id": "k", "type": "KMS"}), stages())
    assert differences(current, desired) == ["roleArn", "artifactStore"]


def test_a_removed_stage_is_a_difference():
    current = as_aws_returns(desired_pipeline("web", ROLE, STORE, stages() + [stages()[1]]))
    assert differences(current, desired_pipeline("web", ROLE, STORE, stages())) == ["stages"]


@pytest.mark.parametrize("bad, message", [
    ([], "at least two stages"),
    ([{"name": "Source", "actions": []}, {"name": "Deploy", "actions": [{}]}], "every stage needs a name and actions"),
])
def test_refused_before_any_call(bad, message):
    with pytest.raises(PipelineValidationError, match=message):
        desired_pipeline("web", ROLE, STORE, bad)

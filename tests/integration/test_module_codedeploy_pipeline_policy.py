# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pipeline role's CodeDeploy permissions, from the rendered policy template (no AWS).

The deploy action of CodePipeline reads the deployment configuration the
deployment group (or a deployment) uses. Pinning GetDeploymentConfig to the
one name the role was rendered with broke the pipeline as soon as the group
used another configuration; the emulator does not evaluate IAM policies, so
this is checked on the rendered document.
"""

from __future__ import annotations

import json
import pathlib

import jinja2
import pytest

TEMPLATE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "pipeline" / "templates" / "codepipeline_policy.json.j2"
CODEDEPLOY = "arn:aws:codedeploy:us-east-1:123456789012"


def render(**overrides):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["bool"] = bool
    variables = dict(
        pipeline_bucket="artifacts",
        _pipeline_artifact_prefix="web/",
        _pipeline_codedeploy_arn=CODEDEPLOY,
        pipeline_codedeploy_application="web",
        _pipeline_target="web-green",
        pipeline_deployment_config_name="CodeDeployDefault.OneAtATime",
        pipeline_build_enabled=False,
        pipeline_source="s3",
        pipeline_kms_key_arn="",
    )
    variables.update(overrides)
    return json.loads(env.from_string(TEMPLATE.read_text()).render(**variables))


@pytest.mark.parametrize("config_name", ["CodeDeployDefault.OneAtATime", "CodeDeployDefault.AllAtOnce", "web-canary"])
def test_get_deployment_config_is_not_pinned_to_one_name(config_name):
    statements = {s["Sid"]: s for s in render(pipeline_deployment_config_name=config_name)["Statement"]}
    read = statements["ReadDeploymentConfig"]
    assert read["Action"] == ["codedeploy:GetDeploymentConfig"]
    # Every configuration of this account and region, read-only; never a bare "*".
    assert read["Resource"] == f"{CODEDEPLOY}:deploymentconfig:*"
    # Deploying stays limited to the one target group.
    assert statements["DeployToTheTargetGroupOnly"]["Resource"] == f"{CODEDEPLOY}:deploymentgroup:web/web-green"

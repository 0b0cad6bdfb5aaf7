#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codepipeline_pipeline
version_added: 0.1.0
short_description: Create, update (only when it differs) or delete an AWS CodePipeline pipeline
description:
  - Creates a pipeline, updates it when its role, artifact store or stages differ from the options, or deletes it.
  - Nothing is written when the pipeline already matches, so its version stays the same on a re-run
    (C(community.aws.codepipeline) calls UpdatePipeline, and so raises the version, every time).
  - The comparison fills in what AWS fills in (an action's C(runOrder) 1, empty artifact lists) and compares
    configuration values as strings; what the options do not set (pipeline type, execution mode, variables,
    triggers) is kept as it is.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  name:
    description: Name of the pipeline.
    type: str
    required: true
  state:
    description: V(present) creates or updates the pipeline, V(absent) deletes it.
    type: str
    default: present
    choices: ["present", "absent"]
  role_arn:
    description: ARN of the service role of the pipeline. Required with O(state=present).
    type: str
  artifact_store:
    description:
      - The artifact store, in the API's shape (C(type), C(location), optional C(encryptionKey)).
      - Required with O(state=present).
    type: dict
  stages:
    description:
      - The stages, in the API's shape (C(name), C(actions) with C(actionTypeId), C(configuration), ...).
      - Required with O(state=present); at least two.
    type: list
    elements: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.codedeploy_deployment_group
"""

EXAMPLES = r"""
- name: Pipeline from an S3 object to the idle color's CodeDeploy group
  bluegreen.aws.codepipeline_pipeline:
    name: web
    role_arn: arn:aws:iam::123456789012:role/web-codepipeline
    artifact_store:
      type: S3
      location: web-artifacts-123456789012-us-east-1
    stages:
      - name: Source
        actions:
          - name: Source
            actionTypeId: {category: Source, owner: AWS, provider: S3, version: "1"}
            configuration: {S3Bucket: web-artifacts-123456789012-us-east-1, S3ObjectKey: web/source/web-source.zip,
                            PollForSourceChanges: "true"}
            outputArtifacts: [{name: Source}]
      - name: Deploy
        actions:
          - name: Deploy-web-green
            actionTypeId: {category: Deploy, owner: AWS, provider: CodeDeploy, version: "1"}
            configuration: {ApplicationName: web, DeploymentGroupName: web-green}
            inputArtifacts: [{name: Source}]

- name: Delete it
  bluegreen.aws.codepipeline_pipeline:
    name: web
    state: absent
"""

RETURN = r"""
pipeline:
  description:
    - The pipeline after the change, as GetPipeline returns it (predicted in check mode); empty when absent.
  returned: always
  type: dict
  sample: {"name": "web", "version": 3, "roleArn": "arn:aws:iam::123456789012:role/web-codepipeline",
           "artifactStore": {"type": "S3", "location": "web-artifacts-123456789012-us-east-1"}, "stages": []}
differences:
  description: The compared fields that differed (C(roleArn), C(artifactStore), C(stages)).
  returned: always
  type: list
  elements: str
  sample: ["stages"]
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_calls import create_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_calls import delete_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_calls import get_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_calls import update_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import PipelineValidationError
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import comparable
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import desired_pipeline
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import differences
from ansible_collections.bluegreen.aws.plugins.module_utils.codepipeline_compare import update_request
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def ensure_present(client, current, params, check_mode):
    """Returns ``(changed, differing_keys, pipeline_after)``."""
    desired = desired_pipeline(params["name"], params["role_arn"], params["artifact_store"], params["stages"])
    if current is None:
        return True, ["name", "roleArn", "artifactStore", "stages"], desired if check_mode else create_pipeline(client, desired)
    differing = differences(current, desired)
    if not differing:
        return False, [], current
    request = update_request(current, desired)
    return True, differing, request if check_mode else update_pipeline(client, request)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        role_arn=dict(type="str"),
        artifact_store=dict(type="dict"),
        stages=dict(type="list", elements="dict"),
    )
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ("role_arn", "artifact_store", "stages"))],
        supports_check_mode=True,
    )
    params = module.params
    client = module.client("codepipeline")
    try:
        current = get_pipeline(client, params["name"])
        if params["state"] == "absent":
            changed, differing, after = current is not None, [], {}
            if changed and not module.check_mode:
                delete_pipeline(client, params["name"])
        else:
            changed, differing, after = ensure_present(client, current, params, module.check_mode)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    except PipelineValidationError as e:
        module.fail_json(msg=str(e))

    result = dict(changed=changed, pipeline=after or {}, differences=differing)
    if module._diff:
        result["diff"] = dict(before=comparable(current), after=comparable(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

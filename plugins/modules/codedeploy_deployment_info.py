#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_deployment_info
version_added: 0.1.0
short_description: Describe AWS CodeDeploy deployments
description:
  - Returns one deployment by ID, or the deployments of a deployment group,
    newest first, optionally only those in some states.
  - C(ListDeployments) documents no order, so every deployment it lists is
    described (C(BatchGetDeployments), 25 per call) and sorted by its
    creation time; narrow the list with O(statuses) for a group with a long
    history.
  - Makes no changes.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  deployment_id:
    description:
      - ID of the deployment to describe. A deployment that does not exist
        gives an empty list.
      - Mutually exclusive with O(application_name).
    type: str
  application_name:
    description:
      - Name of the application whose deployments are listed; with O(deployment_group_name).
    type: str
  deployment_group_name:
    description:
      - Name of the deployment group whose deployments are listed.
    type: str
  statuses:
    description:
      - Only deployments in these states.
    type: list
    elements: str
    choices: ["Created", "Queued", "InProgress", "Baking", "Ready", "Succeeded", "Failed", "Stopped"]
  max_results:
    description:
      - At most this many deployments (the newest), 1 to 25.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so check mode changes nothing about its behaviour.
  diff_mode:
    support: N/A
    details: The module makes no changes.
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.codedeploy_deployment
"""

EXAMPLES = r"""
- name: Is a deployment of web running?
  bluegreen.aws.codedeploy_deployment_info:
    application_name: web
    deployment_group_name: web-bluegreen
    statuses: [Created, Queued, InProgress, Baking, Ready]
  register: running

- name: The last five deployments of web
  bluegreen.aws.codedeploy_deployment_info:
    application_name: web
    deployment_group_name: web-bluegreen
    max_results: 5

- name: One deployment
  bluegreen.aws.codedeploy_deployment_info:
    deployment_id: d-A1B2C3D4E
"""

RETURN = r"""
deployments:
  description:
    - The deployments, newest first, as GetDeployment describes them, keys in snake_case.
    - The fields are the same as RV(bluegreen.aws.codedeploy_deployment#module:deployment).
  returned: always
  type: list
  elements: dict
  sample:
    - deployment_id: d-A1B2C3D4E
      application_name: web
      deployment_group_name: web-bluegreen
      status: Succeeded
      deployment_overview: {"pending": 0, "in_progress": 0, "succeeded": 2, "failed": 0, "skipped": 0, "ready": 0}
"""

from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import describe_deployments
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_deployment
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_deployments
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import newest_first
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def find_deployments(client, params):
    if params["deployment_id"]:
        deployment = get_deployment(client, params["deployment_id"])
        return [deployment] if deployment else []
    ids = list_deployments(client, params["application_name"], params["deployment_group_name"], params["statuses"])
    # ListDeployments documents no order: every deployment listed is described
    # (25 per BatchGetDeployments call) and sorted by its createTime.
    return newest_first(describe_deployments(client, ids))[: params["max_results"]]


def main():
    argument_spec = dict(
        deployment_id=dict(type="str"),
        application_name=dict(type="str"),
        deployment_group_name=dict(type="str"),
        statuses=dict(
            type="list",
            elements="str",
            choices=["Created", "Queued", "InProgress", "Baking", "Ready", "Succeeded", "Failed", "Stopped"],
        ),
        max_results=dict(type="int", default=10),
    )
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("deployment_id", "application_name")],
        required_one_of=[("deployment_id", "application_name")],
        required_together=[("application_name", "deployment_group_name")],
    )
    if not 1 <= module.params["max_results"] <= 25:
        module.fail_json(msg=f"max_results must be between 1 and 25, got {module.params['max_results']}")
    client = module.client("codedeploy")
    try:
        deployments = find_deployments(client, module.params)
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, deployments=[camel_dict_to_snake_dict(d) for d in deployments])


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_deployment_group_info
version_added: 0.1.0
short_description: Describe the deployment groups of an AWS CodeDeploy application
description:
  - Returns one deployment group of a CodeDeploy application, or all of
    them, as AWS describes them, with their tags.
  - An application or group that does not exist gives an empty list.
  - Makes no changes.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application_name:
    description:
      - Name of the CodeDeploy application.
    type: str
    required: true
  name:
    description:
      - Name of the deployment group. All of the application's groups when not set.
    type: str
    aliases: ["deployment_group_name"]
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
  - module: bluegreen.aws.codedeploy_deployment_group
"""

EXAMPLES = r"""
- name: Describe the blue/green deployment group of web
  bluegreen.aws.codedeploy_deployment_group_info:
    application_name: web
    name: web-bluegreen
  register: web_group

- name: Show which Auto Scaling group CodeDeploy deploys to now
  ansible.builtin.debug:
    msg: "{{ web_group.deployment_groups[0].auto_scaling_groups | map(attribute='name') | list }}"

- name: All deployment groups of web
  bluegreen.aws.codedeploy_deployment_group_info:
    application_name: web
"""

RETURN = r"""
deployment_groups:
  description:
    - The deployment groups, sorted by name, as GetDeploymentGroup describes them, keys in snake_case.
    - The fields are the same as RV(bluegreen.aws.codedeploy_deployment_group#module:deployment_group).
  returned: always
  type: list
  elements: dict
  sample:
    - application_name: web
      deployment_group_name: web-bluegreen
      deployment_config_name: CodeDeployDefault.OneAtATime
      service_role_arn: arn:aws:iam::123456789012:role/web-codedeploy
      auto_scaling_groups: [{"name": "web-blue"}]
      deployment_style: {"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}
      load_balancer_info: {"target_group_info_list": [{"name": "web-blue"}]}
      last_successful_deployment: {"deployment_id": "d-A1B2C3D4E", "status": "Succeeded"}
      tags: {"Application": "web"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import deployment_group_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_deployment_groups
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_tags
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def describe_groups(module, client, application_name, name):
    if get_application(client, application_name) is None:
        return []
    names = [name] if name else sorted(list_deployment_groups(client, application_name))
    # One GetDeploymentGroup per group (BatchGetDeploymentGroups is not in the emulator).
    groups = [g for g in (get_deployment_group(client, application_name, n) for n in names) if g is not None]
    if not groups:
        return []
    account_id, partition = get_aws_account_info(module)
    described = []
    for group in groups:
        item = camel_dict_to_snake_dict(group)
        arn = deployment_group_arn(
            partition, client.meta.region_name, account_id, application_name, group["deploymentGroupName"]
        )
        item["tags"] = list_tags(client, arn)
        described.append(item)
    return described


def main():
    argument_spec = dict(
        application_name=dict(type="str", required=True),
        name=dict(type="str", aliases=["deployment_group_name"]),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("codedeploy")
    try:
        groups = describe_groups(module, client, module.params["application_name"], module.params["name"])
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, deployment_groups=groups)


if __name__ == "__main__":
    main()

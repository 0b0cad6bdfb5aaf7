#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_application_info
version_added: 0.1.0
short_description: Describe AWS CodeDeploy applications
description:
  - Returns one CodeDeploy application, or all of them in the region, with
    their compute platform, tags and deployment group names.
  - Makes no changes.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  name:
    description:
      - Name of the application to describe. All applications when not set.
      - An application that does not exist gives an empty list.
    type: str
    aliases: ["application_name"]
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
  - module: bluegreen.aws.codedeploy_application
"""

EXAMPLES = r"""
- name: Describe the web application
  bluegreen.aws.codedeploy_application_info:
    name: web
  register: web_app

- name: Fail when it has no deployment group yet
  ansible.builtin.assert:
    that: web_app.applications | length == 1 and web_app.applications[0].deployment_groups | length > 0
    fail_msg: Run the CodeDeploy provisioning first

- name: Every CodeDeploy application in the region
  bluegreen.aws.codedeploy_application_info:
  register: all_apps
"""

RETURN = r"""
applications:
  description: The applications, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - application_id: 0d3a2f7c-4b1e-4c8e-9a3b-1f2e3d4c5b6a
      application_name: web
      compute_platform: Server
      create_time: "2026-01-12T09:30:00+00:00"
      deployment_groups: ["web-bluegreen"]
      tags: {"Application": "web"}
  contains:
    application_id:
      description: ID of the application.
      type: str
      returned: always
    application_name:
      description: Name of the application.
      type: str
      returned: always
    compute_platform:
      description: V(Server), V(Lambda) or V(ECS).
      type: str
      returned: always
    create_time:
      description: When the application was created.
      type: str
      returned: always
    deployment_groups:
      description: Names of the application's deployment groups.
      type: list
      elements: str
      returned: always
    tags:
      description: Tags of the application.
      type: dict
      returned: always
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import application_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_applications
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_deployment_groups
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_tags
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def describe_applications(module, client, name):
    names = [name] if name else sorted(list_applications(client))
    applications = [a for a in (get_application(client, n) for n in names) if a is not None]
    if not applications:
        return []
    account_id, partition = get_aws_account_info(module)
    described = []
    for application in applications:
        app_name = application["applicationName"]
        item = camel_dict_to_snake_dict(application)
        item["deployment_groups"] = sorted(list_deployment_groups(client, app_name))
        item["tags"] = list_tags(client, application_arn(partition, client.meta.region_name, account_id, app_name))
        described.append(item)
    return described


def main():
    argument_spec = dict(name=dict(type="str", aliases=["application_name"]))
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("codedeploy")
    try:
        applications = describe_applications(module, client, module.params["name"])
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, applications=applications)


if __name__ == "__main__":
    main()

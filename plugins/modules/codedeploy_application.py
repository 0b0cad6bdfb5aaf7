#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_application
version_added: 0.1.0
short_description: Create, tag or delete an AWS CodeDeploy application
description:
  - Creates an AWS CodeDeploy application with a compute platform and tags,
    updates its tags, or deletes it.
  - Nothing is written when the application already matches.
  - The compute platform of an existing application cannot be changed; asking
    for another one fails without changing anything.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  name:
    description:
      - Name of the application.
    type: str
    required: true
    aliases: ["application_name"]
  state:
    description:
      - V(present) creates the application or updates its tags.
      - V(absent) deletes it, with its deployment groups and deployment history.
    type: str
    default: present
    choices: ["present", "absent"]
  compute_platform:
    description:
      - Where the application's revisions are deployed; V(Server) for EC2 and
        on-premises instances.
      - When the application is created, V(Server) if not set.
      - For an existing application, compared only when set - an application
        of another platform is refused with both platforms named; when not
        set, any platform is accepted (tags are still managed).
    type: str
    choices: ["Server", "Lambda", "ECS"]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: all
notes:
  - Tags are read and written with the application's ARN, built from the
    account ID returned by C(sts:GetCallerIdentity).
seealso:
  - module: bluegreen.aws.codedeploy_application_info
  - module: bluegreen.aws.codedeploy_deployment_group
"""

EXAMPLES = r"""
- name: CodeDeploy application for the web fleet
  bluegreen.aws.codedeploy_application:
    name: web
    compute_platform: Server
    tags:
      Application: web
      Owner: platform-team

- name: Remove a tag, keep the others
  bluegreen.aws.codedeploy_application:
    name: web
    tags:
      Application: web
    purge_tags: true

- name: Delete an application that is no longer used
  bluegreen.aws.codedeploy_application:
    name: web-legacy
    state: absent
"""

RETURN = r"""
application:
  description:
    - The application after the change (predicted in check mode).
    - Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    application_id: 0d3a2f7c-4b1e-4c8e-9a3b-1f2e3d4c5b6a
    application_name: web
    compute_platform: Server
    create_time: "2026-01-12T09:30:00+00:00"
    linked_to_git_hub: false
    tags: {"Application": "web"}
  contains:
    application_id:
      description: ID of the application; V(null) in check mode before it exists.
      type: str
      returned: when O(state=present)
    application_name:
      description: Name of the application.
      type: str
      returned: when O(state=present)
      sample: web
    compute_platform:
      description: V(Server), V(Lambda) or V(ECS).
      type: str
      returned: when O(state=present)
      sample: Server
    create_time:
      description: When the application was created.
      type: str
      returned: when O(state=present) and the application exists
    linked_to_git_hub:
      description: Whether the application is connected to a GitHub account.
      type: bool
      returned: when AWS reports it
    tags:
      description: Tags of the application.
      type: dict
      returned: when O(state=present)
      sample: {"Application": "web"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import application_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import create_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import delete_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_tags
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import tag_resource
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import untag_resource
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


DEFAULT_COMPUTE_PLATFORM = "Server"


class ApplicationError(Exception):
    pass


def describe(application, tags):
    if application is None:
        return {}
    described = camel_dict_to_snake_dict(application)
    described["tags"] = dict(tags or {})
    return described


def ensure_tags(client, arn, current_tags, tags, purge_tags, check_mode):
    """Returns ``(changed, tags_after)``."""
    if tags is None:
        return False, current_tags
    to_set, to_remove = compare_aws_tags(current_tags, tags, purge_tags=purge_tags)
    if not to_set and not to_remove:
        return False, current_tags
    after = {k: v for k, v in current_tags.items() if k not in to_remove}
    after.update(to_set)
    if not check_mode:
        if to_remove:
            untag_resource(client, arn, to_remove)
        if to_set:
            tag_resource(client, arn, to_set)
    return True, after


def ensure_present(client, arn, current, params, check_mode):
    """Returns ``(changed, before, after)`` as ``describe`` dicts."""
    name = params["name"]
    if current is None:
        tags = params["tags"] or {}
        platform = params["compute_platform"] or DEFAULT_COMPUTE_PLATFORM
        if check_mode:
            predicted = dict(applicationId=None, applicationName=name, computePlatform=platform)
            return True, {}, describe(predicted, tags)
        create_application(client, name, platform, tags)
        return True, {}, describe(get_application(client, name), list_tags(client, arn))

    wanted = params["compute_platform"]
    if wanted and current.get("computePlatform") != wanted:
        raise ApplicationError(
            f"Application {name} has compute platform {current.get('computePlatform')}, not "
            f"{wanted}; the compute platform cannot be changed (delete and re-create the application, "
            "or leave compute_platform unset to manage only its tags)"
        )
    current_tags = list_tags(client, arn)
    changed, tags_after = ensure_tags(client, arn, current_tags, params["tags"], params["purge_tags"], check_mode)
    if changed and not check_mode:
        tags_after = list_tags(client, arn)
    return changed, describe(current, current_tags), describe(current, tags_after)


def ensure_absent(client, arn, current, check_mode):
    if current is None:
        return False, {}, {}
    before = describe(current, list_tags(client, arn))
    if not check_mode:
        delete_application(client, current["applicationName"])
    return True, before, {}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["application_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        compute_platform=dict(type="str", choices=["Server", "Lambda", "ECS"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    client = module.client("codedeploy")

    try:
        current = get_application(client, params["name"])
        account_id, partition = get_aws_account_info(module)
        arn = application_arn(partition, client.meta.region_name, account_id, params["name"])
        if params["state"] == "absent":
            changed, before, after = ensure_absent(client, arn, current, module.check_mode)
        else:
            changed, before, after = ensure_present(client, arn, current, params, module.check_mode)
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    except ApplicationError as e:
        module.fail_json(msg=str(e))

    result = dict(changed=changed, application=after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: codedeploy_deployment_group
version_added: 0.1.0
short_description: Create, update or delete an AWS CodeDeploy deployment group
description:
  - Manages a deployment group of an existing CodeDeploy application - the
    Auto Scaling groups it deploys to, its service role and deployment
    configuration, in-place or blue/green deployments with or without a load
    balancer, alarms, automatic rollback, SNS triggers and what happens to
    instances launched while a deployment runs.
  - An existing group is compared field by field with what the options ask
    for; only the fields that differ are sent to C(UpdateDeploymentGroup), and
    nothing is written when the group already matches. Options that are not
    set keep their current value.
  - A changed C(blueGreenDeploymentConfiguration) of a C(COPY_AUTO_SCALING_GROUP)
    group is always sent with C(autoScalingGroups), which AWS requires.
  - Everything is validated before any write - the application must exist,
    C(WITH_TRAFFIC_CONTROL) (the default for C(BLUE_GREEN)) needs
    O(target_group_names), and C(COPY_AUTO_SCALING_GROUP) needs exactly one
    Auto Scaling group.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application_name:
    description:
      - Name of the CodeDeploy application the group belongs to. It must exist.
    type: str
    required: true
  name:
    description:
      - Name of the deployment group.
    type: str
    required: true
    aliases: ["deployment_group_name"]
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it.
    type: str
    default: present
    choices: ["present", "absent"]
  service_role:
    description:
      - Name, C(path/name) or ARN of the IAM role CodeDeploy acts as (it needs
        the C(AWSCodeDeployRole) managed policy, and for C(COPY_AUTO_SCALING_GROUP)
        permission to pass the instance profile and launch template).
      - A bare name is looked up with C(iam:GetRole), so a role with an IAM
        path (for example C(/service-role/)) gets its real ARN; without that
        permission (or in check mode, for a role that does not exist yet)
        the path C(/) is assumed, with a warning. C(path/name)
        (for example V(service-role/web-codedeploy)) and ARNs need no lookup.
      - Required when the group is created.
    type: str
  deployment_config_name:
    description:
      - Deployment configuration, for example V(CodeDeployDefault.OneAtATime),
        V(CodeDeployDefault.HalfAtATime) or V(CodeDeployDefault.AllAtOnce).
      - AWS uses V(CodeDeployDefault.OneAtATime) when a group is created without it.
    type: str
  auto_scaling_groups:
    description:
      - Names of the Auto Scaling groups to deploy to. V([]) removes them all.
      - With O(blue_green.green_fleet_provisioning=COPY_AUTO_SCALING_GROUP),
        exactly one. After such a deployment CodeDeploy points the group at
        the copy it made (C(CodeDeploy_<group>_d-<id>)); the module keeps
        that copy instead of reverting to the original name.
    type: list
    elements: str
  deployment_style:
    description:
      - In-place or blue/green, with or without a load balancer.
    type: dict
    suboptions:
      deployment_type:
        description:
          - V(IN_PLACE) updates the instances in place; V(BLUE_GREEN) deploys to
            a new (green) fleet and reroutes traffic to it.
          - Defaults to V(IN_PLACE) when the group is created.
        type: str
        choices: ["IN_PLACE", "BLUE_GREEN"]
      deployment_option:
        description:
          - V(WITH_TRAFFIC_CONTROL) takes instances out of the load balancer
            while they are updated (in place) or reroutes the load balancer
            to the green fleet (blue/green); it needs O(target_group_names).
          - When not set and the type changes, the type's usual option is
            used - V(WITH_TRAFFIC_CONTROL) for V(BLUE_GREEN),
            V(WITHOUT_TRAFFIC_CONTROL) for V(IN_PLACE).
        type: str
        choices: ["WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"]
  blue_green:
    description:
      - Blue/green settings; only with O(deployment_style.deployment_type=BLUE_GREEN).
      - Sub-options that are not set keep their current value (or the AWS default).
    type: dict
    suboptions:
      green_fleet_provisioning:
        description:
          - V(COPY_AUTO_SCALING_GROUP) - CodeDeploy creates the green fleet by
            copying the one Auto Scaling group in O(auto_scaling_groups).
          - V(DISCOVER_EXISTING) - the green instances already exist.
        type: str
        choices: ["DISCOVER_EXISTING", "COPY_AUTO_SCALING_GROUP"]
      ready_action:
        description:
          - When the green fleet is ready - V(CONTINUE_DEPLOYMENT) reroutes
            traffic at once (its ready wait is set to 0); V(STOP_DEPLOYMENT) waits for a person (or
            M(bluegreen.aws.codedeploy_deployment) with O(bluegreen.aws.codedeploy_deployment#module:state=continued))
            and stops the deployment after O(blue_green.ready_wait_minutes).
        type: str
        choices: ["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"]
      ready_wait_minutes:
        description:
          - Minutes to wait for traffic to be rerouted by hand before the
            deployment is stopped (0 to 2880); only with V(STOP_DEPLOYMENT).
        type: int
      blue_instances_action:
        description:
          - What happens to the original (blue) instances after a successful
            deployment - V(TERMINATE) or V(KEEP_ALIVE) (its termination wait is set to 0).
        type: str
        choices: ["TERMINATE", "KEEP_ALIVE"]
      blue_instances_wait_minutes:
        description:
          - Minutes to wait before terminating the blue instances (0 to 2880);
            only with V(TERMINATE). This is the window for a fast rollback.
        type: int
  target_group_names:
    description:
      - Names of the ELBv2 target groups the deployment registers instances
        with. V([]) removes them.
    type: list
    elements: str
  alarm_configuration:
    description:
      - CloudWatch alarms that stop a deployment when they go to ALARM.
    type: dict
    suboptions:
      enabled:
        description: Whether the alarms are watched.
        type: bool
        default: true
      alarms:
        description:
          - Names of the CloudWatch alarms (at most 10).
          - V([]) removes the alarms and disables the alarm configuration
            (C(enabled=false) with no alarms), whatever O(alarm_configuration.enabled) says.
        type: list
        elements: str
      ignore_poll_alarm_failure:
        description:
          - Whether a deployment continues when the alarm state cannot be read.
        type: bool
        default: false
  auto_rollback:
    description:
      - Automatic rollback to the last good revision.
    type: dict
    suboptions:
      enabled:
        description: Whether failed or stopped deployments are rolled back.
        type: bool
        default: true
      events:
        description:
          - What triggers a rollback. V(DEPLOYMENT_STOP_ON_ALARM) needs O(alarm_configuration).
        type: list
        elements: str
        choices: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"]
  triggers:
    description:
      - SNS notifications on deployment and instance events. V([]) removes them all.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the trigger, unique in the group.
        type: str
        required: true
      target_arn:
        description: ARN of the SNS topic.
        type: str
        required: true
      events:
        description: Events that notify the topic.
        type: list
        elements: str
        required: true
        choices:
          - DeploymentStart
          - DeploymentSuccess
          - DeploymentFailure
          - DeploymentStop
          - DeploymentRollback
          - DeploymentReady
          - InstanceStart
          - InstanceSuccess
          - InstanceFailure
          - InstanceReady
  outdated_instances_strategy:
    description:
      - What happens to instances launched into the Auto Scaling group while a
        deployment runs - V(UPDATE) deploys the new revision to them afterwards,
        V(IGNORE) leaves them on the old revision.
    type: str
    choices: ["UPDATE", "IGNORE"]
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
  - EC2 tag filters, on-premises tag sets, classic load balancers and ECS
    services are not managed by this module; classic load balancers and
    target group pairs already set on a group are kept on update.
seealso:
  - module: bluegreen.aws.codedeploy_application
  - module: bluegreen.aws.codedeploy_deployment_group_info
  - module: bluegreen.aws.codedeploy_deployment
"""

EXAMPLES = r"""
- name: Blue/green deployment group that copies the web Auto Scaling group
  bluegreen.aws.codedeploy_deployment_group:
    application_name: web
    name: web-bluegreen
    service_role: web-codedeploy
    deployment_config_name: CodeDeployDefault.OneAtATime
    auto_scaling_groups:
      - web-blue
    deployment_style:
      deployment_type: BLUE_GREEN
      deployment_option: WITH_TRAFFIC_CONTROL
    blue_green:
      green_fleet_provisioning: COPY_AUTO_SCALING_GROUP
      ready_action: STOP_DEPLOYMENT
      ready_wait_minutes: 60
      blue_instances_action: TERMINATE
      blue_instances_wait_minutes: 30
    target_group_names:
      - web-blue
    alarm_configuration:
      alarms:
        - web-5xx
    auto_rollback:
      events:
        - DEPLOYMENT_FAILURE
        - DEPLOYMENT_STOP_ON_ALARM
    triggers:
      - name: web-deployments
        target_arn: arn:aws:sns:us-east-1:123456789012:web-deployments
        events: [DeploymentFailure, DeploymentRollback]
    outdated_instances_strategy: UPDATE
    tags:
      Application: web

- name: In-place deployments, one instance at a time, without a load balancer
  bluegreen.aws.codedeploy_deployment_group:
    application_name: web
    name: web-inplace
    service_role: arn:aws:iam::123456789012:role/web-codedeploy
    auto_scaling_groups:
      - web-green
    deployment_style:
      deployment_type: IN_PLACE
    auto_rollback:
      events: [DEPLOYMENT_FAILURE]

- name: Delete a deployment group
  bluegreen.aws.codedeploy_deployment_group:
    application_name: web
    name: web-old
    state: absent
"""

RETURN = r"""
deployment_group:
  description:
    - The deployment group as AWS describes it after the change, keys in
      snake_case (predicted in check mode). Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    application_name: web
    deployment_group_id: 6e4e4c6a-8c3f-4a3e-9f0f-2a1b3c4d5e6f
    deployment_group_name: web-bluegreen
    deployment_config_name: CodeDeployDefault.OneAtATime
    service_role_arn: arn:aws:iam::123456789012:role/web-codedeploy
    auto_scaling_groups: [{"name": "web-blue", "hook": "CodeDeploy-managed-automatic-launch-deployment-hook-web-bluegreen"}]
    deployment_style: {"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}
    blue_green_deployment_configuration:
      green_fleet_provisioning_option: {"action": "COPY_AUTO_SCALING_GROUP"}
      deployment_ready_option: {"action_on_timeout": "STOP_DEPLOYMENT", "wait_time_in_minutes": 60}
      terminate_blue_instances_on_deployment_success: {"action": "TERMINATE", "termination_wait_time_in_minutes": 30}
    load_balancer_info: {"target_group_info_list": [{"name": "web-blue"}]}
    alarm_configuration: {"enabled": true, "ignore_poll_alarm_failure": false, "alarms": [{"name": "web-5xx"}]}
    auto_rollback_configuration: {"enabled": true, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    outdated_instances_strategy: UPDATE
    compute_platform: Server
    tags: {"Application": "web"}
  contains:
    application_name:
      description: The application.
      type: str
      returned: when O(state=present)
    deployment_group_name:
      description: The deployment group.
      type: str
      returned: when O(state=present)
    deployment_group_id:
      description: ID of the group; absent in check mode before it exists.
      type: str
      returned: when the group exists
    service_role_arn:
      description: ARN of the service role.
      type: str
      returned: when O(state=present)
    deployment_style:
      description: C(deployment_type) and C(deployment_option).
      type: dict
      returned: when O(state=present)
    auto_scaling_groups:
      description: Auto Scaling groups, each with its C(name) (and C(hook) as set by CodeDeploy).
      type: list
      elements: dict
      returned: when O(state=present)
    tags:
      description: Tags of the deployment group.
      type: dict
      returned: when O(state=present)
changed_fields:
  description:
    - Top-level fields sent to C(UpdateDeploymentGroup) (as named by the API); empty when nothing was updated.
  returned: always
  type: list
  elements: str
  sample: ["deploymentConfigName", "alarmConfiguration"]
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import AnsibleBlueGreenCodeDeployError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import create_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import delete_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import deployment_group_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_application
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import get_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import list_tags
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import resolve_role_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import tag_resource
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import untag_resource
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy import update_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import CodeDeployValidationError
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import create_request
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import desired_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import merge_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import normalize_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import plan_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import validate_deployment_group
from ansible_collections.bluegreen.aws.plugins.module_utils.codedeploy_compare import validate_params
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def as_description(info, state):
    """A GetDeploymentGroup-like description with ``state`` (canonical) laid over ``info``."""
    described = copy.deepcopy(info or {})
    for key, value in state.items():
        if key == "autoScalingGroups":
            existing = {g.get("name"): g for g in described.get("autoScalingGroups") or [] if isinstance(g, dict)}
            value = [existing.get(name, {"name": name}) for name in value]
        described[key] = copy.deepcopy(value)
    return described


def snake(description, tags):
    if not description:
        return {}
    result = camel_dict_to_snake_dict(description)
    result["tags"] = dict(tags or {})
    return result


def plan_tags(current_tags, tags, purge_tags):
    """``(to_set, to_remove, tags_after)``."""
    if tags is None:
        return {}, [], dict(current_tags)
    to_set, to_remove = compare_aws_tags(current_tags, tags, purge_tags=purge_tags)
    after = {k: v for k, v in current_tags.items() if k not in to_remove}
    after.update(to_set)
    return to_set, to_remove, after


def diff_view(state, tags):
    """The compared fields (canonical, snake_case) and tags: what ``--diff`` shows."""
    if state is None:
        return {}
    view = camel_dict_to_snake_dict(state)
    view["tags"] = dict(tags or {})
    return view


def ensure_present(client, module, arn, current_info, service_role_arn):
    """Returns ``(changed, group, diff, changed_fields, warnings)``."""
    params = module.params
    app, name = params["application_name"], params["name"]
    desired = desired_deployment_group(params, service_role_arn)

    if current_info is None:
        if not service_role_arn:
            raise CodeDeployValidationError(f"service_role is required to create deployment group {app}/{name}")
        after_state = merge_deployment_group(normalize_deployment_group({}), desired)
        validate_deployment_group(after_state, name)
        tags = params["tags"] or {}
        diff = dict(before={}, after=diff_view(after_state, tags))
        if module.check_mode:
            predicted = dict(as_description({}, after_state), applicationName=app, deploymentGroupName=name)
            return True, snake(predicted, tags), diff, [], []
        create_deployment_group(client, app, name, create_request(desired), tags)
        return True, snake(get_deployment_group(client, app, name), list_tags(client, arn)), diff, [], []

    current_state = normalize_deployment_group(current_info)
    after_state, changes, notes = plan_deployment_group(current_state, desired, name)
    validate_deployment_group(after_state, name)
    current_tags = list_tags(client, arn)
    to_set, to_remove, tags_after = plan_tags(current_tags, params["tags"], params["purge_tags"])
    diff = dict(before=diff_view(current_state, current_tags), after=diff_view(after_state, tags_after))
    warnings = list(notes)
    if not (changes or to_set or to_remove):
        return False, snake(current_info, current_tags), diff, [], warnings
    if module.check_mode:
        return True, snake(as_description(current_info, after_state), tags_after), diff, sorted(changes), warnings
    if changes:
        warnings.extend(_hooks_warning(update_deployment_group(client, app, name, changes)))
    if to_remove:
        untag_resource(client, arn, to_remove)
    if to_set:
        tag_resource(client, arn, to_set)
    group = snake(get_deployment_group(client, app, name), list_tags(client, arn))
    return True, group, diff, sorted(changes), warnings


def ensure_absent(client, module, arn, current_info):
    if current_info is None:
        return False, {}, dict(before={}, after={}), [], []
    tags = list_tags(client, arn)
    diff = dict(before=diff_view(normalize_deployment_group(current_info), tags), after={})
    warnings = []
    if not module.check_mode:
        not_cleaned = delete_deployment_group(client, module.params["application_name"], module.params["name"])
        warnings.extend(_hooks_warning(not_cleaned))
    return True, {}, diff, [], warnings


def _hooks_warning(not_cleaned):
    if not not_cleaned:
        return []
    names = ", ".join(sorted(g.get("name", "?") for g in not_cleaned))
    return [f"CodeDeploy could not remove its lifecycle hooks from the Auto Scaling groups {names}; remove them by hand"]


def main():
    argument_spec = dict(
        application_name=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["deployment_group_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        service_role=dict(type="str"),
        deployment_config_name=dict(type="str"),
        auto_scaling_groups=dict(type="list", elements="str"),
        deployment_style=dict(
            type="dict",
            options=dict(
                deployment_type=dict(type="str", choices=["IN_PLACE", "BLUE_GREEN"]),
                deployment_option=dict(type="str", choices=["WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"]),
            ),
        ),
        blue_green=dict(
            type="dict",
            options=dict(
                green_fleet_provisioning=dict(type="str", choices=["DISCOVER_EXISTING", "COPY_AUTO_SCALING_GROUP"]),
                ready_action=dict(type="str", choices=["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"]),
                ready_wait_minutes=dict(type="int"),
                blue_instances_action=dict(type="str", choices=["TERMINATE", "KEEP_ALIVE"]),
                blue_instances_wait_minutes=dict(type="int"),
            ),
        ),
        target_group_names=dict(type="list", elements="str"),
        alarm_configuration=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                alarms=dict(type="list", elements="str"),
                ignore_poll_alarm_failure=dict(type="bool", default=False),
            ),
        ),
        auto_rollback=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                events=dict(
                    type="list",
                    elements="str",
                    choices=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
                ),
            ),
        ),
        triggers=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                target_arn=dict(type="str", required=True),
                events=dict(
                    type="list",
                    elements="str",
                    required=True,
                    choices=[
                        "DeploymentStart",
                        "DeploymentSuccess",
                        "DeploymentFailure",
                        "DeploymentStop",
                        "DeploymentRollback",
                        "DeploymentReady",
                        "InstanceStart",
                        "InstanceSuccess",
                        "InstanceFailure",
                        "InstanceReady",
                    ],
                ),
            ),
        ),
        outdated_instances_strategy=dict(type="str", choices=["UPDATE", "IGNORE"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    app, name = params["application_name"], params["name"]

    try:
        validate_params(params)
    except CodeDeployValidationError as e:
        module.fail_json(msg=str(e))

    client = module.client("codedeploy")
    try:
        if get_application(client, app) is None:
            raise CodeDeployValidationError(
                f"CodeDeploy application {app} not found in {client.meta.region_name}; "
                "create it first (bluegreen.aws.codedeploy_application)"
            )
        current_info = get_deployment_group(client, app, name)
        account_id, partition = get_aws_account_info(module)
        arn = deployment_group_arn(partition, client.meta.region_name, account_id, app, name)
        if params["state"] == "absent":
            changed, group, diff, fields, warnings = ensure_absent(client, module, arn, current_info)
        else:
            service_role_arn = None
            if params["service_role"]:
                service_role_arn = resolve_role_arn(
                    module.client("iam"), partition, account_id, params["service_role"], module.warn,
                    missing_ok=module.check_mode,
                )
            changed, group, diff, fields, warnings = ensure_present(client, module, arn, current_info, service_role_arn)
    except AnsibleBlueGreenCodeDeployError as e:
        module.fail_json_aws_error(e)
    except CodeDeployValidationError as e:
        module.fail_json(msg=str(e))

    for warning in warnings:
        module.warn(warning)
    result = dict(changed=changed, deployment_group=group, changed_fields=fields)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()

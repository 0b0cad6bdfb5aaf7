#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
version_added: 0.1.0
short_description: Create, update or delete a CloudWatch dashboard
description:
  - Makes the CloudWatch dashboard O(name) have the body O(body), or deletes it.
  - The body is compared with the stored one as data (parsed JSON), so key order
    and spacing never cause a write; nothing is written when they are the same.
  - In check mode the outcome is predicted and nothing is written; with diff
    mode, the bodies before and after are returned.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  name:
    description: The dashboard's name (letters, digits, C(-) and C(_), up to 255).
    type: str
    required: true
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  body:
    description:
      - The dashboard body, as data, with a list of C(widgets); see the CloudWatch
        dashboard body structure. Required when O(state=present).
    type: dict
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
  - module: amazon.aws.cloudwatch_metric_alarm
"""

EXAMPLES = r"""
- name: A dashboard with the request count of both colors
  bluegreen.aws.cloudwatch_dashboard:
    name: web-bluegreen
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Requests per color
            region: us-east-1
            stat: Sum
            period: 60
            metrics:
              - [AWS/ApplicationELB, RequestCount, TargetGroup, targetgroup/web-blue/0123456789abcdef,
                 LoadBalancer, app/web-alb/50dc6c495c0c9188, {label: blue}]
              - [AWS/ApplicationELB, RequestCount, TargetGroup, targetgroup/web-green/fedcba9876543210,
                 LoadBalancer, app/web-alb/50dc6c495c0c9188, {label: green}]

- name: Delete it
  bluegreen.aws.cloudwatch_dashboard:
    name: web-bluegreen
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the task (predicted in check mode); V(null) when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The dashboard's name.
      type: str
      sample: web-bluegreen
    body:
      description: The body, as data.
      type: dict
      sample: {"widgets": [{"type": "metric", "properties": {"title": "Requests per color"}}]}
validation_messages:
  description: What CloudWatch said about the body when it was written (it still stored it).
  returned: when the dashboard was written
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.bluegreen.aws.plugins.module_utils import dashboard as dashboards
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import delete_dashboard
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import get_dashboard_body
from ansible_collections.bluegreen.aws.plugins.module_utils.cloudwatch_calls import put_dashboard
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def ensure_present(client, name, body, current, check_mode):
    """Returns ``(changed, after, validation_messages)``."""
    if current is not None and dashboards.same(current, body):
        return False, current, None
    after = dashboards.parse(dashboards.serialize(body))
    if check_mode:
        return True, after, None
    return True, after, put_dashboard(client, name, dashboards.serialize(body))


def ensure_absent(client, name, current, check_mode):
    if current is None:
        return False
    if not check_mode:
        delete_dashboard(client, name)
    return True


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            body=dict(type="dict"),
        ),
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    name, state, body = module.params["name"], module.params["state"], module.params["body"]
    try:
        dashboards.validate(name, body, state)
    except dashboards.DashboardError as e:
        module.fail_json(msg=str(e))
    client = module.client("cloudwatch")
    result = {}
    try:
        current = dashboards.parse(get_dashboard_body(client, name))
        if state == "present":
            changed, after, messages = ensure_present(client, name, body, current, module.check_mode)
            if messages is not None:
                result["validation_messages"] = messages
                for message in messages:
                    module.warn(f"CloudWatch about dashboard {name}: {message.get('Message')}"
                                f" ({message.get('DataPath', 'body')})")
        else:
            changed, after = ensure_absent(client, name, current, module.check_mode), None
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    result.update(changed=changed, dashboard=dict(name=name, body=after) if after is not None else None)
    if module._diff:
        result["diff"] = dict(before=dict(body=current) if current is not None else {},
                              after=dict(body=after) if after is not None else {})
    module.exit_json(**result)


if __name__ == "__main__":
    main()

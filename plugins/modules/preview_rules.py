#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: preview_rules
version_added: 0.2.0
short_description: Static header rules that reach each color through the production listener
description:
  - Makes one rule per color on the production listener - a request with the header
    O(header) set to C(blue) goes to the blue target group, C(green) to green -
    whichever color is live.
  - "Testers reach the idle color through the production hostname before any user does:
    C(curl -H 'X-Bluegreen-Color: green' http://ALB/)."
  - The rules never follow a switch, so a switch never writes them; C(site.yml) makes them
    once (role C(load_balancer)) and a second run writes nothing.
  - A rule for a color's value that forwards elsewhere (the moving preview rule of earlier
    versions) is corrected.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  header:
    description: Name of the HTTP header.
    type: str
    default: X-Bluegreen-Color
  priority:
    description: Priority of the first rule created (the next free ones when taken).
    type: int
    default: 10
extends_documentation_fragment:
  - bluegreen.aws.traffic_path
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
"""

EXAMPLES = r"""
- name: Header rules for blue and green on web's production listener
  bluegreen.aws.preview_rules:
    application: web
    header: X-Bluegreen-Color
"""

RETURN = r"""
rules:
  description: The color each header value reaches after the task (predicted in check mode).
  returned: always
  type: dict
  sample: {"blue": "blue", "green": "green"}
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import create_rule
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_rules
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import modify_rule
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.preview import plan_preview_rules
from ansible_collections.bluegreen.aws.plugins.module_utils.preview import preview_actions
from ansible_collections.bluegreen.aws.plugins.module_utils.preview import preview_conditions
from ansible_collections.bluegreen.aws.plugins.module_utils.preview import preview_state
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import color_arns
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import complete_traffic_path
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import read_listeners
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import traffic_path_argument_spec


def ensure_rules(client, listener_arn, rules, header, arns_by_color, priority, check_mode):
    """Write what ``plan_preview_rules`` asks for; returns the plan (empty: nothing written)."""
    plan = plan_preview_rules(rules, header, arns_by_color, priority)
    for step in plan if not check_mode else []:
        conditions = preview_conditions(header, step["color"])
        actions = preview_actions(arns_by_color[step["color"]])
        if step["action"] == "create":
            create_rule(client, listener_arn, step["priority"], conditions, actions)
        else:
            modify_rule(client, step["rule_arn"], conditions, actions)
    return plan


def main():
    argument_spec = traffic_path_argument_spec()
    argument_spec.update(header=dict(type="str", default="X-Bluegreen-Color"), priority=dict(type="int", default=10))
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params, problem = complete_traffic_path(module.params)
    if problem:
        module.fail_json(msg=problem)
    if not 1 <= params["priority"] <= 50000:
        module.fail_json(msg=f"priority must be from 1 to 50000, got {params['priority']}")

    client = module.client("elbv2")
    try:
        _lb, listener, test_listener = read_listeners(client, params["load_balancer_name"], params["listener_port"],
                                                      params["test_listener_port"])
        arns_by_color = color_arns(client, params["target_groups"], [listener, test_listener])
        rules = describe_rules(client, listener["ListenerArn"])
        before = preview_state(rules, params["header"], arns_by_color)
        plan = ensure_rules(client, listener["ListenerArn"], rules, params["header"], arns_by_color,
                            params["priority"], module.check_mode)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)

    after = {color: color for color in arns_by_color}
    result = dict(changed=bool(plan), rules=after)
    if module._diff:
        result["diff"] = dict(before=dict(rules=before), after=dict(rules=after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

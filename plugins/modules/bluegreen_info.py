#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: bluegreen_info
version_added: 0.1.0
short_description: Report which color of a blue-green application is live
description:
  - Reads an Application Load Balancer's production listener and reports the
    live and idle colors, the traffic weights, and per color the target group,
    its healthy and registered targets and its C(Version) tag.
  - Reads from AWS every time; there is no local state. Makes no changes.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
extends_documentation_fragment:
  - bluegreen.aws.traffic_path
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
  - module: bluegreen.aws.listener_switch
"""

EXAMPLES = r"""
- name: Find the live and idle colors of web
  bluegreen.aws.bluegreen_info:
    load_balancer_name: web-alb
    test_listener_port: 8080
    target_groups:
      blue: web-blue
      green: web-green
  register: web

- name: Show what is live
  ansible.builtin.debug:
    msg: >-
      {{ web.live_color }} serves version {{ web.colors[web.live_color].version }};
      {{ web.idle_color }} is idle with {{ web.colors[web.idle_color].healthy }} healthy targets

- name: Stop when a canary was interrupted
  ansible.builtin.assert:
    that: web.state == 'live'
    fail_msg: "Production traffic is split {{ web.weights }}; finish or roll back the canary first"
"""

RETURN = r"""
live_color:
  description:
    - Color receiving all production traffic.
    - With RV(state=in_progress), the color with the larger share (V(null) for an even split).
    - V(null) with RV(state=unknown).
  returned: always
  type: str
  sample: blue
idle_color:
  description: The other color; V(null) when RV(live_color) is.
  returned: always
  type: str
  sample: green
state:
  description:
    - V(live) when one color receives all production traffic.
    - V(in_progress) when both colors receive some (a canary, or an interrupted switch).
    - V(unknown) when the production listener does not forward, or forwards to
      a target group that is neither blue nor green.
  returned: always
  type: str
  sample: live
weights:
  description: Percent of production traffic per color.
  returned: always
  type: dict
  sample: {"blue": 100, "green": 0}
colors:
  description: Target group, target health and version of each color.
  returned: always
  type: dict
  sample:
    blue:
      target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/c3c088ff6a10d602
      target_group_name: web-blue
      healthy: 2
      total: 2
      version: "1.4.0"
    green:
      target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/34845376f908a40c
      target_group_name: web-green
      healthy: 2
      total: 2
      version: "1.5.0"
  contains:
    blue:
      description: The blue color.
      type: dict
      returned: always
      contains:
        target_group_arn:
          description: ARN of the color's target group.
          type: str
          returned: always
          sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/c3c088ff6a10d602
        target_group_name:
          description: Name of the color's target group.
          type: str
          returned: always
          sample: web-blue
        healthy:
          description: Targets whose health state is C(healthy).
          type: int
          returned: always
          sample: 2
        total:
          description: All registered targets, whatever their state.
          type: int
          returned: always
          sample: 2
        version:
          description: Value of the target group's C(Version) tag; V(null) when it has none.
          type: str
          returned: always
          sample: "1.4.0"
    green:
      description: The green color, as for RV(colors.blue).
      type: dict
      returned: always
listener_arn:
  description: ARN of the production listener.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2
test_listener_arn:
  description: ARN of the test listener; V(null) without O(test_listener_port).
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/50dc6c495c0c9188/0467ef3c8400ae65
test_listener_color:
  description:
    - Color the test listener forwards all its traffic to.
    - V(null) without O(test_listener_port), or when it does not forward to a single color.
  returned: always
  type: str
  sample: green
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_tags
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import COLORS
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import listener_color
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import normalize_weights
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import traffic_state
from ansible_collections.bluegreen.aws.plugins.module_utils.listener import weights_by_color
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import complete_traffic_path
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import resolve_traffic_path
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import traffic_path_argument_spec
from ansible_collections.bluegreen.aws.plugins.module_utils.traffic_path import validate_ports


def describe_colors(client, path):
    """``{color: {target_group_arn, target_group_name, healthy, total, version}}``."""
    arns_by_color = path["arns_by_color"]
    tags = describe_tags(client, [arns_by_color[color] for color in COLORS])
    return {
        color: dict(
            target_group_arn=arns_by_color[color],
            target_group_name=path["target_groups"][color]["TargetGroupName"],
            healthy=path["health"][color]["healthy"],
            total=path["health"][color]["total"],
            version=tags.get(arns_by_color[color], {}).get("Version"),
        )
        for color in COLORS
    }


def describe_application(client, path):
    arns_by_color = path["arns_by_color"]
    weights_by_arn = normalize_weights(path["listener"]["DefaultActions"])
    state, live, idle = traffic_state(weights_by_arn, arns_by_color)
    test_listener = path["test_listener"]
    return dict(
        live_color=live,
        idle_color=idle,
        state=state,
        weights=weights_by_color(weights_by_arn, arns_by_color),
        colors=describe_colors(client, path),
        listener_arn=path["listener"]["ListenerArn"],
        test_listener_arn=test_listener["ListenerArn"] if test_listener else None,
        test_listener_color=listener_color(test_listener["DefaultActions"], arns_by_color) if test_listener else None,
    )


def main():
    module = AnsibleBlueGreenAWSModule(argument_spec=traffic_path_argument_spec(), supports_check_mode=True)
    params, problem = complete_traffic_path(module.params)
    problem = problem or validate_ports(params["listener_port"], params["test_listener_port"])
    if problem:
        module.fail_json(msg=problem)

    client = module.client("elbv2")
    try:
        path = resolve_traffic_path(
            client,
            params["load_balancer_name"],
            params["listener_port"],
            params["test_listener_port"],
            params["target_groups"],
        )
        application = describe_application(client, path)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)

    module.exit_json(changed=False, **application)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: https_listeners
version_added: 0.1.0
short_description: Serve a blue-green application over HTTPS, converting its HTTP listeners in place
description:
  - Makes the production listener of an Application Load Balancer HTTPS on O(listener_port) with an ACM
    certificate and a TLS policy, turns the listener on O(redirect_port) into a permanent (301) redirect to it,
    and makes the optional test listener HTTPS on its own port.
  - Converts a running HTTP stack without a moment in which production has no listener forwarding to the live
    color. When there is no listener on O(listener_port) yet, it is created with a copy of the default actions
    the listener on O(redirect_port) has now (the live color, or a canary's weights, read from AWS); only then
    does O(redirect_port) become a redirect.
  - Never moves traffic. An existing production or test listener keeps its default actions; only its protocol,
    certificate and policy change. Switching colors is M(bluegreen.aws.listener_switch)'s job.
  - Listener rules (such as a header-routed preview of the idle color) are left as they are.
  - Nothing is written when the listeners already match.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  load_balancer_name:
    description: Name of the Application Load Balancer.
    type: str
    required: true
  certificate_arn:
    description: ARN of the certificate (ACM) of the production and the test listener.
    type: str
    required: true
  ssl_policy:
    description: TLS security policy of the HTTPS listeners.
    type: str
    default: ELBSecurityPolicy-TLS13-1-2-2021-06
  listener_port:
    description: Port of the HTTPS production listener.
    type: int
    default: 443
  redirect_port:
    description: Port whose listener redirects to HTTPS (the former HTTP production listener).
    type: int
    default: 80
  test_listener_port:
    description:
      - Port of the test listener (the idle color, for admins); it becomes HTTPS on the same port.
      - Omit it when there is no test listener (the codedeploy mode).
    type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports the steps and the listeners they would give; a load balancer that does not exist yet is
      reported as a change.
  diff_mode:
    support: full
  platform:
    platforms: all
seealso:
  - module: bluegreen.aws.bluegreen_info
  - module: bluegreen.aws.listener_switch
"""

EXAMPLES = r"""
- name: Serve web over HTTPS (port 80 redirects, the test listener on 8080 becomes HTTPS)
  bluegreen.aws.https_listeners:
    load_balancer_name: web-alb
    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789
    test_listener_port: 8080
  register: web_https

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ web_https.steps }}"
"""

RETURN = r"""
steps:
  description: What was done (or would be, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample:
    - create the HTTPS production listener on 443, forwarding as port 80 does now
    - make the test listener on 8080 HTTPS (its forwarding unchanged)
    - turn port 80 into a redirect to HTTPS on 443 (301)
listeners:
  description: The listeners by port after the change (predicted in check mode).
  returned: always
  type: dict
  sample:
    "443": {protocol: HTTPS, certificate: "arn:aws:acm:...", ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06,
            default_actions: ["forward to web-green"]}
    "80": {protocol: HTTP, certificate: null, ssl_policy: null, default_actions: ["redirect to HTTPS:443 (HTTP_301)"]}
"""

from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_listeners
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_load_balancer
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listener_calls import create_listener
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listener_calls import modify_listener_settings
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import DEFAULT_SSL_POLICY
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import HttpsPlanError
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import apply_steps
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import plan_https
from ansible_collections.bluegreen.aws.plugins.module_utils.https_listeners import summarize
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def run(client, params, check_mode):
    """Returns ``(changed, steps, before, after)``; ``before``/``after`` are ``summarize`` dicts."""
    load_balancer = describe_load_balancer(client, params["load_balancer_name"])
    if load_balancer is None:
        if check_mode:
            return True, [f"create load balancer {params['load_balancer_name']}, then its HTTPS listeners"], {}, {}
        raise HttpsPlanError(f"Load balancer {params['load_balancer_name']} not found in this region")
    listeners = describe_listeners(client, load_balancer["LoadBalancerArn"])
    steps = plan_https(
        listeners,
        params["listener_port"],
        params["redirect_port"],
        params["test_listener_port"],
        params["certificate_arn"],
        params["ssl_policy"],
    )
    if steps and not check_mode:
        for step in steps:
            if step["call"] == "create":
                create_listener(client, load_balancer["LoadBalancerArn"], step["params"])
            else:
                modify_listener_settings(client, step["listener_arn"], step["params"])
        after = describe_listeners(client, load_balancer["LoadBalancerArn"])
    else:
        after = apply_steps(listeners, steps)
    return bool(steps), [step["why"] for step in steps], summarize(listeners), summarize(after)


def main():
    argument_spec = dict(
        load_balancer_name=dict(type="str", required=True),
        certificate_arn=dict(type="str", required=True),
        ssl_policy=dict(type="str", default=DEFAULT_SSL_POLICY),
        listener_port=dict(type="int", default=443),
        redirect_port=dict(type="int", default=80),
        test_listener_port=dict(type="int"),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("elbv2")
    try:
        changed, steps, before, after = run(client, module.params, module.check_mode)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    except HttpsPlanError as e:
        module.fail_json(msg=str(e))

    result = dict(changed=changed, steps=steps, listeners=after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

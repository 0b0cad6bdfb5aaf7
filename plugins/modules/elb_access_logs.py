#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: elb_access_logs
version_added: 0.1.0
short_description: Turn an Application Load Balancer's access logs on or off
description:
  - Sets the C(access_logs.s3.enabled), C(access_logs.s3.bucket) and C(access_logs.s3.prefix)
    attributes of the load balancer O(load_balancer), and no other attribute.
  - The load balancer writes to C(s3://BUCKET/PREFIX/AWSLogs/ACCOUNT/elasticloadbalancing/REGION/...).
    The bucket must use SSE-S3 (not SSE-KMS) and allow the region's log delivery to put objects there
    (the C(artifacts) role's access-log bucket does); AWS checks this when the logs are turned on, and the
    task then fails with AWS's message.
  - An attribute the load balancer does not report reads as AWS's default (off, no bucket, no prefix).
    Turning the logs off keeps the bucket and prefix attributes as they are.
  - Nothing is written when the attributes are already as asked. In check mode the outcome is predicted
    and nothing is written; with diff mode the settings before and after are returned.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  load_balancer:
    description: Name or ARN of the Application Load Balancer.
    type: str
    required: true
  enabled:
    description: Whether the load balancer writes access logs.
    type: bool
    default: true
  bucket:
    description: The S3 bucket of the logs; required when O(enabled=true).
    type: str
    default: ""
  prefix:
    description: Key prefix of the logs, without a leading or trailing C(/) and without C(AWSLogs); empty for none.
    type: str
    default: ""
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
  - module: amazon.aws.elb_application_lb
"""

EXAMPLES = r"""
- name: Access logs of web-alb under web/alb/ in the log bucket
  bluegreen.aws.elb_access_logs:
    load_balancer: web-alb
    bucket: web-logs-123456789012-us-east-1
    prefix: web/alb

- name: Turn them off
  bluegreen.aws.elb_access_logs:
    load_balancer: web-alb
    enabled: false
"""

RETURN = r"""
load_balancer_arn:
  description: ARN of the load balancer (empty in check mode when it does not exist yet).
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188
access_logs:
  description: The access-log settings after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether access logs are written.
      type: bool
      sample: true
    bucket:
      description: The bucket.
      type: str
      sample: web-logs-123456789012-us-east-1
    prefix:
      description: The key prefix.
      type: str
      sample: web/alb
"""

from ansible_collections.bluegreen.aws.plugins.module_utils import access_logs
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_load_balancer
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import describe_load_balancer_attributes
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import is_arn
from ansible_collections.bluegreen.aws.plugins.module_utils.elbv2_calls import modify_load_balancer_attributes
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def find_load_balancer_arn(client, name_or_arn):
    """The ARN, or None when there is no such load balancer."""
    if is_arn(name_or_arn):
        return name_or_arn
    found = describe_load_balancer(client, name_or_arn)
    return found["LoadBalancerArn"] if found else None


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=dict(
            load_balancer=dict(type="str", required=True),
            enabled=dict(type="bool", default=True),
            bucket=dict(type="str", default=""),
            prefix=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        access_logs.validate(params["enabled"], params["bucket"], params["prefix"])
    except access_logs.AccessLogsError as e:
        module.fail_json(msg=str(e))
    client = module.client("elbv2")
    try:
        arn = find_load_balancer_arn(client, params["load_balancer"])
        if arn is None:
            after = access_logs.desired(access_logs.current({}), params["enabled"], params["bucket"], params["prefix"])
            if module.check_mode:
                module.warn(f"Load balancer {params['load_balancer']} does not exist yet (check mode): predicted settings.")
                module.exit_json(changed=after["enabled"], load_balancer_arn="", access_logs=after)
            module.fail_json(msg=f"Load balancer {params['load_balancer']} does not exist; create it first.")
        before = access_logs.current(describe_load_balancer_attributes(client, arn))
        after = access_logs.desired(before, params["enabled"], params["bucket"], params["prefix"])
        writes = access_logs.changes(before, after)
        if writes and not module.check_mode:
            modify_load_balancer_attributes(client, arn, writes)
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    result = dict(changed=bool(writes), load_balancer_arn=arn, access_logs=after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

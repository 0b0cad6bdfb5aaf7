#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_notification
version_added: 0.1.0
short_description: Send one message when a release operation ends, to an SNS topic and/or a webhook
description:
  - Sends one JSON message describing how a switch, deploy, rollback, abort, finalize or drill ended
    (application, operation, from and to colors, weights, version, holder, outcome, duration, and the
    alarm, hook or judgment that stopped it) with a one-line human subject, to O(topic_arn) (SNS) and/or
    O(webhook_url) (an HTTP C(POST) of the JSON body).
  - A message that cannot be sent is a warning, never a failed task - a release must not fail because
    its notification did.
  - In check mode nothing is sent; RV(would_send) says where, and RV(message) and RV(subject) what.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  application:
    description: The application.
    type: str
    required: true
  operation:
    description: What ran, as recorded in the lock history (V(switch to green (10% > 100%))).
    type: str
    required: true
  outcome:
    description: How it ended.
    type: str
    required: true
    choices: [succeeded, failed, rolled_back, aborted]
  from_color:
    description: The color that was live before.
    type: str
    choices: [blue, green]
  to_color:
    description: The color the operation moved traffic to.
    type: str
    choices: [blue, green]
  weights:
    description: The production weights at the end, C({blue, green}) in percent.
    type: dict
  version:
    description: The version released.
    type: str
  holder:
    description: Who ran it (the lock holder).
    type: str
  duration:
    description: How long it took, in seconds; by default from O(started_at) to O(ended_at) when both are given.
    type: float
  started_at:
    description: When it started (ISO 8601).
    type: str
  ended_at:
    description: When it ended (ISO 8601).
    type: str
  stopped_by:
    description: The alarm, hook or judgment that stopped it (V(alarm web-green-5xx), V(hook smoke)).
    type: str
  detail:
    description: More detail, such as the error message.
    type: str
  topic_arn:
    description: The SNS topic to publish to.
    type: str
  webhook_url:
    description: A URL to C(POST) the JSON body to (C(http://) or C(https://)).
    type: str
  webhook_headers:
    description: Extra request headers for the webhook (for example a token; not logged).
    type: dict
    default: {}
  webhook_timeout:
    description: Seconds the webhook may take to answer.
    type: int
    default: 10
  validate_certs:
    description: Verify the webhook's TLS certificate.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Sends nothing; returns what would be sent and where.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The SNS message carries the message attributes C(application), C(outcome) and C(operation), for subscription filter policies.
  - At least one of O(topic_arn) and O(webhook_url) is required; skip the task when neither is configured.
"""

EXAMPLES = r"""
- name: Tell the team how the switch ended
  bluegreen.aws.release_notification:
    application: web
    operation: switch to green (10% > 100%)
    outcome: rolled_back
    from_color: blue
    to_color: green
    weights: {blue: 100, green: 0}
    version: "2"
    holder: alice@ops-1
    duration: 125
    stopped_by: alarm web-green-5xx
    topic_arn: arn:aws:sns:us-east-1:123456789012:web-releases
    webhook_url: https://chat.example.com/hooks/releases
"""

RETURN = r"""
message:
  description: The JSON body sent (every field; missing ones V(null)).
  returned: always
  type: dict
  sample: {"application": "web", "operation": "switch to green (10% > 100%)", "from_color": "blue", "to_color": "green",
           "weights": {"blue": 100, "green": 0}, "version": "2", "holder": "alice@ops-1", "outcome": "rolled_back",
           "duration": 125.0, "stopped_by": "alarm web-green-5xx", "detail": null, "started_at": null, "ended_at": null}
subject:
  description: The one-line subject.
  returned: always
  type: str
  sample: "web: switch to green (10% > 100%) ROLLED BACK by alarm web-green-5xx in 2m05s"
sent:
  description: What was sent - C(sns) (the MessageId) and C(webhook) (the HTTP status), V(null) when not sent.
  returned: always
  type: dict
  sample: {"sns": "a8b9c1d2-0000-4000-8000-000000000000", "webhook": 200}
would_send:
  description: Where the message would go (check mode), or went.
  returned: always
  type: list
  elements: str
  sample: ["sns arn:aws:sns:us-east-1:123456789012:web-releases", "webhook https://chat.example.com/hooks/releases"]
"""

import json

from ansible_collections.bluegreen.aws.plugins.module_utils import notification
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.http_client import request
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule
from ansible_collections.bluegreen.aws.plugins.module_utils.sns_calls import publish


def argument_spec():
    color = dict(type="str", choices=["blue", "green"])
    return dict(
        application=dict(type="str", required=True),
        operation=dict(type="str", required=True),
        outcome=dict(type="str", required=True, choices=list(notification.OUTCOMES)),
        from_color=color,
        to_color=dict(color),
        weights=dict(type="dict"),
        version=dict(type="str"),
        holder=dict(type="str"),
        duration=dict(type="float"),
        started_at=dict(type="str"),
        ended_at=dict(type="str"),
        stopped_by=dict(type="str"),
        detail=dict(type="str"),
        topic_arn=dict(type="str"),
        webhook_url=dict(type="str"),
        webhook_headers=dict(type="dict", default={}, no_log=True),
        webhook_timeout=dict(type="int", default=10),
        validate_certs=dict(type="bool", default=True),
    )


def main():
    module = AnsibleBlueGreenAWSModule(
        argument_spec=argument_spec(),
        required_one_of=[("topic_arn", "webhook_url")],
        supports_check_mode=True,
    )
    p = module.params
    if p["webhook_url"] and not p["webhook_url"].startswith(("http://", "https://")):
        module.fail_json(msg=f"webhook_url must be an http:// or https:// URL, got {p['webhook_url']!r}")
    if p["topic_arn"] is not None and not p["topic_arn"].startswith("arn:"):
        module.fail_json(msg=f"topic_arn must be an SNS topic ARN (arn:aws:sns:...), got {p['topic_arn']!r}")
    if p["duration"] is not None and p["duration"] < 0:
        module.fail_json(msg=f"duration must be 0 or more seconds, got {p['duration']!r}")
    if p["webhook_timeout"] < 1:
        module.fail_json(msg=f"webhook_timeout must be at least 1 second, got {p['webhook_timeout']!r}")

    body = notification.message(p)
    subject = notification.subject(body)
    destinations = ([f"sns {p['topic_arn']}"] if p["topic_arn"] else []) + \
        ([f"webhook {p['webhook_url']}"] if p["webhook_url"] else [])
    result = dict(message=body, subject=subject, would_send=destinations, sent=dict(sns=None, webhook=None))
    if module.check_mode:
        module.exit_json(changed=True, msg=f"Check mode: would send {subject!r} to {', '.join(destinations)}",
                         **result)

    if p["topic_arn"]:
        try:
            result["sent"]["sns"] = publish(
                module.client("sns"), p["topic_arn"], subject, json.dumps(body, sort_keys=True),
                dict(application=body["application"], outcome=body["outcome"], operation=body["operation"]))
        except AnsibleBlueGreenAWSError as e:
            module.warn(f"Could not notify {p['topic_arn']}: {e}")
    if p["webhook_url"]:
        answer = request(p["webhook_url"], method="POST", payload=dict(body, subject=subject, text=notification.text(body)),
                         headers=p["webhook_headers"], timeout=p["webhook_timeout"], validate_certs=p["validate_certs"])
        if answer.get("error"):
            module.warn(f"Could not notify {p['webhook_url']}: {answer['error']}")
        elif not 200 <= answer["status"] < 300:
            module.warn(f"Could not notify {p['webhook_url']}: it answered {answer['status']}")
        else:
            result["sent"]["webhook"] = answer["status"]
    sent = [k for k, v in result["sent"].items() if v is not None]
    module.exit_json(changed=bool(sent), msg=f"Sent {subject!r} to {', '.join(sent) or 'nothing'}", **result)


if __name__ == "__main__":
    main()

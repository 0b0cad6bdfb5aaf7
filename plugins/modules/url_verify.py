#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: url_verify
version_added: 0.2.0
short_description: Wait until a URL answers with the new version, renewing the release's lease at every poll
description:
  - A watcher of the release flow. After the switch, asks O(url) every O(interval) seconds
    until the answer is status 200 with O(body) in its body and every header of O(headers),
    for at most O(timeout) seconds.
  - Verdict V(pass), or V(fail) (the task fails, saying what it last received) - the flow then
    restores the weights from before the switch.
  - With O(lease), renews it at every poll; a lease taken over fails the task with RV(lease_lost).
  - When the Ansible run that started it has ended (its C(ansible-playbook) process was killed
    while this task ran on, orphaned), it stops at the next poll without renewing the lease
    (RV(run_gone)), so the lease expires within its ttl. Checked on Linux (C(/proc)).
  - The probe goes through the load balancer, so it needs real AWS (the embedded AWS routes no requests).
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  url:
    description: A URL that answers with the version it runs, for example the production hostname's C(/version).
    type: str
    required: true
  body:
    description: Text the body of the answer must contain, for example C(1.4.0).
    type: str
  headers:
    description: Headers the answer must have, with these exact values (names compared without case).
    type: dict
  timeout:
    description: Seconds to wait for the new version, at least 1.
    type: int
    default: 60
  interval:
    description: Seconds between two requests, at least 1.
    type: int
    default: 2
  validate_certs:
    description: Whether to validate the TLS certificate of O(url).
    type: bool
    default: true
extends_documentation_fragment:
  - bluegreen.aws.lease
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Does not ask the URL.
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Wait until the site answers with version 1.4.0
  bluegreen.aws.url_verify:
    url: https://www.example.com/version
    body: "1.4.0"
    timeout: 120
  check_mode: true
"""

RETURN = r"""
verdict:
  description: V(pass), V(fail), or V(skipped) in check mode.
  returned: always
  type: str
  sample: pass
verification:
  description: What the probe saw - attempts, elapsed seconds, the last answer and the last few attempts.
  returned: always
  type: dict
  sample: {"url": "https://www.example.com/version", "ok": true, "attempts": 3, "elapsed": 4.1,
           "last": {"at": "2026-11-22T22:41:05.000000Z", "ok": true, "why": "new version answered",
                    "status": 200, "body": "1.4.0"}}
lease:
  description: The renewed O(lease); V(null) without it.
  returned: always
  type: dict
lease_lost:
  description: True when the lease was taken over; the flow must stop without writing.
  returned: on failure
  type: bool
run_gone:
  description: True when the run that started the task had ended; the lease was left to expire.
  returned: on failure
  type: bool
"""

from ansible_collections.bluegreen.aws.plugins.module_utils import traffic_lease
from ansible_collections.bluegreen.aws.plugins.module_utils import verify as verification
from ansible_collections.bluegreen.aws.plugins.module_utils.aws_errors import AnsibleBlueGreenAWSError
from ansible_collections.bluegreen.aws.plugins.module_utils.modules import AnsibleBlueGreenAWSModule


def main():
    argument_spec = dict(
        url=dict(type="str", required=True),
        body=dict(type="str"),
        headers=dict(type="dict"),
        timeout=dict(type="int", default=60),
        interval=dict(type="int", default=2),
        validate_certs=dict(type="bool", default=True),
        **traffic_lease.lease_only_options(),
    )
    module = AnsibleBlueGreenAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        verification.validate(params["url"], params["body"], params["headers"], params["timeout"], params["interval"])
    except verification.VerifyError as e:
        module.fail_json(msg=str(e).replace("verify_", ""))
    if module.check_mode:
        module.exit_json(changed=False, verdict="skipped", verification=None, lease=params["lease"])

    renewer = traffic_lease.Renewer(module.client("s3") if params["lease"] else None, params["lease"])

    def fetch():
        renewer.renew()
        return verification.fetch_answer(params["url"], params["validate_certs"], min(10, params["timeout"]))

    try:
        result = verification.probe(fetch, params["body"], params["headers"], params["timeout"], params["interval"])
    except (traffic_lease.LeaseLost, traffic_lease.RunGone) as e:
        module.fail_json(**renewer.failure(e, "verifying"))
    except AnsibleBlueGreenAWSError as e:
        module.fail_json_aws_error(e)
    result.update(url=params["url"], timeout=params["timeout"])
    outcome = dict(changed=False, verdict="pass" if result["ok"] else "fail", verification=result,
                   lease=renewer.lease)
    if not result["ok"]:
        module.fail_json(msg=verification.failure_message(result), **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()

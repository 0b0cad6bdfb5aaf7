#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: http_check
version_added: 0.1.0
short_description: Ask a URL until it answers as expected - an HTTP release hook
description:
  - Sends C(GET) to O(url) until an answer has one of the expected O(status) codes (and contains
    O(body), when given) or O(timeout) seconds pass, every O(interval) seconds. Refused
    connections, timeouts and other statuses are retried.
  - Returns RV(verdict) V(pass) or V(fail) with the evidence (each attempt, the last answer). It fails
    the task only with O(fail_on_fail=true); otherwise a release flow decides what a failed hook means
    (it restores the traffic, see C(docs/HOOKS.md)).
  - In check mode nothing is sent; RV(verdict) is V(not_run) and RV(msg) says what would be asked.
author:
  - bluegreen.aws maintainers (@bluegreen-aws)
options:
  url:
    description: The URL to ask, C(http://) or C(https://).
    type: str
    required: true
  name:
    description: The hook's name, used in RV(msg).
    type: str
  status:
    description: The HTTP status codes that pass.
    type: list
    elements: int
    default: [200]
  body:
    description: Text the answer's body must contain to pass.
    type: str
  headers:
    description: Request headers (for example an authorization token; not logged).
    type: dict
    default: {}
  timeout:
    description: Seconds to keep asking, at least 1.
    type: int
    default: 60
  interval:
    description: Seconds between attempts, at least 1.
    type: int
    default: 5
  request_timeout:
    description: Seconds one attempt may take, at least 1.
    type: int
    default: 10
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  fail_on_fail:
    description: Fail the task when RV(verdict) is V(fail).
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Sends nothing; says what would be asked.
  diff_mode:
    support: N/A
    details: The module makes no changes.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Smoke test of the idle color through the test listener
  bluegreen.aws.http_check:
    name: smoke
    url: "https://test.example.com:8443/health"
    status: [200]
    body: ok
    timeout: 60
  register: smoke

- name: The same, failing the task when the hook fails
  bluegreen.aws.http_check:
    name: smoke
    url: "https://test.example.com:8443/health"
    body: ok
    fail_on_fail: true
"""

RETURN = r"""
verdict:
  description: V(pass), V(fail), or V(not_run) in check mode.
  returned: always
  type: str
  sample: fail
msg:
  description: What passed, or why it failed (name, URL, attempts, last answer).
  returned: always
  type: str
  sample: "hook smoke (https://test.example.com:8443/health) did not pass within 60 s (12 attempts); last answer: status 500, expected 200"
name:
  description: O(name).
  returned: always
  type: str
url:
  description: O(url).
  returned: always
  type: str
attempts:
  description: How many requests were sent.
  returned: when the check ran
  type: int
  sample: 3
elapsed:
  description: Seconds the check took.
  returned: when the check ran
  type: float
  sample: 2.1
last:
  description: The last attempt (C(at), C(ok), C(why), C(status), C(body) excerpt).
  returned: when the check ran
  type: dict
  sample: {"at": "2026-12-02T07:40:01.000000Z", "ok": true, "why": "status 200 with 'ok'", "status": 200, "body": "ok"}
progress:
  description: The last attempts, oldest first, as RV(last).
  returned: when the check ran
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.bluegreen.aws.plugins.module_utils import hooks
from ansible_collections.bluegreen.aws.plugins.module_utils.http_client import request


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            name=dict(type="str"),
            status=dict(type="list", elements="int", default=[200]),
            body=dict(type="str"),
            headers=dict(type="dict", default={}, no_log=True),
            timeout=dict(type="int", default=60),
            interval=dict(type="int", default=5),
            request_timeout=dict(type="int", default=10),
            validate_certs=dict(type="bool", default=True),
            fail_on_fail=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        hooks.validate_check(p["url"], p["status"], p["timeout"], p["interval"], p["request_timeout"])
    except hooks.HookError as e:
        module.fail_json(msg=str(e))
    what = f"hook {p['name']} ({p['url']})" if p["name"] else p["url"]
    expected = " or ".join(str(s) for s in p["status"]) + (f" with {p['body']!r}" if p["body"] else "")
    if module.check_mode:
        module.exit_json(changed=False, verdict=hooks.NOT_RUN, name=p["name"], url=p["url"],
                         msg=f"Check mode: would ask {what} until status {expected} (timeout {p['timeout']} s)")

    def fetch():
        return request(p["url"], headers=p["headers"], timeout=min(p["request_timeout"], p["timeout"]),
                       validate_certs=p["validate_certs"])

    result = hooks.check(fetch, p["status"], p["body"], p["timeout"], p["interval"])
    if result["verdict"] == hooks.PASS:
        msg = f"{what} passed: {result['last']['why']} after {result['attempts']} attempt(s)"
    else:
        msg = hooks.failure_message(p["name"], p["url"], p["timeout"], result)
    result.update(changed=False, msg=msg, name=p["name"], url=p["url"])
    if result["verdict"] == hooks.FAIL and p["fail_on_fail"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

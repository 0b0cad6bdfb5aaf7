# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The post-switch probe: does the new version answer? Pure functions, fetch and clock injected.

After the last step of a switch, ``listener_switch`` asks a URL (usually the
production hostname) until the answer shows the new version: status 200 and
the expected body substring and/or header values. The module restores the
weights from before the switch when that never happens within the timeout.
"""

from __future__ import annotations

import time

from ansible_collections.bluegreen.aws.plugins.module_utils.analysis import utc_now

BODY_EXCERPT = 200
KEEP_ATTEMPTS = 20


class VerifyError(ValueError):
    """Probe options the switch must not start with."""


def validate(url, body, headers, timeout, interval):
    """Raises VerifyError naming the bad value; returns None when the probe may run."""
    if not url.startswith(("http://", "https://")):
        raise VerifyError(f"verify_url must be an http:// or https:// URL, got {url!r}")
    if not body and not headers:
        raise VerifyError("verify_url needs verify_body or verify_headers: what tells the new version apart")
    for name, value in (headers or {}).items():
        if not name or value is None or str(value) == "":
            raise VerifyError(f"verify_headers: header {name!r} needs a value to expect, got {value!r}")
    if timeout < 1:
        raise VerifyError(f"verify_timeout must be at least 1 second, got {timeout!r}")
    if interval < 1:
        raise VerifyError(f"verify_interval must be at least 1 second, got {interval!r}")


def judge(answer, body, headers):
    """``(ok, why)`` for one answer ``{status, headers, body}`` (or ``{error}``)."""
    if answer.get("error"):
        return False, f"no answer ({answer['error']})"
    status = answer.get("status")
    if status != 200:
        return False, f"status {status}"
    received = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    for name, value in (headers or {}).items():
        got = received.get(name.lower())
        if got != str(value):
            return False, f"header {name}: {got!r}, expected {str(value)!r}"
    if body and body not in (answer.get("body") or ""):
        return False, f"body does not contain {body!r}"
    return True, "new version answered"


def summary(answer, ok, why):
    """What one attempt saw, short enough for the result."""
    entry = dict(at=utc_now(), ok=ok, why=why, status=answer.get("status"))
    if answer.get("body") is not None:
        entry["body"] = answer["body"][:BODY_EXCERPT]
    return entry


def probe(fetch, body, headers, timeout, interval, clock=time.monotonic, sleep=time.sleep):
    """Ask ``fetch()`` until an answer passes ``judge`` or ``timeout`` seconds pass.

    ``fetch()`` returns ``{status, headers, body}`` or ``{error}``. Returns
    ``dict(ok, attempts, elapsed, last, progress)``: ``progress`` lists the last
    attempts (at most KEEP_ATTEMPTS), ``last`` is the final one.
    """
    started = clock()
    deadline = started + timeout
    attempts, progress = 0, []
    while True:
        answer = fetch()
        attempts += 1
        ok, why = judge(answer, body, headers)
        progress.append(summary(answer, ok, why))
        del progress[:-KEEP_ATTEMPTS]
        remaining = deadline - clock()
        if ok or remaining <= 0:
            return dict(ok=ok, attempts=attempts, elapsed=round(clock() - started, 1), last=progress[-1],
                        progress=progress)
        sleep(min(interval, remaining))


def failure_message(result, restored_weights):
    """Why the switch was undone: ``result`` is a ``probe`` result with ``url`` and ``timeout`` added."""
    last = result["last"]
    return (
        f"{result['url']} did not show the new version within {result['timeout']} s ({result['attempts']} attempts); "
        f"last answer: {last['why']}"
        + (f", body {last['body']!r}" if last.get("body") else "")
        + f". Production traffic restored to blue {restored_weights['blue']}% / green {restored_weights['green']}%"
    )

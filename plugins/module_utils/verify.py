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

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

from ansible_collections.bluegreen.aws.plugins.module_utils.analysis import utc_now
from ansible_collections.bluegreen.aws.plugins.module_utils.polling import poll

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
    """Ask ``fetch()`` until an answer passes ``judge`` or ``timeout`` seconds pass (``polling.poll``).

    ``fetch()`` returns ``{status, headers, body}`` or ``{error}``. Returns
    ``dict(ok, attempts, elapsed, last, progress)``: ``progress`` lists the last
    attempts (at most KEEP_ATTEMPTS), ``last`` is the final one.
    """
    progress = []

    def attempt():
        answer = fetch()
        ok, why = judge(answer, body, headers)
        progress.append(summary(answer, ok, why))
        del progress[:-KEEP_ATTEMPTS]
        return ok

    ok, attempts, elapsed = poll(attempt, bool, timeout, interval, clock, sleep)
    return dict(ok=ok, attempts=attempts, elapsed=round(elapsed, 1), last=progress[-1], progress=progress)


def failure_message(result, restored_weights=None):
    """Why verification failed: ``result`` is a ``probe`` result with ``url`` and ``timeout`` added."""
    last = result["last"]
    message = (
        f"{result['url']} did not show the new version within {result['timeout']} s ({result['attempts']} attempts); "
        f"last answer: {last['why']}"
        + (f", body {last['body']!r}" if last.get("body") else "")
    )
    if restored_weights:
        message += f". Production traffic restored to blue {restored_weights['blue']}% / green {restored_weights['green']}%"
    return message


def fetch_answer(url, validate_certs, timeout):
    """One GET of ``url``: ``{status, headers, body}``, or ``{error}`` when nothing usable came back."""
    try:
        response = open_url(url, method="GET", validate_certs=validate_certs, timeout=timeout,
                            headers={"Cache-Control": "no-cache"}, follow_redirects="safe")
        status, headers, raw = response.getcode(), dict(response.headers.items()), response.read(65536)
    except HTTPError as e:
        status, headers, raw = e.code, dict(e.headers.items()) if e.headers else {}, e.read()[:65536] if e.fp else b""
    except Exception as e:  # noqa: BLE001 - refused, reset, DNS, TLS, timeout: all mean "not answering yet"
        return dict(error=f"{type(e).__name__}: {e}")
    return dict(status=status, headers=headers, body=raw.decode("utf-8", "replace"))

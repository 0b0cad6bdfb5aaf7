# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP request, as plain data: the answer or what went wrong (never an exception)."""

from __future__ import annotations

import json

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

MAX_BODY = 65536


def request(url, method="GET", payload=None, headers=None, timeout=10, validate_certs=True):
    """Send one request; ``payload`` (a dict) goes as a JSON body.

    Returns ``{status, headers, body}`` for any HTTP answer (4xx and 5xx
    included), or ``{error}`` when nothing usable came back (refused, reset,
    DNS, TLS, timeout).
    """
    sent_headers = {"Cache-Control": "no-cache"}
    data = None
    if payload is not None:
        data = json.dumps(payload, sort_keys=True).encode()
        sent_headers["Content-Type"] = "application/json"
    sent_headers.update(headers or {})
    try:
        response = open_url(url, method=method, data=data, headers=sent_headers, timeout=timeout,
                            validate_certs=validate_certs, follow_redirects="safe")
        status, answer_headers, raw = response.getcode(), dict(response.headers.items()), response.read(MAX_BODY)
    except HTTPError as e:
        status = e.code
        answer_headers = dict(e.headers.items()) if e.headers else {}
        raw = e.read()[:MAX_BODY] if e.fp else b""
    except Exception as e:  # noqa: BLE001 - any failure to get an answer is "no answer", reported as data
        return dict(error=f"{type(e).__name__}: {e}")
    return dict(status=status, headers=answer_headers, body=raw.decode("utf-8", "replace"))

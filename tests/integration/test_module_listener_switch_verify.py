# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""listener_switch's verify_url probe, against the emulator and a local HTTP server.

The emulator routes no requests through the ALB, so the probe asks a small
HTTP server started by the test on 127.0.0.1 (a free port) that plays the
production hostname: it answers what the test tells it to. The listeners are
read back from the emulator with boto3.
"""

from __future__ import annotations

import contextlib
import http.server
import threading

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

from test_module_listener_switch import BLUE_LIVE, GREEN_LIVE, read_weights, switch_args


class Site:
    """What the fake production hostname answers: ``versions`` in turn, the last one forever."""

    def __init__(self):
        self.versions = ["1.0.0"]
        self.requests = 0
        self.url = None

    def next_version(self):
        self.requests += 1
        return self.versions.pop(0) if len(self.versions) > 1 else self.versions[0]


@contextlib.contextmanager
def serve(state):
    """Serve ``state`` on 127.0.0.1 (a free port) while the block runs; sets ``state.url``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            version = state.next_version()
            body = ("version %s\n" % version).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("X-App-Version", version)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = "http://127.0.0.1:%d/version" % server.server_address[1]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site():
    with serve(Site()) as state:
        yield state


def test_switch_stays_when_the_new_version_answers(aws, bluegreen_stack, run_module, aws_calls, site):
    stack = bluegreen_stack
    site.versions = ["1.0.0", "1.0.0", "1.1.0"]  # propagation: the old version answers twice
    args = switch_args(stack, color="green", verify_url=site.url, verify_body="1.1.0",
                       verify_headers={"x-app-version": "1.1.0"}, verify_timeout=20, verify_interval=1)
    ok, result = run_module(listener_switch.main, args)
    assert ok, result
    verification = result["verification"]
    assert verification["ok"] and verification["attempts"] == 3 and site.requests == 3
    assert [p["ok"] for p in verification["progress"]] == [False, False, True]
    assert verification["progress"][0]["why"].startswith("header x-app-version: '1.0.0'")
    assert result["rolled_back"] is False and result["weights"] == GREEN_LIVE
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == BLUE_LIVE
    assert aws_calls.count("ModifyListener") == 2


def test_switch_is_undone_when_the_new_version_never_answers(aws, bluegreen_stack, run_module, aws_calls, site):
    stack = bluegreen_stack
    args = switch_args(stack, color="green", verify_url=site.url, verify_body="1.1.0", verify_timeout=2,
                       verify_interval=1)
    ok, result = run_module(listener_switch.main, args)
    assert not ok
    assert result["msg"].startswith(site.url + " did not show the new version within 2 s (3 attempts); "
                                    "last answer: body does not contain '1.1.0', body 'version 1.0.0\\n'")
    assert result["msg"].endswith("Production traffic restored to blue 100% / green 0%")
    assert result["rolled_back"] is True and result["changed"] is True
    assert result["verification"]["ok"] is False and result["timeline"][-1]["outcome"] == "not_verified"
    # Read back: both listeners are as before the switch.
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    assert read_weights(aws, stack, stack["test_listener_arn"]) == GREEN_LIVE
    assert aws_calls.count("ModifyListener") == 4  # switch, test listener, and both restored


def test_no_probe_in_check_mode_nor_when_nothing_changes(aws, bluegreen_stack, run_module, aws_calls, site):
    stack = bluegreen_stack
    args = switch_args(stack, color="blue", verify_url=site.url, verify_body="1.0.0")
    ok, result = run_module(listener_switch.main, args)  # blue is already live
    assert ok and not result["changed"] and result["verification"] is None
    ok, result = run_module(listener_switch.main, dict(switch_args(stack, color="green", verify_url=site.url,
                                                                   verify_body="1.1.0"), _ansible_check_mode=True))
    assert ok and result["changed"] and result["verification"] is None
    assert site.requests == 0 and aws_calls.writes() == []
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE


def test_bad_probe_options_fail_before_any_call(aws, bluegreen_stack, run_module, aws_calls):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green",
                                                              verify_url="http://127.0.0.1:9/version"))
    assert not ok and result["msg"].startswith("verify_url needs verify_body or verify_headers")
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", verify_body="1.1.0"))
    assert not ok and result["msg"].startswith("verify_body and verify_headers need verify_url")
    assert aws_calls.operations() == []

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.url_verify, the watcher that waits for the new version, against a local HTTP server.

The emulator routes no requests through the ALB, so the probe asks a small
HTTP server started by the test on 127.0.0.1 (a free port) that plays the
production hostname: it answers what the test tells it to. The lease it
renews lives in the emulator's S3 and is read back with boto3.
"""

from __future__ import annotations

import contextlib
import http.server
import threading

import pytest

from ansible_collections.bluegreen.aws.plugins.modules import url_verify

from test_module_alarm_watch import taken_over
from test_module_alarm_watch import lease_and_bucket  # noqa: F401 # pylint: disable=unused-import


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


def test_passes_when_the_new_version_answers(run_module, aws_calls, site):
    site.versions = ["1.0.0", "1.0.0", "1.1.0"]
    ok, result = run_module(url_verify.main, dict(url=site.url, body="1.1.0", interval=1, timeout=10))
    assert ok, result
    assert result["verdict"] == "pass" and result["verification"]["attempts"] == 3 and site.requests == 3
    assert aws_calls.writes() == []


def test_fails_saying_what_it_last_received(run_module, site):
    ok, result = run_module(url_verify.main, dict(url=site.url, headers={"X-App-Version": "9.9.9"}, interval=1,
                                                  timeout=2))
    assert not ok and result["verdict"] == "fail"
    assert site.url + " did not show the new version within 2 s" in result["msg"]
    assert "header X-App-Version: '1.0.0', expected '9.9.9'" in result["msg"], result["msg"]
    assert site.requests >= 2


def test_renews_the_lease_at_every_poll_and_stops_when_it_is_lost(aws, run_module, aws_calls, site,
                                                                  lease_and_bucket):
    lease, s3 = lease_and_bucket
    site.versions = ["1.0.0", "1.1.0"]
    ok, result = run_module(url_verify.main, dict(url=site.url, body="1.1.0", interval=1, timeout=10, lease=lease))
    assert ok and result["lease"]["etag"] != lease["etag"]
    assert aws_calls.count("PutObject") == 2, "one renewal per attempt"

    taken_over(s3)
    ok, result = run_module(url_verify.main, dict(url=site.url, body="1.1.0", interval=1, timeout=10,
                                                  lease=result["lease"]))
    assert not ok and result["lease_lost"] is True and "dave@ops-4" in result["msg"]


def test_check_mode_and_bad_options_ask_nothing(run_module, aws_calls, site):
    ok, result = run_module(url_verify.main, dict(url=site.url, body="1", _ansible_check_mode=True))
    assert ok and result["verdict"] == "skipped" and site.requests == 0
    for args, fragment in ((dict(url="ftp://x/", body="1"), "url must be an http:// or https:// URL"),
                           (dict(url=site.url), "needs body or headers"),
                           (dict(url=site.url, body="1", timeout=0), "timeout must be at least 1 second")):
        ok, result = run_module(url_verify.main, args)
        assert not ok and fragment in result["msg"], result["msg"]
    assert aws_calls.operations() == [] and site.requests == 0

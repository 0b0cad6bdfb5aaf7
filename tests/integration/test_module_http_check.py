"""bluegreen.aws.http_check against a local HTTP server on 127.0.0.1 (free port, stopped by each test)."""

from __future__ import annotations

from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.bluegreen.aws.plugins.modules import http_check
from local_http import LocalServer


class Exit(Exception):
    def __init__(self, ok, result):
        super().__init__(result.get("msg"))
        self.ok, self.result = ok, result


def run(args):
    """``(ok, result)`` of http_check with ``args`` (not an AWS module: no connection options)."""
    def exit_json(_self, **kwargs):
        raise Exit(True, kwargs)

    def fail_json(_self, msg, **kwargs):
        raise Exit(False, dict(kwargs, msg=msg))

    with patch_module_args(args), mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json):
        try:
            http_check.main()
        except Exit as e:
            return e.ok, e.result
    raise AssertionError("module returned without exit_json or fail_json")


@pytest.fixture
def server():
    servers = []

    def start(*answers):
        servers.append(LocalServer(answers))
        return servers[-1]

    yield start
    for each in servers:
        each.stop()


def test_500_then_200_passes_after_retries(server):
    local = server((500, "starting"), (500, "starting"), (200, "all ok"))
    ok, result = run(dict(url=local.url + "/health", name="smoke", body="ok", timeout=30, interval=1))
    assert ok and result["verdict"] == "pass"
    assert result["attempts"] == 3 and len(local.requests) == 3
    assert [a["status"] for a in result["progress"]] == [500, 500, 200]
    assert result["last"]["body"] == "all ok"
    assert "hook smoke" in result["msg"] and "passed" in result["msg"]


def test_always_500_fails_naming_the_hook_and_the_last_answer(server):
    local = server((500, "broken"))
    ok, result = run(dict(url=local.url + "/health", name="smoke", timeout=2, interval=1, fail_on_fail=True))
    assert not ok and result["verdict"] == "fail"
    assert result["msg"].startswith(f"hook smoke ({local.url}/health) did not pass within 2 s")
    assert "status 500, expected 200" in result["msg"] and "'broken'" in result["msg"]
    assert result["attempts"] == len(local.requests) >= 2


def test_a_failed_check_is_returned_without_fail_on_fail(server):
    local = server((200, "maintenance"))
    ok, result = run(dict(url=local.url, body="version 2", timeout=1, interval=1))
    assert ok and result["verdict"] == "fail"
    assert "does not contain 'version 2'" in result["last"]["why"]


def test_expected_statuses_and_headers_are_sent(server):
    local = server((204, ""))
    ok, result = run(dict(url=local.url + "/ready", status=[200, 204], headers={"X-Token": "s3cret"}, timeout=5))
    assert ok and result["verdict"] == "pass"
    assert local.requests[0]["headers"]["X-Token"] == "s3cret" and local.requests[0]["method"] == "GET"


def test_nothing_listening_is_a_fail_not_an_error(server):
    local = server((200, "ok"))
    url = local.url
    local.stop()
    ok, result = run(dict(url=url, timeout=1, interval=1, request_timeout=1))
    assert ok and result["verdict"] == "fail" and "no answer" in result["last"]["why"]


def test_check_mode_sends_nothing(server):
    local = server((200, "ok"))
    ok, result = run(dict(url=local.url, name="smoke", body="ok", _ansible_check_mode=True))
    assert ok and result["verdict"] == "not_run" and "would ask hook smoke" in result["msg"]
    assert local.requests == []


@pytest.mark.parametrize("args, words", [
    (dict(url="ftp://example.com/"), "url must be an http"),
    (dict(url="http://127.0.0.1:1/", status=[99]), "status must be HTTP statuses"),
    (dict(url="http://127.0.0.1:1/", timeout=0), "timeout must be at least 1"),
    (dict(url="http://127.0.0.1:1/", interval=0), "interval must be at least 1"),
])
def test_bad_input_is_refused(args, words):
    ok, result = run(args)
    assert not ok and words in result["msg"]

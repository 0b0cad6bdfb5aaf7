"""Unit tests for the post-switch probe (no network: fetch and clock injected)."""

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import verify


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def answers(*items):
    items = list(items)

    def fetch():
        return items.pop(0) if len(items) > 1 else items[0]

    return fetch


OLD = dict(status=200, headers={"X-App-Version": "1.3.2"}, body="version 1.3.2")
NEW = dict(status=200, headers={"x-app-version": "1.4.0"}, body="version 1.4.0")


@pytest.mark.parametrize("answer, body, headers, ok, why", [
    (NEW, "1.4.0", None, True, "new version answered"),
    (NEW, None, {"X-App-Version": "1.4.0"}, True, "new version answered"),
    (OLD, "1.4.0", None, False, "body does not contain '1.4.0'"),
    (OLD, None, {"X-App-Version": "1.4.0"}, False, "header X-App-Version: '1.3.2', expected '1.4.0'"),
    (dict(status=200, headers={}, body="1.4.0"), "1.4.0", {"X-App-Version": "1.4.0"}, False,
     "header X-App-Version: None, expected '1.4.0'"),
    (dict(status=503, headers={}, body="1.4.0"), "1.4.0", None, False, "status 503"),
    (dict(error="ConnectionRefusedError: refused"), "1.4.0", None, False, "no answer (ConnectionRefusedError: refused)"),
])
def test_judge(answer, body, headers, ok, why):
    assert verify.judge(answer, body, headers) == (ok, why)


def test_probe_waits_until_the_new_version_answers():
    clock = FakeClock()
    result = verify.probe(answers(OLD, OLD, NEW), "1.4.0", None, timeout=30, interval=2,
                          clock=clock.clock, sleep=clock.sleep)
    assert result["ok"] and result["attempts"] == 3 and result["elapsed"] == 4
    assert [p["ok"] for p in result["progress"]] == [False, False, True]
    assert result["last"]["body"] == "version 1.4.0"


def test_probe_gives_up_at_the_timeout():
    clock = FakeClock()
    result = verify.probe(answers(OLD), "1.4.0", None, timeout=5, interval=2, clock=clock.clock, sleep=clock.sleep)
    assert not result["ok"]
    assert clock.sleeps == [2, 2, 1], "the last wait is cut to the deadline"
    assert result["attempts"] == 4 and result["elapsed"] == 5
    message = verify.failure_message(dict(result, url="https://x/version", timeout=5), {"blue": 100, "green": 0})
    assert message == ("https://x/version did not show the new version within 5 s (4 attempts); last answer: "
                       "body does not contain '1.4.0', body 'version 1.3.2'. "
                       "Production traffic restored to blue 100% / green 0%")


def test_probe_keeps_only_the_last_attempts():
    clock = FakeClock()
    result = verify.probe(answers(OLD), "1.4.0", None, timeout=100, interval=1, clock=clock.clock, sleep=clock.sleep)
    assert result["attempts"] == 101 and len(result["progress"]) == verify.KEEP_ATTEMPTS


def test_body_excerpt_is_short():
    clock = FakeClock()
    result = verify.probe(answers(dict(status=200, headers={}, body="x" * 5000)), "1.4.0", None, timeout=1,
                          interval=1, clock=clock.clock, sleep=clock.sleep)
    assert len(result["last"]["body"]) == verify.BODY_EXCERPT


@pytest.mark.parametrize("url, body, headers, timeout, interval, message", [
    ("ftp://x/", "1", None, 60, 2, "verify_url must be an http:// or https:// URL, got 'ftp://x/'"),
    ("https://x/", None, None, 60, 2, "verify_url needs verify_body or verify_headers"),
    ("https://x/", None, {"X-App-Version": ""}, 60, 2, "verify_headers: header 'X-App-Version' needs a value"),
    ("https://x/", "1", None, 0, 2, "verify_timeout must be at least 1 second, got 0"),
    ("https://x/", "1", None, 60, 0, "verify_interval must be at least 1 second, got 0"),
])
def test_validate_names_the_bad_value(url, body, headers, timeout, interval, message):
    with pytest.raises(verify.VerifyError) as e:
        verify.validate(url, body, headers, timeout, interval)
    assert str(e.value).startswith(message)

"""hooks.py (HTTP hook check, bluegreen_hooks shape) and notification.py (message, subject): pure functions."""

from __future__ import annotations

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import hooks
from ansible_collections.bluegreen.aws.plugins.module_utils import notification


class Clock:
    """A clock that moves only when the code sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def answers(*items):
    queue = list(items)
    return lambda: queue.pop(0) if len(queue) > 1 else queue[0]


def test_check_retries_until_the_expected_answer():
    clock = Clock()
    fetch = answers(dict(error="ConnectionRefusedError"), dict(status=500, body="x"), dict(status=200, body="ok!"))
    result = hooks.check(fetch, [200], "ok", timeout=60, interval=5, clock=clock, sleep=clock.sleep)
    assert result["verdict"] == "pass" and result["attempts"] == 3 and clock.sleeps == [5, 5]
    assert [p["why"] for p in result["progress"]] == [
        "no answer (ConnectionRefusedError)", "status 500, expected 200", "status 200 with 'ok'"]


def test_check_fails_at_the_timeout_with_the_last_answer():
    clock = Clock()
    result = hooks.check(answers(dict(status=503, body="busy")), [200, 204], None, timeout=12, interval=5,
                         clock=clock, sleep=clock.sleep)
    assert result["verdict"] == "fail" and result["attempts"] == 4 and clock.sleeps == [5, 5, 2]
    message = hooks.failure_message("smoke", "https://x/health", 12, result)
    assert message == ("hook smoke (https://x/health) did not pass within 12 s (4 attempts); "
                       "last answer: status 503, expected 200 or 204, body 'busy'")


def test_judge_body():
    assert hooks.judge(dict(status=200, body="all fine"), [200], "ok") == (
        False, "status 200 but the body does not contain 'ok'")
    assert hooks.judge(dict(status=204, body=""), [204], None) == (True, "status 204")


HOOKS = dict(
    after_delivery=[dict(name="smoke", url="https://test.example.com:8443/health", status=200, body="ok", timeout=60)],
    after_step=[dict(name="business-kpi", tasks="hooks/kpi.yml")],
    after_switch=[],
    after_rollback=None,
)


def test_validate_hooks_accepts_the_documented_shape():
    hooks.validate_hooks(HOOKS)
    hooks.validate_hooks(None)
    hooks.validate_hooks({})


@pytest.mark.parametrize("bad, words", [
    ([], "must be a mapping of stages"),
    (dict(before_switch=[]), "unknown stage 'before_switch'"),
    (dict(after_step={"name": "x"}), "after_step must be a list"),
    (dict(after_step=[dict(url="http://x")]), "after_step[0] needs a name"),
    (dict(after_step=[dict(name="a", url="http://x", tasks="t.yml")]), "(a) needs exactly one of url"),
    (dict(after_step=[dict(name="a")]), "(a) needs exactly one of url"),
    (dict(after_switch=[dict(name="a", url="http://x"), dict(name="a", url="http://y")]), "used twice"),
    (dict(after_switch=[dict(name="a", url="http://x", status=700)]), "(a): status must be HTTP"),
    (dict(after_switch=[dict(name="a", url="http://x", timeout=0)]), "(a): timeout must be at least 1"),
    (dict(after_switch=[dict(name="a", url="ftp://x")]), "(a): url must be"),
    (dict(after_switch=[dict(name="a", url="http://x", retries=3)]), "unknown field(s) retries"),
    (dict(after_switch=[dict(name="a", tasks=["t.yml"])]), "tasks must be the path"),
])
def test_validate_hooks_names_the_bad_field(bad, words):
    with pytest.raises(hooks.HookError) as error:
        hooks.validate_hooks(bad)
    assert words in str(error.value)


def test_plan_says_what_would_run():
    assert hooks.plan(HOOKS, "after_delivery") == [
        "after_delivery: smoke: GET https://test.example.com:8443/health until status 200 with 'ok' (timeout 60 s)"]
    assert hooks.plan(HOOKS, "after_step") == ["after_step: business-kpi: run the tasks in hooks/kpi.yml"]
    assert hooks.plan(HOOKS, "after_rollback") == [] and hooks.plan(None, "after_switch") == []


@pytest.mark.parametrize("seconds, text", [(None, ""), (4.4, "4s"), (125, "2m05s"), (3720, "1h02m")])
def test_duration_text(seconds, text):
    assert notification.duration_text(seconds) == text


def test_subject_is_one_short_ascii_line():
    body = notification.message(dict(application="web", operation="switch to green (100%)", outcome="succeeded",
                                     duration=4))
    assert notification.subject(body) == "web: switch to green (100%) succeeded in 4s"
    long_body = dict(body, operation="deploy 2 to blue (ami) and switch\n(10% > 50% > 100%) " + "x" * 100,
                     outcome="aborted", stopped_by="hook smöke")
    subject = notification.subject(long_body)
    assert len(subject) == 100 and subject.endswith("...") and "\n" not in subject
    assert all(32 <= ord(c) < 127 for c in subject)


def test_message_has_every_field():
    body = notification.message(dict(application="web", outcome="failed", extra="ignored"))
    assert set(body) == set(notification.FIELDS) and body["version"] is None and "extra" not in body


def test_duration_from_the_times_when_not_given():
    body = notification.message(dict(started_at="2026-12-02T07:40:00Z", ended_at="2026-12-02T07:42:05Z"))
    assert body["duration"] == 125.0
    assert notification.message(dict(started_at="2026-12-02T07:40:00Z", ended_at="later"))["duration"] is None
    assert notification.message(dict(duration=3, started_at="2026-12-02T07:40:00Z",
                                     ended_at="2026-12-02T07:42:05Z"))["duration"] == 3


def test_text():
    body = notification.message(dict(application="web", operation="rollback to blue", outcome="succeeded",
                                     from_color="green", to_color="blue", weights=dict(blue=100, green=0),
                                     holder="bob", detail="manual"))
    assert notification.text(body) == ("web: rollback to blue succeeded\ngreen -> blue (blue 100% / green 0%)\n"
                                       "by bob\nmanual")

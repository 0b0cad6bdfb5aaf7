"""Unit tests for canary steps and alarm analysis (no AWS)."""

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import analysis


def test_validate_steps_normalises_pause():
    assert analysis.validate_steps([{"weight": 10, "pause": 60}, {"weight": 100}]) == [
        {"weight": 10, "pause": 60}, {"weight": 100, "pause": 0}]


@pytest.mark.parametrize(
    "steps, message",
    [([], "steps must list at least one step"),
     ([{"weight": 101}], "step 1: weight must be a percentage from 0 to 100, got 101"),
     ([{"weight": 10}, {"weight": -1}], "step 2: weight must be a percentage from 0 to 100, got -1"),
     ([{"weight": True}], "step 1: weight must be a percentage from 0 to 100, got True"),
     ([{"weight": 10, "pause": -5}], "step 1: pause must be a number of seconds (0 or more), got -5")],
)
def test_validate_steps_rejects(steps, message):
    with pytest.raises(analysis.AnalysisError) as e:
        analysis.validate_steps(steps)
    assert str(e.value).startswith(message)


@pytest.mark.parametrize("value", [0, -1, "5"])
def test_poll_interval_must_be_positive(value):
    with pytest.raises(analysis.AnalysisError, match="poll_interval must be at least 1 second"):
        analysis.validate_poll_interval(value)


@pytest.mark.parametrize(
    "states, expected",
    [({"a": "OK", "b": "INSUFFICIENT_DATA"}, None),
     ({"a": "OK"}, "Alarms to watch for green do not exist: b"),
     ({"a": "ALARM", "b": "OK"}, "Refusing to send traffic to green: alarm a is already in ALARM")],
)
def test_preflight(states, expected):
    assert analysis.preflight_message(["a", "b"], states, "green") == expected


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_watch_passes_quietly_and_polls_every_interval():
    fake = FakeClock()
    fired, states, polls = analysis.watch_alarms(lambda: {"a": "OK"}, 12, 5, fake.clock, fake.sleep)
    assert fired == [] and states == {"a": "OK"}
    assert fake.sleeps == [5, 5, 2] and polls == 4


def test_watch_stops_at_the_first_alarm():
    fake = FakeClock()
    readings = iter([{"a": "OK"}, {"a": "OK"}, {"a": "ALARM"}, {"a": "ALARM"}])
    fired, states, polls = analysis.watch_alarms(lambda: next(readings), 60, 5, fake.clock, fake.sleep)
    assert fired == ["a"] and polls == 3 and fake.now == 10


def test_watch_with_no_pause_reads_once():
    fake = FakeClock()
    _fired, _states, polls = analysis.watch_alarms(lambda: {}, 0, 5, fake.clock, fake.sleep)
    assert polls == 1 and fake.sleeps == []


def test_rollback_message():
    assert analysis.rollback_message(["x"], 2, "green", 50, {"blue": 100, "green": 0}) == (
        "Alarm x went to ALARM during step 2 (green at 50%): production traffic restored to blue 100% / green 0%")

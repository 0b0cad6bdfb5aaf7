"""Unit tests for when the old color may be touched (no AWS)."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock
from ansible_collections.bluegreen.aws.plugins.module_utils import rollback_window as windows

T0 = datetime(2026, 11, 22, 22, 0, tzinfo=timezone.utc)


def run(token, operation, start, seconds=None, outcome="succeeded", moved_traffic=True, ttl=1800):
    """The lock versions of one run, newest first: its release (when ``seconds`` is given) and its take."""
    taken = lock.new_lock("web", "alice@ops-1", operation, ttl, start, token)
    if seconds is None:
        return [taken]
    return [lock.released_lock(taken, outcome, start + timedelta(seconds=seconds), moved_traffic), taken]


def test_no_history_means_nothing_to_wait_for():
    assert windows.last_traffic_change([], T0) == (None, None)
    assert windows.opening(None, 300, 900, T0) == (None, 0)


def test_the_newest_switch_counts_at_its_release():
    documents = run("b", "switch to green", T0 + timedelta(minutes=10), 40) + run("a", "switch to blue", T0, 30)
    moved_at, operation = windows.last_traffic_change(documents, T0 + timedelta(hours=1))
    assert moved_at == T0 + timedelta(minutes=10, seconds=40)
    assert operation["operation"] == "switch to green" and operation["outcome"] == "succeeded"


def test_a_release_without_traffic_change_does_not_restart_the_window():
    documents = (run("c", "finalize: scale blue to 0", T0 + timedelta(minutes=30), 60, moved_traffic=False)
                 + run("b", "switch to green", T0, 40))
    moved_at, operation = windows.last_traffic_change(documents, T0 + timedelta(hours=1))
    assert moved_at == T0 + timedelta(seconds=40) and operation["operation"] == "switch to green"


def test_a_rolled_back_switch_counts_too():
    """An alarm rollback moved traffic to the new color and back: the old color served until the release."""
    documents = run("b", "switch to blue", T0 + timedelta(minutes=5), 70, outcome="rolled_back") + run("a", "x", T0, 1)
    assert windows.last_traffic_change(documents, T0 + timedelta(hours=1))[0] == T0 + timedelta(minutes=6, seconds=10)


def test_a_killed_run_counts_until_its_lock_expired():
    documents = run("b", "switch to green", T0, ttl=600) + run("a", "switch to blue", T0 - timedelta(hours=1), 30)
    moved_at, operation = windows.last_traffic_change(documents, T0 + timedelta(hours=1))
    assert moved_at == T0 + timedelta(minutes=10) and operation["outcome"] is None
    assert windows.describe_operation(operation) == "'switch to green' by alice@ops-1, never released"


def test_another_run_in_progress_refuses_and_our_own_lock_is_skipped():
    documents = run("mine", "finalize", T0 + timedelta(minutes=1)) + run("a", "switch to green", T0, 30)
    with pytest.raises(windows.WindowError, match=r"another operation is in progress: web is locked by alice@ops-1"):
        windows.last_traffic_change(documents, T0 + timedelta(minutes=2))
    assert windows.last_traffic_change(documents, T0 + timedelta(minutes=2), own_token="mine")[0] == \
        T0 + timedelta(seconds=30)


@pytest.mark.parametrize("now_after, wait", [(0, 1200), (300, 900), (1199.5, 1), (1200, 0), (5000, 0)])
def test_opening_adds_the_delay_and_the_window(now_after, wait):
    opens_at, waited = windows.opening(T0, 300, 900, T0 + timedelta(seconds=now_after))
    assert opens_at == T0 + timedelta(seconds=1200) and waited == wait


def test_refusal_says_how_long_to_wait():
    operation = windows.operations(run("b", "switch to green", T0, 40))[0]
    moved_at = T0 + timedelta(seconds=40)
    opens_at, wait = windows.opening(moved_at, 300, 900, moved_at + timedelta(seconds=200))
    assert windows.refusal("web", "blue", moved_at, operation, 300, 900, opens_at, wait) == (
        "Refusing to touch blue of web yet: production traffic last moved at 2026-11-22T22:00:40Z "
        "('switch to green' by alice@ops-1, succeeded); blue's target group drains for 300 s (deregistration delay) "
        "and the rollback window is 900 s. Wait 1000 s more (until 2026-11-22T22:20:40Z).")


@pytest.mark.parametrize("window", [-1, "900", True, 1.5])
def test_window_must_be_seconds(window):
    with pytest.raises(windows.WindowError, match="window must be a number of seconds, 0 or more"):
        windows.validate(window)


def test_released_lock_records_only_a_non_move():
    taken = run("a", "x", T0)[0]
    assert "moved_traffic" not in lock.released_lock(taken, "succeeded", T0)
    assert lock.released_lock(taken, "succeeded", T0, moved_traffic=False)["moved_traffic"] is False

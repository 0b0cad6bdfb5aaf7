"""Unit tests for the deployment lock documents (no AWS)."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock

NOW = datetime(2026, 11, 22, 22, 40, tzinfo=timezone.utc)


def held(**extra):
    return dict(lock.new_lock("web", "alice@ops-1", "switch to green", 1800, NOW, "t1"), **extra)


def test_new_lock():
    assert held() == dict(state="held", application="web", holder="alice@ops-1", operation="switch to green",
                          token="t1", acquired_at="2026-11-22T22:40:00Z", expires_at="2026-11-22T23:10:00Z")


@pytest.mark.parametrize(
    "document, now, expected",
    [(None, NOW, lock.FREE),
     (lock.released_lock(held(), "succeeded", NOW), NOW, lock.FREE),
     (held(), NOW + timedelta(minutes=29), lock.TAKEN),
     (held(), NOW + timedelta(minutes=30), lock.EXPIRED)],
)
def test_verdict(document, now, expected):
    assert lock.verdict(document, now) == expected


def test_held_message_names_holder_operation_and_times():
    assert lock.held_message(held()) == (
        "web is locked by alice@ops-1 since 2026-11-22T22:40:00Z for 'switch to green' (expires 2026-11-22T23:10:00Z)")


@pytest.mark.parametrize("ttl", [0, -5, "10"])
def test_ttl_must_be_positive(ttl):
    with pytest.raises(ValueError, match="ttl must be a number of seconds above 0"):
        lock.validate(ttl)


def test_history_pairs_take_and_release_newest_first():
    first = held(token="a", operation="switch to green")
    second = held(token="b", operation="rollback to blue")
    versions = [  # newest first, as read from S3
        lock.released_lock(second, "rolled_back", NOW + timedelta(minutes=5)),
        second,
        first,  # never released: interrupted
    ]
    assert lock.history(versions, 10) == [
        dict(operation="rollback to blue", holder="alice@ops-1", acquired_at="2026-11-22T22:40:00Z",
             released_at="2026-11-22T22:45:00Z", outcome="rolled_back"),
        dict(operation="switch to green", holder="alice@ops-1", acquired_at="2026-11-22T22:40:00Z",
             released_at=None, outcome=None),
    ]
    assert len(lock.history(versions, 1)) == 1

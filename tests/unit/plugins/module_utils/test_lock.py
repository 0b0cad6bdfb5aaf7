"""Unit tests for the deployment lock documents (no AWS)."""

import json
import re
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


def test_released_lock_keeps_the_take_and_adds_the_release():
    assert lock.released_lock(held(), "failed", NOW + timedelta(seconds=70)) == dict(
        held(), state="released", released_at="2026-11-22T22:41:10Z", outcome="failed")


def test_public_drops_the_token_only():
    assert lock.public(held()) == {k: v for k, v in held().items() if k != "token"}
    assert lock.public(None) is None


@pytest.mark.parametrize(
    "document, token, expected",
    [(None, "t1", lock.MISSING),
     (held(), "t1", lock.RELEASE),
     (held(), "t2", lock.NOT_OURS),
     (lock.released_lock(held(), "succeeded", NOW), "t1", lock.ALREADY_RELEASED),
     (lock.released_lock(held(), "succeeded", NOW), "t2", lock.NOT_OURS)],
)
def test_release_verdict(document, token, expected):
    assert lock.release_verdict(document, token) == expected


@pytest.mark.parametrize(
    "document, found, expected",
    [(None, lock.MISSING, "Not releasing the lock of web: there is no lock object"),
     (lock.released_lock(held(), "aborted", NOW), lock.ALREADY_RELEASED,
      "Not releasing the lock of web: already released at 2026-11-22T22:40:00Z (aborted)"),
     (held(holder="bob@ops-2"), lock.NOT_OURS,
      "Not releasing the lock of web: it is no longer ours. web is locked by bob@ops-2 since 2026-11-22T22:40:00Z "
      "for 'switch to green' (expires 2026-11-22T23:10:00Z)"),
     (lock.released_lock(held(holder="bob@ops-2"), "succeeded", NOW), lock.NOT_OURS,
      "Not releasing the lock of web: it is no longer ours; bob@ops-2 took it since and released it at "
      "2026-11-22T22:40:00Z")],
)
def test_not_released_message(document, found, expected):
    assert lock.not_released_message("web", document, found) == expected


@pytest.mark.parametrize(
    "winner, expected",
    [(held(holder="bob@ops-2"), "web is locked by bob@ops-2 since 2026-11-22T22:40:00Z for 'switch to green' "
                                "(expires 2026-11-22T23:10:00Z) (taken while this run was trying)"),
     (None, "web: the lock changed while this run was taking it; try again"),
     (lock.released_lock(held(), "succeeded", NOW), "web: the lock changed while this run was taking it; try again")],
)
def test_lost_race_message(winner, expected):
    assert lock.lost_race_message("web", winner) == expected


def test_parse_document_round_trips():
    assert lock.parse_document(lock.serialize(held())) == held()


@pytest.mark.parametrize(
    "body, message",
    [(b"hello", "not JSON"),
     (b"[1, 2]", "not a JSON object but list"),
     (b'{"state": "held"}', "missing holder, operation, token, acquired_at, expires_at"),
     (json.dumps(dict(held(), state="open")).encode(), "state must be held or released, got 'open'"),
     (json.dumps(dict(held(), expires_at="tomorrow")).encode(),
      "expires_at must look like 2026-11-22T23:10:00Z, got 'tomorrow'")],
)
def test_parse_document_names_what_is_wrong(body, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        lock.parse_document(body)


@pytest.mark.parametrize("ttl", [1, 1800, 86400])
def test_ttl_above_zero_is_accepted(ttl):
    lock.validate(ttl)


@pytest.mark.parametrize("limit, ok", [(0, True), (10, True), (-1, False), (True, False), ("3", False)])
def test_validate_history(limit, ok):
    if ok:
        lock.validate_history(limit)
    else:
        with pytest.raises(ValueError, match="history must be a number of operations, 0 or more"):
            lock.validate_history(limit)


@pytest.mark.parametrize(
    "versions, expected",
    [([], []),
     # The window starts with a release whose take is older than the window: still one entry.
     ([lock.released_lock(held(token="a"), "succeeded", NOW)], [("a-op", "succeeded")]),
     # A version without a token (written by something else) is skipped.
     ([{"state": "held"}, held(token="b")], [("b-op", None)]),
     # A taken-over run: its take only; the run that took over, paired.
     ([lock.released_lock(held(token="c"), "failed", NOW), held(token="c"), held(token="b")],
      [("c-op", "failed"), ("b-op", None)])],
)
def test_history_pairs_by_token(versions, expected):
    for document in versions:
        if document.get("token"):
            document["operation"] = document["token"] + "-op"
    assert [(h["operation"], h["outcome"]) for h in lock.history(versions, 10)] == expected

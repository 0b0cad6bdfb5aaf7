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
                          token="t1", acquired_at="2026-11-22T22:40:00Z", renewed_at="2026-11-22T22:40:00Z",
                          expires_at="2026-11-22T23:10:00Z", ttl=1800)


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


# --- leases ------------------------------------------------------------------------


def lease(**extra):
    return dict(lock.lease_of(held(), "b", "locks/web.json", '"e1"'), **extra)


def test_lease_of_a_held_document():
    assert lease() == dict(bucket="b", key="locks/web.json", application="web", token="t1", etag='"e1"',
                           holder="alice@ops-1", operation="switch to green", ttl=1800,
                           acquired_at="2026-11-22T22:40:00Z", expires_at="2026-11-22T23:10:00Z")
    assert set(lease()) == set(lock.LEASE_FIELDS)


def test_lease_of_a_document_written_before_leases_takes_its_ttl_from_its_times():
    old = {k: v for k, v in held().items() if k not in ("ttl", "renewed_at")}
    assert lock.lease_of(old, "b", "k", "e")["ttl"] == 1800


def test_renewed_lock_keeps_the_take_and_pushes_the_expiry():
    later = NOW + timedelta(seconds=45)
    assert lock.renewed_lock(lease(), later) == dict(
        held(), renewed_at="2026-11-22T22:40:45Z", expires_at="2026-11-22T23:10:45Z")


def test_lease_document_is_what_the_holder_wrote():
    assert lock.lease_document(lease()) == {k: v for k, v in held().items() if k != "renewed_at"}


def test_the_default_ttl_is_a_minute():
    assert lock.DEFAULT_TTL == 60


@pytest.mark.parametrize("seconds, due", [(0, False), (599, False), (600, True), (1700, True)])
def test_renew_due_after_a_third_of_the_ttl(seconds, due):
    assert lock.renew_due(lease(), NOW + timedelta(seconds=seconds)) is due


@pytest.mark.parametrize(
    "bad, message",
    [("nope", "lease must be the dict returned when the lock was taken, got str"),
     (dict(lease(), etag=""), "lease is missing etag"),
     ({"token": "t"}, "lease is missing bucket, key, application, etag, holder, operation, ttl, acquired_at, expires_at"),
     (dict(lease(), ttl=0), "lease.ttl must be a number of seconds above 0, got 0"),
     (dict(lease(), expires_at="soon"), "lease.expires_at must look like 2026-11-22T23:10:00Z, got 'soon'")],
)
def test_validate_lease_names_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        lock.validate_lease(bad)
    lock.validate_lease(lease())


def test_a_takeover_records_whom_it_preempted():
    taker = lock.new_lock("web", "bob@ops-2", "rollback", 60, NOW, "t2", preempted=held())
    assert taker["preempted"] == dict(token="t1", holder="alice@ops-1", operation="switch to green",
                                      acquired_at="2026-11-22T22:40:00Z")


def test_force_unlocked_lock_releases_the_holder_naming_who_and_why():
    removed = lock.force_unlocked_lock(held(), "carol@ops-3", "runner died", NOW + timedelta(seconds=5))
    assert removed == dict(held(), state="released", released_at="2026-11-22T22:40:05Z", outcome="force_unlocked",
                           by="carol@ops-3", reason="runner died")
    assert "reason" not in lock.force_unlocked_lock(held(), "carol@ops-3", None, NOW)


@pytest.mark.parametrize(
    "current, expected",
    [(None, "The lease of web was lost; this run must stop without writing: the lock object is gone"),
     (lock.new_lock("web", "bob@ops-2", "rollback", 60, NOW, "t2", preempted=held()),
      "The lease of web was lost; this run must stop without writing: it was taken over (this run's operation is "
      "recorded as aborted) by bob@ops-2. web is locked by bob@ops-2 since 2026-11-22T22:40:00Z for 'rollback' "
      "(expires 2026-11-22T22:41:00Z)"),
     (lock.new_lock("web", "bob@ops-2", "deploy", 60, NOW, "t2"),
      "The lease of web was lost; this run must stop without writing: it was taken by bob@ops-2. web is locked by "
      "bob@ops-2 since 2026-11-22T22:40:00Z for 'deploy' (expires 2026-11-22T22:41:00Z)"),
     (lock.force_unlocked_lock(held(), "carol@ops-3", "runner died", NOW),
      "The lease of web was lost; this run must stop without writing: it was force-unlocked by carol@ops-3 at "
      "2026-11-22T22:40:00Z (runner died)"),
     (lock.released_lock(held(), "failed", NOW),
      "The lease of web was lost; this run must stop without writing: it was already released at "
      "2026-11-22T22:40:00Z (failed)"),
     (lock.released_lock(held(token="t2", holder="bob@ops-2"), "succeeded", NOW),
      "The lease of web was lost; this run must stop without writing: bob@ops-2 took it since and released it at "
      "2026-11-22T22:40:00Z (succeeded)")],
)
def test_lost_lease_message_names_who_has_it_now(current, expected):
    assert lock.lost_lease_message("web", "t1", current) == expected


def test_force_unlock_and_not_held_messages():
    assert lock.force_unlocked_message("web", held()) == (
        "Force-unlocked web, removing its holder: web is locked by alice@ops-1 since 2026-11-22T22:40:00Z for "
        "'switch to green' (expires 2026-11-22T23:10:00Z)")
    assert lock.not_held_message("web", None) == "Nothing to unlock: web has no lock object"
    assert lock.not_held_message("web", lock.released_lock(held(), "succeeded", NOW)) == (
        "Nothing to unlock: the lock of web is free (released at 2026-11-22T22:40:00Z, succeeded)")


def test_history_folds_renewals_takeovers_and_force_unlocks():
    canary = held(token="c", holder="alice@ops-1", operation="switch to green (canary)")
    canary_renewed = lock.renewed_lock(lock.lease_of(canary, "b", "k", "e"), NOW + timedelta(seconds=20))
    rollback = lock.new_lock("web", "bob@ops-2", "rollback to blue", 60, NOW + timedelta(seconds=30), "r",
                             preempted=canary_renewed)
    rollback_renewed = lock.renewed_lock(lock.lease_of(rollback, "b", "k", "e"), NOW + timedelta(seconds=50))
    rolled_back = lock.released_lock(lock.lease_document(lock.lease_of(rollback_renewed, "b", "k", "e")),
                                     "rolled_back", NOW + timedelta(seconds=60))
    stuck = lock.new_lock("web", "dave@ops-4", "deploy 9", 60, NOW + timedelta(seconds=70), "d")
    unlocked = lock.force_unlocked_lock(stuck, "carol@ops-3", "runner died", NOW + timedelta(seconds=80))
    versions = [unlocked, stuck, rolled_back, rollback_renewed, rollback, canary_renewed, canary]  # newest first
    assert lock.history(versions, 10) == [
        dict(operation="deploy 9", holder="dave@ops-4", acquired_at="2026-11-22T22:41:10Z",
             released_at="2026-11-22T22:41:20Z", outcome="force_unlocked", by="carol@ops-3", reason="runner died"),
        dict(operation="rollback to blue", holder="bob@ops-2", acquired_at="2026-11-22T22:40:30Z",
             released_at="2026-11-22T22:41:00Z", outcome="rolled_back"),
        dict(operation="switch to green (canary)", holder="alice@ops-1", acquired_at="2026-11-22T22:40:00Z",
             released_at="2026-11-22T22:40:30Z", outcome="aborted", by="bob@ops-2"),
    ]
    assert lock.operations_in(versions) == 3


@pytest.mark.parametrize("microseconds, expected", [(0, "2026-11-22T22:41:00Z"), (1, "2026-11-22T22:41:01Z"),
                                                    (999999, "2026-11-22T22:41:01Z")])
def test_expiry_is_rounded_up_to_the_second(microseconds, expected):
    assert lock.expiry(NOW + timedelta(microseconds=microseconds), 60) == expected

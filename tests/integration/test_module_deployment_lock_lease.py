# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deployment lock as a lease (renew, takeover, lost lease, force unlock, expiry) against the emulator.

Every assertion on the outcome reads the lock object, or its versions, back
from S3 with boto3; the S3 calls are counted with the recorder of
conftest.py (``aws_calls``), which wraps every botocore call. Like
test_module_deployment_lock.py, the emulator is not reset for this file: it
has a bucket of its own and each test an application of its own.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils import lock_ops
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock_info

BUCKET = "web-artifacts-%s-us-east-1" % uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def _emulator_once(emulator_server):
    s3 = emulator_server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return emulator_server


@pytest.fixture
def aws(_emulator_once):
    """Overrides conftest's ``aws`` (a reset per test) for this file: see the module docstring."""
    return _emulator_once


@pytest.fixture
def s3(aws):
    return aws.client("s3")


@pytest.fixture
def app(request):
    return "lease-" + request.node.name.replace("_", "-")[5:40]


def key(application):
    return "locks/%s.json" % application


def read_lock(s3, application):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key(application))["Body"].read())


def versions(s3, application):
    """The version ids of the lock object, newest first: every write is one."""
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=key(application)).get("Versions", [])
    return [v["VersionId"] for v in listed if v["Key"] == key(application)]


def lock_task(run_module, application, **extra):
    args = dict(bucket=BUCKET, application=application, operation="switch to green (canary)", holder="alice@ops-1")
    args.update(extra)
    return run_module(deployment_lock.main, args)


def lease_task(run_module, lease, state, **extra):
    return run_module(deployment_lock.main, dict(state=state, lease=lease, **extra))


def info(run_module, application, **extra):
    ok, result = run_module(deployment_lock_info.main, dict(bucket=BUCKET, application=application, **extra))
    assert ok, result
    return result


def now():
    return datetime.now(timezone.utc)


# --- take, renew, release -----------------------------------------------------------


def test_take_returns_a_lease_that_renews_and_releases_in_one_write_each(s3, app, run_module, aws_calls):
    ok, taken = lock_task(run_module, app, ttl=30)
    assert ok and taken["lease"]["etag"] == s3.head_object(Bucket=BUCKET, Key=key(app))["ETag"], taken
    assert taken["lease"]["ttl"] == 30 and taken["lease"]["key"] == key(app) and taken["lease"]["bucket"] == BUCKET
    first = read_lock(s3, app)
    time.sleep(1.1)

    ok, renewed = lease_task(run_module, taken["lease"], "renewed")
    assert ok and renewed["changed"], renewed
    assert aws_calls.operations() == ["PutObject"]
    stored = read_lock(s3, app)
    assert stored["token"] == first["token"] and stored["acquired_at"] == first["acquired_at"]
    assert locks.parse_iso(stored["expires_at"]) > locks.parse_iso(first["expires_at"])
    assert locks.parse_iso(stored["renewed_at"]) > locks.parse_iso(first["renewed_at"])
    lasts = locks.parse_iso(stored["expires_at"]) - locks.parse_iso(stored["renewed_at"])
    assert timedelta(seconds=30) <= lasts <= timedelta(seconds=31)  # rounded up to the second
    assert renewed["lease"]["etag"] == s3.head_object(Bucket=BUCKET, Key=key(app))["ETag"] != taken["lease"]["etag"]
    assert renewed["lease"]["expires_at"] == stored["expires_at"]

    status = info(run_module, app, history=0)
    assert status["lock"]["renewed_at"] == stored["renewed_at"] and status["lock"]["expires_at"] == stored["expires_at"]
    assert status["lock"]["acquired_at"] == first["acquired_at"] and status["lock"]["expired"] is False

    ok, released = lease_task(run_module, renewed["lease"], "absent", outcome="succeeded", moved_traffic=False)
    assert ok and released["changed"] and "token" not in released["lock"], released
    assert aws_calls.operations() == ["PutObject"]
    stored = read_lock(s3, app)
    assert stored["state"] == "released" and stored["outcome"] == "succeeded" and stored["moved_traffic"] is False
    assert len(versions(s3, app)) == 3
    assert info(run_module, app)["history"] == [dict(
        operation="switch to green (canary)", holder="alice@ops-1", acquired_at=first["acquired_at"],
        released_at=stored["released_at"], outcome="succeeded")]


def test_acquire_with_what_was_read_is_one_call(s3, app, aws, aws_calls):
    client = aws.client("s3")
    found = lock_ops.read(client, BUCKET, key(app))
    assert found == (None, None)
    aws_calls.clear()
    first = lock_ops.acquire(client, BUCKET, key(app), app, "alice@ops-1", "switch", 60, now(), "t1", found=found)
    assert aws_calls.operations() == ["PutObject"]
    lock_ops.release(client, BUCKET, key(app), first["lease"], "succeeded", now())

    found = lock_ops.read(client, BUCKET, key(app))
    aws_calls.clear()
    second = lock_ops.acquire(client, BUCKET, key(app), app, "bob@ops-2", "rollback", 60, now(), "t2", found=found)
    assert aws_calls.operations() == ["PutObject"]
    assert second["previous"]["state"] == "released" and not second["taken_over"]
    assert second["lease"]["etag"] == s3.head_object(Bucket=BUCKET, Key=key(app))["ETag"]

    # A takeover of the held lease, given what was read: one call too.
    found = lock_ops.read(client, BUCKET, key(app))
    aws_calls.clear()
    third = lock_ops.acquire(client, BUCKET, key(app), app, "carol@ops-3", "rollback", 60, now(), "t3", found=found,
                             takeover=True)
    assert aws_calls.operations() == ["PutObject"]
    assert third["preempted"]["holder"] == "bob@ops-2" and read_lock(s3, app)["preempted"]["token"] == "t2"


def test_acquire_with_a_stale_read_fails_naming_the_winner_without_writing(s3, app, aws, aws_calls):
    client = aws.client("s3")
    stale = lock_ops.read(client, BUCKET, key(app))
    lock_ops.acquire(client, BUCKET, key(app), app, "bob@ops-2", "deploy 9", 60, now(), "bobs")
    before = versions(s3, app)
    aws_calls.clear()
    with pytest.raises(lock_ops.LockHeld, match="is locked by bob@ops-2 .* for 'deploy 9'") as e:
        lock_ops.acquire(client, BUCKET, key(app), app, "alice@ops-1", "switch", 60, now(), "alices", found=stale)
    assert e.value.lock["holder"] == "bob@ops-2" and "token" not in e.value.lock
    assert aws_calls.operations() == ["PutObject", "GetObject"]
    assert versions(s3, app) == before


# --- takeover (abort) and the lost lease ----------------------------------------------------


def test_takeover_preempts_the_holder_who_then_writes_nothing(s3, app, run_module, aws_calls):
    ok, canary = lock_task(run_module, app)
    assert ok, canary
    ok, refused = lock_task(run_module, app, holder="bob@ops-2", operation="rollback to blue")
    assert not ok and refused["msg"].startswith("%s is locked by alice@ops-1" % app)

    ok, rollback = lock_task(run_module, app, holder="bob@ops-2", operation="rollback to blue", takeover=True)
    assert ok and rollback["changed"] and rollback["taken_over"], rollback
    assert rollback["preempted"]["holder"] == "alice@ops-1" and "token" not in rollback["preempted"]
    assert rollback["warnings"][0].startswith("Took over the lease of a running operation, recorded as aborted: ")
    assert aws_calls.operations() == ["GetObject", "PutObject"]
    stored = read_lock(s3, app)
    assert stored["holder"] == "bob@ops-2" and stored["preempted"]["token"] == canary["lease"]["token"]
    after_takeover = versions(s3, app)

    # The canary's next poll: its renewal fails, naming the taker, and writes nothing.
    ok, lost = lease_task(run_module, canary["lease"], "renewed")
    assert not ok and lost["lease_lost"], lost
    assert lost["msg"].startswith("The lease of %s was lost; this run must stop without writing: it was taken over "
                                  "(this run's operation is recorded as aborted) by bob@ops-2." % app), lost["msg"]
    assert lost["lock"]["holder"] == "bob@ops-2"
    assert aws_calls.operations() == ["PutObject", "GetObject"]
    # Its release (in an always: section) changes nothing either.
    ok, late = lease_task(run_module, canary["lease"], "absent", outcome="failed")
    assert ok and not late["changed"] and "it is no longer ours" in late["warnings"][0], late
    assert "bob@ops-2" in late["warnings"][0]
    assert versions(s3, app) == after_takeover
    assert read_lock(s3, app) == stored

    ok, done = lease_task(run_module, rollback["lease"], "absent", outcome="rolled_back")
    assert ok and done["changed"]
    history = info(run_module, app)["history"]
    assert [(h["operation"], h["holder"], h["outcome"], h.get("by")) for h in history] == [
        ("rollback to blue", "bob@ops-2", "rolled_back", None),
        ("switch to green (canary)", "alice@ops-1", "aborted", "bob@ops-2"),
    ]
    assert history[1]["released_at"] == stored["acquired_at"]


def test_renew_raises_lease_lost_at_the_python_api(s3, app, aws, aws_calls):
    client = aws.client("s3")
    canary = lock_ops.acquire(client, BUCKET, key(app), app, "alice@ops-1", "canary", 60, now(), "c")
    renewed = lock_ops.renew(client, BUCKET, key(app), canary["lease"], now())
    taker = lock_ops.acquire(client, BUCKET, key(app), app, "bob@ops-2", "rollback", 60, now(), "r", takeover=True)
    assert taker["preempted"]["holder"] == "alice@ops-1"
    before = versions(s3, app)
    aws_calls.clear()
    with pytest.raises(lock_ops.LeaseLost) as e:
        lock_ops.renew(client, BUCKET, key(app), renewed, now())
    assert e.value.lock["holder"] == "bob@ops-2" and "token" not in e.value.lock
    assert aws_calls.operations() == ["PutObject", "GetObject"]
    assert versions(s3, app) == before


def test_a_takeover_after_a_renewal_in_between_reads_again_and_wins(s3, app, aws, aws_calls):
    """The holder renews between the taker's read and its write: the taker's write fails, it reads again."""
    client = aws.client("s3")
    canary = lock_ops.acquire(client, BUCKET, key(app), app, "alice@ops-1", "canary", 60, now(), "c")
    found = lock_ops.read(client, BUCKET, key(app))
    time.sleep(1.1)  # a renewal within the same second writes the same bytes (the same ETag)
    lock_ops.renew(client, BUCKET, key(app), canary["lease"], now())
    aws_calls.clear()
    taker = lock_ops.acquire(client, BUCKET, key(app), app, "bob@ops-2", "rollback", 60, now(), "r",
                             found=found, takeover=True)
    assert aws_calls.operations() == ["PutObject", "GetObject", "PutObject"]
    assert taker["preempted"]["holder"] == "alice@ops-1" and read_lock(s3, app)["holder"] == "bob@ops-2"


# --- force unlock ------------------------------------------------------------------------------


def test_force_unlock_names_the_removed_holder_and_is_in_the_history(s3, app, run_module, aws_calls):
    ok, stuck = lock_task(run_module, app, operation="deploy 9")
    assert ok
    ok, missing = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, state="absent", force=True))
    assert not ok and missing["msg"] == "state=absent needs reason" and aws_calls.operations() == []

    ok, unlocked = run_module(deployment_lock.main, dict(
        bucket=BUCKET, application=app, state="absent", force=True, holder="carol@ops-3", reason="runner died",
        _ansible_diff=True))
    assert ok and unlocked["changed"], unlocked
    assert unlocked["removed"]["holder"] == "alice@ops-1" and unlocked["removed"]["operation"] == "deploy 9"
    assert "token" not in unlocked["removed"]
    assert unlocked["warnings"] == ["Force-unlocked %s, removing its holder: %s" % (
        app, locks.held_message(unlocked["removed"]))]
    assert unlocked["diff"]["after"]["lock"]["outcome"] == "force_unlocked"
    assert aws_calls.operations() == ["GetObject", "PutObject"]
    stored = read_lock(s3, app)
    assert stored["state"] == "released" and stored["outcome"] == "force_unlocked"
    assert stored["by"] == "carol@ops-3" and stored["reason"] == "runner died"
    assert stored["token"] == stuck["lease"]["token"]

    # The removed holder writes nothing more; the lock is free for the next run at once.
    ok, lost = lease_task(run_module, stuck["lease"], "renewed")
    assert not ok and "it was force-unlocked by carol@ops-3 at " in lost["msg"] and "(runner died)" in lost["msg"]
    assert aws_calls.writes() == ["PutObject"] and read_lock(s3, app) == stored
    ok, next_run = lock_task(run_module, app, holder="bob@ops-2", operation="rollback to blue")
    assert ok and not next_run["taken_over"]

    history = info(run_module, app)["history"]
    assert history[1] == dict(operation="deploy 9", holder="alice@ops-1", acquired_at=stored["acquired_at"],
                              released_at=stored["released_at"], outcome="force_unlocked", by="carol@ops-3",
                              reason="runner died")

    # Again, on a free lock: nothing to remove, nothing written.
    lease_task(run_module, next_run["lease"], "absent")
    ok, again = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, state="absent", force=True,
                                                      reason="just in case"))
    assert ok and not again["changed"] and again["removed"] is None
    assert again["warnings"][0].startswith("Nothing to unlock: the lock of %s is free" % app)
    assert aws_calls.writes() == []


# --- expiry -------------------------------------------------------------------------------


def test_a_lease_not_renewed_is_free_after_its_ttl(s3, app, run_module):
    ok, killed = lock_task(run_module, app, ttl=1)
    assert ok
    ok, refused = lock_task(run_module, app, holder="bob@ops-2", operation="rollback to blue")
    assert not ok, "held within its ttl"
    time.sleep(2.1)  # times are whole seconds: 2 s after the take the lease has certainly expired
    assert info(run_module, app, history=0)["lock"]["expired"] is True
    ok, next_run = lock_task(run_module, app, holder="bob@ops-2", operation="rollback to blue")
    assert ok and next_run["taken_over"] and next_run["preempted"] is None, next_run
    assert next_run["warnings"][0].startswith("Took over an expired lock: ")
    assert read_lock(s3, app)["holder"] == "bob@ops-2"
    ok, lost = lease_task(run_module, killed["lease"], "renewed")
    assert not ok and "bob@ops-2" in lost["msg"]


# --- check mode and bad input -----------------------------------------------------------------


def test_check_mode_predicts_and_writes_nothing(s3, app, run_module, aws_calls):
    ok, predicted = lock_task(run_module, app, _ansible_check_mode=True)
    assert ok and predicted["changed"] and predicted["lease"] is None and predicted["lock"]["state"] == "held"
    assert aws_calls.writes() == [] and versions(s3, app) == []

    ok, taken = lock_task(run_module, app)
    before = versions(s3, app)
    checks = [
        lease_task(run_module, taken["lease"], "renewed", _ansible_check_mode=True),
        lease_task(run_module, taken["lease"], "absent", _ansible_check_mode=True, _ansible_diff=True),
        lock_task(run_module, app, holder="bob@ops-2", takeover=True, _ansible_check_mode=True),
        run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, state="absent", force=True,
                                              reason="check", _ansible_check_mode=True)),
    ]
    for ok, result in checks:
        assert ok and result["changed"], result
    renewed, released, takeover, unlocked = [result for _ok, result in checks]
    assert renewed["lease"]["etag"] == taken["lease"]["etag"]
    assert released["diff"]["after"]["lock"]["state"] == "released"
    assert takeover["preempted"]["holder"] == "alice@ops-1"
    assert unlocked["removed"]["holder"] == "alice@ops-1"
    assert versions(s3, app) == before and read_lock(s3, app)["state"] == "held"


@pytest.mark.parametrize("args, message", [
    (dict(state="renewed"), "state=renewed needs lease"),
    (dict(state="absent"), "state=absent needs lease (the lease returned when it was taken), or force: true with a reason"),
    (dict(state="absent", force=True, reason="x", token="t"),
     "force: true removes whoever holds the lock: give bucket, application and reason, not lease or token"),
    (dict(operation=None), "state=present needs operation"),
])
def test_bad_requests_fail_before_any_call(app, run_module, aws_calls, args, message):
    full = dict(bucket=BUCKET, application=app, operation="switch")
    full.update(args)
    ok, result = run_module(deployment_lock.main, {k: v for k, v in full.items() if v is not None})
    assert not ok and result["msg"] == message
    assert aws_calls.operations() == []


def test_a_lease_for_another_application_or_malformed_is_refused(app, run_module, aws_calls):
    lease = locks.lease_of(locks.new_lock(app, "a", "op", 60, now(), "t"), BUCKET, key(app), '"e"')
    ok, result = run_module(deployment_lock.main, dict(state="renewed", lease=lease, application="other"))
    assert not ok and result["msg"] == "application is 'other' but the lease is for %r" % app
    ok, result = run_module(deployment_lock.main, dict(state="renewed", lease=dict(lease, ttl=0)))
    assert not ok and result["msg"] == "lease.ttl must be a number of seconds above 0, got 0"
    assert aws_calls.operations() == []


# --- history with renewals -------------------------------------------------------------------


def test_history_reads_past_renewals(s3, app, aws, run_module, aws_calls):
    """Renewals are versions too: the history still holds the asked number of operations."""
    client = aws.client("s3")
    for number in range(3):
        taken = lock_ops.acquire(client, BUCKET, key(app), app, "run-%d" % number, "switch %d" % number, 60, now(),
                                 "t%d" % number)
        lease = taken["lease"]
        for _renewal in range(4):
            lease = lock_ops.renew(client, BUCKET, key(app), lease, now())
        lock_ops.release(client, BUCKET, key(app), lease, "succeeded", now())
    assert len(versions(s3, app)) == 18
    history = info(run_module, app, history=2)["history"]
    assert [h["holder"] for h in history] == ["run-2", "run-1"] and {h["outcome"] for h in history} == {"succeeded"}
    # Pages of 2 x history versions, each read at once (concurrently): the first page holds the newest operation
    # only (4 of its 6 versions), the second the rest of it and the next one.
    assert aws_calls.count("GetObject") == 8 and aws_calls.count("ListObjectVersions") == 2
    assert [h["holder"] for h in info(run_module, app, history=10)["history"]] == ["run-2", "run-1", "run-0"]


def test_eight_takeovers_at_once_exactly_one_wins(s3, app, aws):
    """Eight aborts of the same running canary at once: one preempts it, the seven others fail naming that one."""
    canary = lock_ops.acquire(aws.client("s3"), BUCKET, key(app), app, "alice@ops-1", "canary", 60, now(), "c")
    winners, losers = [], {}
    barrier = threading.Barrier(8)

    def run(number):
        client = aws.client("s3")
        barrier.wait()
        try:
            lock_ops.acquire(client, BUCKET, key(app), app, "run-%d@ops" % number, "rollback", 60, now(),
                             uuid.uuid4().hex, takeover=True)
            winners.append(number)
        except lock_ops.LockHeld as e:
            losers[number] = str(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 7, (winners, losers)
    stored = read_lock(s3, app)
    assert stored["holder"] == "run-%d@ops" % winners[0] and stored["preempted"]["token"] == canary["lease"]["token"]
    for message in losers.values():
        assert message.startswith("%s is locked by run-%d@ops since " % (app, winners[0])), message
    assert len(versions(s3, app)) == 2, "the canary's take and the one takeover"

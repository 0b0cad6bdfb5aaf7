# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.deployment_lock and deployment_lock_info against the emulator.

The lock object is read back from S3 with boto3 and every API call is counted
(a take or a release is one read and one write). The races run real concurrent
S3 conditional writes (moto implements If-None-Match / If-Match as S3 does).

The emulator is not reset for this file (a reset reloads the IAM managed
policies and takes seconds): the file has a bucket of its own, and each test
an application, so a lock object, of its own.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
import yaml

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils import lock_ops
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import get_lock
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import put_lock
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock_info

BUCKET = "web-artifacts-%s-us-east-1" % uuid.uuid4().hex[:12]
NOW = datetime.now(timezone.utc)


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
    """An application name of the test's own, and so a lock object of its own."""
    return "app-" + request.node.name.replace("_", "-")[5:40]


def key(application):
    return "locks/%s.json" % application


def read_lock(s3, application):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key(application))["Body"].read())


def put_raw(s3, application, document):
    """Write a lock document directly, as another (earlier) run would have."""
    s3.put_object(Bucket=BUCKET, Key=key(application), Body=json.dumps(document).encode())


def take(run_module, application, **extra):
    args = dict(bucket=BUCKET, application=application, operation="switch to green", holder="alice@ops-1")
    args.update(extra)
    return run_module(deployment_lock.main, args)


def release(run_module, application, token, **extra):
    args = dict(bucket=BUCKET, application=application, state="absent", token=token)
    args.update(extra)
    return run_module(deployment_lock.main, args)


def info(run_module, application, **extra):
    return run_module(deployment_lock_info.main, dict(bucket=BUCKET, application=application, **extra))


def expired_lock(application, holder, token, operation="deploy 7"):
    """The lock of a run that started two hours ago and never released (interrupted)."""
    return locks.new_lock(application, holder, operation, 600, NOW - timedelta(hours=2), token)


# --- take ----------------------------------------------------------------------


def test_take_check_mode_then_take(s3, app, run_module, aws_calls):
    ok, predicted = take(run_module, app, _ansible_check_mode=True, _ansible_diff=True)
    assert ok and predicted["changed"], predicted
    assert predicted["lock"]["state"] == "held" and predicted["lock"]["holder"] == "alice@ops-1"
    assert predicted["diff"]["before"] == {"lock": None} and predicted["diff"]["after"]["lock"]["state"] == "held"
    assert aws_calls.operations() == ["GetObject"]
    assert s3.list_object_versions(Bucket=BUCKET, Prefix=key(app)).get("Versions", []) == []

    ok, result = take(run_module, app, _ansible_diff=True)
    assert ok and result["changed"] and not result["taken_over"] and result["previous"] is None, result
    assert aws_calls.operations() == ["GetObject", "PutObject"]
    stored = read_lock(s3, app)
    assert stored == result["lock"]
    assert stored["token"] and stored["application"] == app and stored["operation"] == "switch to green"
    # A lease: a minute by default, renewed by its holder while it works.
    # (expires_at is rounded up to the second: never less than the ttl)
    lasts = locks.parse_iso(stored["expires_at"]) - locks.parse_iso(stored["acquired_at"])
    assert timedelta(seconds=60) <= lasts <= timedelta(seconds=61)
    assert stored["renewed_at"] == stored["acquired_at"] and stored["ttl"] == 60
    assert "token" not in result["diff"]["after"]["lock"]


def test_a_held_lock_refuses_others_naming_the_holder_without_writing(s3, app, run_module, aws_calls):
    ok, first = take(run_module, app)
    assert ok, first
    for check_mode in (True, False):
        ok, other = take(run_module, app, holder="bob@ops-2", operation="rollback", _ansible_check_mode=check_mode)
        assert not ok
        assert other["msg"] == "%s is locked by alice@ops-1 since %s for 'switch to green' (expires %s)" % (
            app, first["lock"]["acquired_at"], first["lock"]["expires_at"])
        assert other["lock"]["holder"] == "alice@ops-1" and "token" not in other["lock"]
        assert aws_calls.operations() == ["GetObject"]
    assert read_lock(s3, app)["token"] == first["lock"]["token"]


def test_an_expired_lock_is_taken_over_with_a_warning(s3, app, run_module, aws_calls):
    put_raw(s3, app, expired_lock(app, "carol@ops-3", "old"))
    ok, result = take(run_module, app)
    assert ok and result["changed"] and result["taken_over"], result
    assert result["warnings"] == ["Took over an expired lock: %s is locked by carol@ops-3 since %s for 'deploy 7' "
                                  "(expires %s)" % (app, result["previous"]["acquired_at"], result["previous"]["expires_at"])]
    assert result["previous"]["holder"] == "carol@ops-3" and "token" not in result["previous"]
    assert aws_calls.writes() == ["PutObject"]
    assert read_lock(s3, app)["holder"] == "alice@ops-1"


def test_a_released_lock_is_taken_again_without_warning(s3, app, run_module):
    ok, first = take(run_module, app)
    release(run_module, app, first["lock"]["token"])
    ok, second = take(run_module, app, holder="bob@ops-2")
    assert ok and second["changed"] and not second["taken_over"] and "warnings" not in second, second
    assert second["previous"]["state"] == "released"
    assert read_lock(s3, app)["holder"] == "bob@ops-2"


def test_default_holder_is_user_at_host(s3, app, run_module):
    ok, result = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, operation="deploy 8"))
    assert ok and result["lock"]["holder"] == deployment_lock.default_holder()
    assert "@" in result["lock"]["holder"]


def test_something_else_at_the_lock_key_fails_naming_it(s3, app, run_module, aws_calls):
    s3.put_object(Bucket=BUCKET, Key=key(app), Body=b"hello")
    ok, result = take(run_module, app)
    assert not ok
    assert result["msg"].startswith("s3://%s/%s is not a deployment lock (not JSON" % (BUCKET, key(app))), result["msg"]
    assert aws_calls.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(ttl=0), "ttl must be a number of seconds above 0, got 0"),
    (dict(operation=" "), "operation must not be empty"),
    (dict(state="absent", token=""), "token must not be empty"),
])
def test_bad_input_is_rejected_before_any_call(app, run_module, aws_calls, args, message):
    ok, result = take(run_module, app, **args)
    assert not ok and result["msg"] == message
    assert aws_calls.operations() == []


# --- release -------------------------------------------------------------------


def test_release_check_mode_then_release_then_again(s3, app, run_module, aws_calls):
    ok, taken = take(run_module, app)
    token = taken["lock"]["token"]

    ok, predicted = release(run_module, app, token, outcome="rolled_back", _ansible_check_mode=True, _ansible_diff=True)
    assert ok and predicted["changed"] and predicted["lock"]["state"] == "released", predicted
    assert predicted["diff"]["before"]["lock"]["state"] == "held"
    assert predicted["diff"]["after"]["lock"]["outcome"] == "rolled_back"
    assert aws_calls.operations() == ["GetObject"] and read_lock(s3, app)["state"] == "held"

    ok, released = release(run_module, app, token, outcome="rolled_back")
    assert ok and released["changed"], released
    assert aws_calls.operations() == ["GetObject", "PutObject"]
    stored = read_lock(s3, app)
    assert stored["state"] == "released" and stored["outcome"] == "rolled_back" and stored["released_at"]
    assert stored["token"] == token and stored["acquired_at"] == taken["lock"]["acquired_at"]

    ok, again = release(run_module, app, token)
    assert ok and not again["changed"], again
    assert again["warnings"] == ["Not releasing the lock of %s: already released at %s (rolled_back)" % (
        app, stored["released_at"])]
    assert aws_calls.writes() == []


def test_release_with_the_etag_of_the_take_writes_without_reading(s3, app, run_module, aws_calls):
    ok, taken = take(run_module, app)
    assert ok and taken["etag"] == s3.head_object(Bucket=BUCKET, Key=key(app))["ETag"]
    ok, released = release(run_module, app, taken["lock"]["token"], taken=taken["lock"], etag=taken["etag"],
                           moved_traffic=False)
    assert ok and released["changed"], released
    assert aws_calls.operations() == ["PutObject"]
    stored = read_lock(s3, app)
    assert stored["state"] == "released" and stored["token"] == taken["lock"]["token"]
    assert stored["moved_traffic"] is False


def test_release_with_a_stale_etag_reads_and_leaves_a_lock_not_ours(s3, app, run_module, aws_calls):
    """The lock expired and was taken over since: the conditional write fails, the read shows it is not ours."""
    ok, taken = take(run_module, app)
    put_raw(s3, app, expired_lock(app, "carol@ops-3", "carols-token"))
    carols = read_lock(s3, app)
    ok, released = release(run_module, app, taken["lock"]["token"], taken=taken["lock"], etag=taken["etag"])
    assert ok and not released["changed"], released
    assert aws_calls.operations() == ["PutObject", "GetObject"]
    assert "it is no longer ours" in released["warnings"][0]
    assert read_lock(s3, app) == carols


def test_a_wrong_token_releases_nothing(s3, app, run_module, aws_calls):
    ok, taken = take(run_module, app)
    ok, wrong = release(run_module, app, "not-the-token")
    assert ok and not wrong["changed"], wrong
    assert wrong["warnings"][0].startswith("Not releasing the lock of %s: it is no longer ours. %s is locked by alice@ops-1"
                                           % (app, app))
    assert aws_calls.writes() == []
    assert read_lock(s3, app) == taken["lock"]


def test_a_lock_taken_over_is_never_released_by_its_first_holder(s3, app, run_module, aws_calls):
    put_raw(s3, app, expired_lock(app, "carol@ops-3", "carols-token"))
    ok, alice = take(run_module, app)
    assert ok and alice["taken_over"]
    ok, late = release(run_module, app, "carols-token", outcome="failed")
    assert ok and not late["changed"] and "no longer ours" in late["warnings"][0], late
    assert aws_calls.writes() == []
    assert read_lock(s3, app)["holder"] == "alice@ops-1" and read_lock(s3, app)["state"] == "held"


def test_releasing_a_missing_lock_warns(app, run_module, aws_calls):
    ok, result = release(run_module, app, "any")
    assert ok and not result["changed"] and result["lock"] is None
    assert result["warnings"] == ["Not releasing the lock of %s: there is no lock object" % app]
    assert aws_calls.writes() == []


# --- races -----------------------------------------------------------------------


def race(aws, application, runs):
    """``runs`` threads take the lock at once, each with its own client: ``(winners, {loser: message})``."""
    winners, losers = [], {}
    barrier = threading.Barrier(runs)

    def run(number):
        client = aws.client("s3")
        barrier.wait()
        try:
            deployment_lock.acquire(client, BUCKET, key(application), application, "run-%d@ops" % number, "switch",
                                    600, datetime.now(timezone.utc), uuid.uuid4().hex)
            winners.append(number)
        except deployment_lock.LockHeld as e:
            losers[number] = str(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return winners, losers


def test_eight_runs_taking_the_lock_at_once_exactly_one_wins(s3, aws, app):
    winners, losers = race(aws, app, 8)
    assert len(winners) == 1 and len(losers) == 7, (winners, losers)
    holder = "run-%d@ops" % winners[0]
    assert read_lock(s3, app)["holder"] == holder
    for message in losers.values():
        assert message.startswith("%s is locked by %s since " % (app, holder)), message


def test_eight_conditional_writes_at_once_exactly_one_lands(s3, aws, app):
    """The same at the S3 call: all eight read "no lock", then write with If-None-Match at once."""
    results = []
    barrier = threading.Barrier(8)

    def run(number):
        client = aws.client("s3")
        document = locks.new_lock(app, "run-%d" % number, "switch", 600, NOW, "token-%d" % number)
        _doc, etag = get_lock(client, BUCKET, key(app))
        barrier.wait()
        results.append((number, put_lock(client, BUCKET, key(app), document, etag)))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    landed = [number for number, etag in results if etag]
    assert len(landed) == 1 and len(results) == 8
    assert read_lock(s3, app)["holder"] == "run-%d" % landed[0]


def test_a_write_reported_lost_but_done_by_this_run_counts_as_taken(s3, aws, app, monkeypatch):
    """A retried PutObject whose first attempt landed gets PreconditionFailed: the token shows it was ours."""
    real_put = lock_ops.put_lock

    def put_then_report_lost(*args, **kwargs):
        real_put(*args, **kwargs)
        return None

    monkeypatch.setattr(lock_ops, "put_lock", put_then_report_lost)
    result = deployment_lock.acquire(aws.client("s3"), BUCKET, key(app), app, "alice@ops-1", "switch", 600, NOW, "mine")
    assert result["changed"] and read_lock(s3, app)["token"] == "mine"


# --- info and history ---------------------------------------------------------------


def test_info_shows_the_holder_and_the_history(s3, app, run_module, aws_calls):
    ok, first = take(run_module, app, operation="switch to green")
    release(run_module, app, first["lock"]["token"])
    put_raw(s3, app, expired_lock(app, "carol@ops-3", "carols-token", operation="deploy 7"))  # interrupted
    ok, third = take(run_module, app, holder="bob@ops-2", operation="rollback to blue")
    release(run_module, app, third["lock"]["token"], outcome="rolled_back")
    ok, fourth = take(run_module, app, holder="dave@ops-4", operation="switch to green (10%)")

    ok, result = info(run_module, app)
    assert ok and not result["changed"], result
    assert result["lock"] == dict(locks.public(fourth["lock"]), expired=False)
    assert [(h["operation"], h["holder"], h["outcome"]) for h in result["history"]] == [
        ("switch to green (10%)", "dave@ops-4", None),
        ("rollback to blue", "bob@ops-2", "rolled_back"),
        ("deploy 7", "carol@ops-3", None),
        ("switch to green", "alice@ops-1", "succeeded"),
    ]
    assert result["history"][1]["released_at"] and result["history"][2]["released_at"] is None
    assert aws_calls.writes() == [] and aws_calls.count("ListObjectVersions") == 1

    ok, short = info(run_module, app, history=2)
    assert [h["holder"] for h in short["history"]] == ["dave@ops-4", "bob@ops-2"]

    ok, none = info(run_module, app, history=0)
    assert none["history"] == [] and none["lock"]["holder"] == "dave@ops-4"
    assert aws_calls.operations() == ["GetObject"]


def test_info_flags_an_expired_lock(s3, app, run_module):
    put_raw(s3, app, expired_lock(app, "carol@ops-3", "carols-token"))
    ok, result = info(run_module, app)
    assert ok and result["lock"]["holder"] == "carol@ops-3" and result["lock"]["expired"] is True
    assert "token" not in result["lock"]


def test_info_of_a_free_lock(s3, app, run_module):
    ok, result = info(run_module, app)
    assert ok and result == dict(result, changed=False, lock=None, history=[])
    ok, taken = take(run_module, app)
    release(run_module, app, taken["lock"]["token"])
    s3.delete_object(Bucket=BUCKET, Key=key(app))  # someone deleted it: a delete marker is the latest version
    ok, result = info(run_module, app)
    assert ok and result["lock"] is None and [h["outcome"] for h in result["history"]] == ["succeeded"]


def test_info_rejects_a_negative_history(app, run_module, aws_calls):
    ok, result = info(run_module, app, history=-1)
    assert not ok and result["msg"] == "history must be a number of operations, 0 or more, got -1"
    assert aws_calls.operations() == []


def test_examples_run(s3, run_module):
    """The EXAMPLES in order: take, renew, release; a takeover and its release; a force unlock."""
    tasks = [task["bluegreen.aws.deployment_lock"] for task in yaml.safe_load(deployment_lock.EXAMPLES)]
    assert len(tasks) == 6 and all(t.get("bucket", BUCKET) == "web-artifacts-123456789012-us-east-1"
                                   for t in tasks if "bucket" in t)
    registered = {}

    def run(task):
        args = dict(task)
        if "lease" in args:  # "{{ web_lock.lease }}": the lease registered by an earlier task
            args["lease"] = registered[args["lease"].strip("{} ").split(".")[0]]["lease"]
        else:
            args.update(bucket=BUCKET, application="examples")
        ok, result = run_module(deployment_lock.main, args)
        assert ok, result
        return result

    registered["web_lock"] = run(tasks[0])
    assert registered["web_lock"]["lock"]["holder"] == "alice@ops-1 (AWX job 42)"
    registered["web_lock"] = run(tasks[1])
    assert read_lock(s3, "examples")["renewed_at"]
    assert run(tasks[2])["changed"] and read_lock(s3, "examples")["state"] == "released"
    registered["rollback_lock"] = run(tasks[3])
    assert run(tasks[4])["changed"] and read_lock(s3, "examples")["outcome"] == "rolled_back"
    taken = take(run_module, "examples", holder="bob@ops-2")[1]
    unlocked = run(tasks[5])
    assert unlocked["removed"]["holder"] == "bob@ops-2"
    stored = read_lock(s3, "examples")
    assert stored["outcome"] == "force_unlocked" and stored["token"] == taken["lock"]["token"]

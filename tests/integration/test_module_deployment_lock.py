# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.deployment_lock and deployment_lock_info against the emulator.

The lock object is read back from S3 with boto3; write calls are counted. The
race is run with real concurrent S3 conditional writes (moto implements
If-None-Match / If-Match as S3 does).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import get_lock
from ansible_collections.bluegreen.aws.plugins.module_utils.s3_lock_calls import put_lock
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock_info

BUCKET = "web-artifacts-123456789012-us-east-1"
KEY = "locks/web.json"


@pytest.fixture
def bucket(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def read_lock(s3):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())


def take(run_module, **extra):
    args = dict(bucket=BUCKET, application="web", operation="switch to green", holder="alice@ops-1")
    args.update(extra)
    return run_module(deployment_lock.main, args)


def test_take_release_and_history(aws, bucket, run_module, aws_calls):
    ok, result = take(run_module, _ansible_check_mode=True)
    assert ok and result["changed"] and aws_calls.writes() == []
    assert bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0

    ok, result = take(run_module)
    assert ok and result["changed"], result
    assert aws_calls.writes() == ["PutObject"]
    stored = read_lock(bucket)
    assert stored["state"] == "held" and stored["holder"] == "alice@ops-1" and stored["token"] == result["lock"]["token"]

    # Someone else: refused, naming the holder, without writing.
    ok, other = take(run_module, holder="bob@ops-2", operation="rollback")
    assert not ok
    assert other["msg"].startswith("web is locked by alice@ops-1 since ") and "for 'switch to green'" in other["msg"]
    assert aws_calls.writes() == []

    # A wrong token releases nothing.
    ok, wrong = run_module(deployment_lock.main, dict(bucket=BUCKET, application="web", state="absent", token="nope"))
    assert ok and not wrong["changed"] and read_lock(bucket)["state"] == "held"

    ok, released = run_module(deployment_lock.main, dict(
        bucket=BUCKET, application="web", state="absent", token=result["lock"]["token"], outcome="rolled_back"))
    assert ok and released["changed"]
    assert read_lock(bucket)["state"] == "released" and read_lock(bucket)["outcome"] == "rolled_back"

    ok, info = run_module(deployment_lock_info.main, dict(bucket=BUCKET, application="web"))
    assert ok and info["lock"] is None
    assert [(h["operation"], h["outcome"]) for h in info["history"]] == [("switch to green", "rolled_back")]


def test_an_expired_lock_is_taken_over_with_a_warning(aws, bucket, run_module):
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    bucket.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(
        locks.new_lock("web", "carol@ops-3", "deploy 7", 60, past, "old")).encode())
    ok, result = take(run_module)
    assert ok and result["taken_over"], result
    assert any("carol@ops-3" in w for w in result.get("warnings", [])), result
    assert read_lock(bucket)["holder"] == "alice@ops-1"


def test_held_lock_shows_in_info(aws, bucket, run_module):
    take(run_module)
    ok, info = run_module(deployment_lock_info.main, dict(bucket=BUCKET, application="web"))
    assert ok and info["lock"]["holder"] == "alice@ops-1" and info["lock"]["expired"] is False
    assert "token" not in info["lock"]
    assert info["history"][0]["outcome"] is None


def test_bad_ttl_is_rejected_before_any_call(aws, bucket, run_module, aws_calls):
    ok, result = take(run_module, ttl=0)
    assert not ok and result["msg"] == "ttl must be a number of seconds above 0, got 0"
    assert aws_calls.operations() == []


def test_eight_runs_racing_exactly_one_wins(aws, bucket):
    """Eight threads read "no lock" and write with If-None-Match at once: one write succeeds."""
    winners, losers = [], []
    barrier = threading.Barrier(8)
    now = datetime.now(timezone.utc)

    def run(number):
        client = aws.client("s3")
        document = locks.new_lock("web", "run-%d" % number, "switch", 600, now, "token-%d" % number)
        _doc, etag = get_lock(client, BUCKET, KEY)
        barrier.wait()
        (winners if put_lock(client, BUCKET, KEY, document, etag) else losers).append(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 7
    assert read_lock(bucket)["holder"] == "run-%d" % winners[0]

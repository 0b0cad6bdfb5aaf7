# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""listener_switch's ``lock`` option against the emulator.

The module takes the application's deployment lock itself, right before its
first write. The lock object is read back from S3, the listeners with boto3,
and the calls are counted (their order shows the lock comes before any write).
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock
from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

from test_module_listener_switch import BLUE_LIVE, GREEN_LIVE, read_weights, switch_args

BUCKET = "web-artifacts-123456789012-us-east-1"


@pytest.fixture
def bucket(aws, bluegreen_stack):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def lock_option(**extra):
    return dict(dict(bucket=BUCKET, application="web", operation="switch to green", holder="alice@ops-1"), **extra)


def read_lock(s3):
    return json.loads(s3.get_object(Bucket=BUCKET, Key="locks/web.json")["Body"].read())


def test_the_lock_is_taken_right_before_the_first_write_and_released_with_its_etag(
        aws, bluegreen_stack, bucket, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", lock=lock_option()))
    assert ok, result
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    stored = read_lock(bucket)
    assert stored["state"] == "held" and stored["token"] == result["lock"]["token"] and stored["holder"] == "alice@ops-1"
    operations = aws_calls.operations()
    first_write = operations.index("ModifyListener")
    assert operations[first_write - 3:first_write] == ["GetObject", "PutObject", "DescribeListeners"], operations
    assert result["lock_etag"] == bucket.head_object(Bucket=BUCKET, Key="locks/web.json")["ETag"]

    ok, released = run_module(deployment_lock.main, dict(bucket=BUCKET, application="web", state="absent",
                                                         token=result["lock"]["token"], taken=result["lock"],
                                                         etag=result["lock_etag"]))
    assert ok and released["changed"] and aws_calls.operations() == ["PutObject"]
    assert read_lock(bucket)["state"] == "released"


def test_nothing_to_do_reads_no_lock(aws, bluegreen_stack, bucket, run_module, aws_calls):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="blue", lock=lock_option()))
    assert ok and not result["changed"] and result["lock"] is None
    assert aws_calls.operations("s3") == [] and aws_calls.writes() == []


def test_check_mode_takes_no_lock(aws, bluegreen_stack, bucket, run_module, aws_calls):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", lock=lock_option(),
                                                              _ansible_check_mode=True))
    assert ok and result["changed"] and result["lock"] is None
    assert aws_calls.operations("s3") == [] and aws_calls.writes() == []


def test_a_lock_held_by_another_run_fails_naming_it_before_any_write(aws, bluegreen_stack, bucket, run_module,
                                                                     aws_calls):
    from datetime import datetime
    from datetime import timezone

    other = locks.new_lock("web", "bob@ops-2", "rollback to blue", 600, datetime.now(timezone.utc), "bobs")
    bucket.put_object(Bucket=BUCKET, Key="locks/web.json", Body=json.dumps(other).encode())
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", lock=lock_option()))
    assert not ok
    assert result["msg"].startswith("web is locked by bob@ops-2 since ") and "for 'rollback to blue'" in result["msg"]
    assert result["lock"] is None and result["holder"]["holder"] == "bob@ops-2"
    assert aws_calls.writes() == []
    assert read_weights(aws, bluegreen_stack, bluegreen_stack["listener_arn"]) == BLUE_LIVE


def test_a_listener_changed_before_the_lock_was_taken_is_not_overwritten(
        aws, bluegreen_stack, bucket, run_module, aws_calls, monkeypatch):
    """Another run switched (and released) between this run's read and its lock: nothing is written."""
    stack = bluegreen_stack
    real_acquire = listener_switch.acquire

    def another_run_first(*args, **kwargs):
        aws.client("elbv2").modify_listener(ListenerArn=stack["listener_arn"], DefaultActions=[
            {"Type": "forward", "TargetGroupArn": stack["target_group_arns"]["green"]}])
        return real_acquire(*args, **kwargs)

    monkeypatch.setattr(listener_switch, "acquire", another_run_first)
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=50, lock=lock_option()))
    assert not ok
    expected = "changed while this run was taking the lock (another run finished in between); nothing was written"
    assert expected in result["msg"]
    assert result["lock"]["token"] == read_lock(bucket)["token"], "the lock is returned, so it can be released"
    assert aws_calls.count("ModifyListener") == 1, "only the other run's (made by the test) may have written"
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE

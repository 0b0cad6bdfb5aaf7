# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""listener_switch under the application's lease, against the emulator.

By default the module takes the lease for its own call: one GET of the lock
first, and only when something must be written a PUT conditional on that
read's ETag, the listener writes, and the release PUT. Handed the lease of a
flow, it renews it before writing, and writes nothing when it was taken
over. The lock object is read back from S3, the listeners with boto3, and
every call is counted.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import controller
from ansible_collections.bluegreen.aws.plugins.module_utils import lock_ops
from ansible_collections.bluegreen.aws.plugins.modules import listener_switch

from test_module_listener_switch import BLUE_LIVE, BUCKET, GREEN_LIVE, read_weights, switch_args
from test_module_listener_switch import lock_bucket  # noqa: F401 # pylint: disable=unused-import

KEY = "locks/web.json"


def read_lock(s3):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())


def take(s3, holder="bob@ops-2", operation="switch to green (10% > 100%)", ttl=600):
    """Another run's lease, taken with the lease API itself."""
    return lock_ops.acquire(s3, BUCKET, KEY, "web", holder, operation, ttl, datetime.now(timezone.utc),
                            uuid.uuid4().hex)["lease"]


def test_a_switch_to_the_idle_color_is_nine_calls_and_four_writes(
        aws, bluegreen_stack, lock_bucket, run_module, aws_calls):
    stack = bluegreen_stack
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", lock_holder="alice@ops-1",
                                                              alarms=[]))
    assert ok, result
    assert aws_calls.operations() == [
        "GetObject", "DescribeLoadBalancers", "DescribeListeners", "DescribeTargetHealth",
        "PutObject", "ModifyListener", "ModifyListener", "PutObject"]
    assert aws_calls.writes() == ["PutObject", "ModifyListener", "ModifyListener", "PutObject"]
    assert read_weights(aws, stack, stack["listener_arn"]) == GREEN_LIVE
    stored = read_lock(lock_bucket)
    assert (stored["state"], stored["holder"], stored["outcome"]) == ("released", "alice@ops-1", "succeeded")
    assert stored["operation"] == "switch to green (100%)"
    assert result["lease"] is None, "the module's own lease is released, not handed out"


def test_nothing_to_do_writes_nothing_not_even_the_lock(aws, bluegreen_stack, lock_bucket, run_module, aws_calls):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="blue"))
    assert ok and not result["changed"]
    assert aws_calls.operations() == ["GetObject", "DescribeLoadBalancers", "DescribeListeners"]
    assert aws_calls.writes() == []
    assert lock_bucket.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_check_mode_takes_no_lock(aws, bluegreen_stack, lock_bucket, run_module, aws_calls):
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green",
                                                              _ansible_check_mode=True))
    assert ok and result["changed"]
    assert aws_calls.operations("s3") == [] and aws_calls.writes() == []


def test_a_direct_call_while_another_run_holds_the_lock_fails_naming_the_holder(aws, bluegreen_stack, lock_bucket,
                                                                                run_module, aws_calls):
    take(lock_bucket)
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green"))
    assert not ok
    assert "bob@ops-2" in result["msg"] and "switch to green (10% > 100%)" in result["msg"], result["msg"]
    assert result["holder"]["holder"] == "bob@ops-2"
    assert aws_calls.writes() == []
    assert read_weights(aws, bluegreen_stack, bluegreen_stack["listener_arn"]) == BLUE_LIVE


def test_a_lock_taken_between_the_read_and_the_write_stops_the_switch(aws, bluegreen_stack, lock_bucket, run_module,
                                                                      aws_calls, monkeypatch):
    """Another run took the lock (and switched) after this run read it: the conditional PUT fails, nothing is written."""
    stack = bluegreen_stack
    real_read = listener_switch.read_listeners

    def another_run_in_between(*args, **kwargs):
        found = real_read(*args, **kwargs)
        take(lock_bucket, holder="carol@ops-3", operation="switch to green (100%)")
        return found

    monkeypatch.setattr(listener_switch, "read_listeners", another_run_in_between)
    ok, result = run_module(listener_switch.main, switch_args(stack, color="green", weight=50))
    assert not ok
    assert "carol@ops-3" in result["msg"], result["msg"]
    assert aws_calls.count("ModifyListener") == 0
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    assert read_lock(lock_bucket)["holder"] == "carol@ops-3", "the other run's lock is left as it is"


def test_a_flows_lease_is_renewed_and_handed_back(aws, bluegreen_stack, lock_bucket, run_module, aws_calls):
    lease = take(lock_bucket, holder="alice@ops-1")
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", weight=10, lease=lease))
    assert ok, result
    assert read_weights(aws, bluegreen_stack, bluegreen_stack["listener_arn"]) == {"blue": 90, "green": 10}
    assert aws_calls.writes() == ["PutObject", "ModifyListener"], "renew, then one write; no release"
    # The lease handed back is the one now in S3 (its ETag, a hash of the content, may equal the old one when the
    # renewal fell in the same second as the take).
    assert result["lease"]["token"] == lease["token"]
    assert result["lease"]["etag"] == lock_bucket.head_object(Bucket=BUCKET, Key=KEY)["ETag"]
    stored = read_lock(lock_bucket)
    assert stored["state"] == "held" and stored["token"] == lease["token"]
    assert stored["expires_at"] == result["lease"]["expires_at"] >= lease["expires_at"]


def test_a_step_started_after_its_run_was_killed_writes_nothing(aws, bluegreen_stack, lock_bucket, run_module,
                                                                aws_calls, monkeypatch):
    """The flow's run died while this step's worker started (see test_controller): no renewal, no traffic write."""
    lease = take(lock_bucket, holder="alice@ops-1")
    monkeypatch.setattr(controller.Controller, "gone", lambda self: True)
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", weight=100, lease=lease))
    assert not ok and result["run_gone"] is True, result
    assert "expires at " + lease["expires_at"] in result["msg"], result["msg"]
    assert aws_calls.writes() == []
    assert read_weights(aws, bluegreen_stack, bluegreen_stack["listener_arn"]) == BLUE_LIVE
    assert read_lock(lock_bucket)["expires_at"] == lease["expires_at"], "left to expire"


def test_a_lease_taken_over_writes_nothing(aws, bluegreen_stack, lock_bucket, run_module, aws_calls):
    lease = take(lock_bucket, holder="alice@ops-1")
    lock_ops.acquire(lock_bucket, BUCKET, KEY, "web", "dave@ops-4", "rollback to blue", 60,
                     datetime.now(timezone.utc), uuid.uuid4().hex, takeover=True)
    ok, result = run_module(listener_switch.main, switch_args(bluegreen_stack, color="green", weight=10, lease=lease))
    assert not ok and result["lease_lost"] is True
    assert "dave@ops-4" in result["msg"], result["msg"]
    assert aws_calls.count("ModifyListener") == 0
    assert read_weights(aws, bluegreen_stack, bluegreen_stack["listener_arn"]) == BLUE_LIVE


def test_takeover_switches_at_once_and_names_the_run_it_aborted(aws, bluegreen_stack, lock_bucket, run_module):
    stack = bluegreen_stack
    aws.client("elbv2").modify_listener(ListenerArn=stack["listener_arn"], DefaultActions=[{
        "Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": stack["target_group_arns"]["blue"], "Weight": 90},
            {"TargetGroupArn": stack["target_group_arns"]["green"], "Weight": 10}]}}])
    take(lock_bucket, holder="bob@ops-2")
    ok, result = run_module(listener_switch.main, switch_args(stack, color="blue", takeover=True,
                                                              lock_operation="rollback to blue"))
    assert ok, result
    assert result["preempted"]["holder"] == "bob@ops-2"
    assert read_weights(aws, stack, stack["listener_arn"]) == BLUE_LIVE
    stored = read_lock(lock_bucket)
    assert (stored["state"], stored["operation"]) == ("released", "rollback to blue")

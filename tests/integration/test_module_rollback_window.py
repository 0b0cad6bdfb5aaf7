# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.rollback_window against the emulator.

The history is written by deployment_lock itself (take, release) into a
versioned bucket, and the deregistration delay is the target group attribute
set with boto3; the module is checked to make no write.

The emulator is reset once for this file; each test has an application, so a
lock object, of its own.
"""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.bluegreen.aws.plugins.modules import deployment_lock
from ansible_collections.bluegreen.aws.plugins.modules import rollback_window

BUCKET = "web-artifacts-123456789012-us-east-1"  # the name used in EXAMPLES


@pytest.fixture(scope="module")
def _stack_once(emulator_server):
    emulator_server.reset()
    s3 = emulator_server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    ec2, elbv2 = emulator_server.client("ec2"), emulator_server.client("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    arns = {}
    for color in ("blue", "green"):
        arns[color] = elbv2.create_target_group(Name="web-" + color, Protocol="HTTP", Port=80, VpcId=vpc_id)[
            "TargetGroups"][0]["TargetGroupArn"]
    return emulator_server, arns


@pytest.fixture
def aws(_stack_once):
    """Overrides conftest's ``aws`` (a reset per test) for this file: see the module docstring."""
    return _stack_once[0]


@pytest.fixture
def blue(_stack_once):
    """Blue's target group ARN, with a deregistration delay of 3 s (reset after the test)."""
    emulator, arns = _stack_once
    set_delay(emulator, arns["blue"], 3)
    yield arns["blue"]
    set_delay(emulator, arns["blue"], 3)


@pytest.fixture
def app(request):
    return "app-" + request.node.name.replace("_", "-")[5:40]


def set_delay(aws, arn, seconds):
    aws.client("elbv2").modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(seconds)}])


def lock_run(run_module, app, operation, **release):
    ok, taken = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, operation=operation))
    assert ok, taken
    ok, released = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, state="absent",
                                                         token=taken["lock"]["token"], **release))
    assert ok, released
    return released


def window_args(app, target_group, **extra):
    return dict(dict(bucket=BUCKET, application=app, color="blue", target_group=target_group), **extra)


def test_refuses_right_after_a_switch_and_says_how_long(aws, app, blue, run_module, aws_calls):
    lock_run(run_module, app, "switch to green")
    ok, result = run_module(rollback_window.main, window_args(app, "web-blue", window=60))
    assert not ok
    assert result["msg"].startswith("Refusing to touch blue of %s yet: production traffic last moved at " % app)
    assert "('switch to green' by " in result["msg"] and ", succeeded); blue's target group drains for 3 s" in result["msg"]
    assert "the rollback window is 60 s. Wait " in result["msg"] and "To go ahead anyway: force=true" in result["msg"]
    assert 60 <= result["wait_seconds"] <= 63 and result["open"] is False
    assert result["deregistration_delay"] == 3 and result["last_operation"]["operation"] == "switch to green"
    assert "token" not in result["last_operation"]
    assert aws_calls.writes() == []


def test_force_warns_and_passes(aws, app, blue, run_module):
    lock_run(run_module, app, "switch to green")
    ok, result = run_module(rollback_window.main, window_args(app, blue, window=60, force=True))
    assert ok and result["forced"] is True and result["open"] is False
    assert result["warnings"][0].startswith("Forced: Refusing to touch blue of %s yet" % app)


def test_opens_after_the_drain_and_the_window(aws, app, blue, run_module):
    lock_run(run_module, app, "switch to green")
    set_delay(aws, blue, 0)
    ok, result = run_module(rollback_window.main, window_args(app, blue, window=0))
    assert ok and result["open"] is True and result["wait_seconds"] == 0 and not result["forced"]
    assert result["deregistration_delay"] == 0 and result["moved_at"] == result["opens_at"]


def test_finalize_does_not_restart_the_window_and_own_lock_is_skipped(aws, app, blue, run_module):
    lock_run(run_module, app, "switch to green")
    set_delay(aws, blue, 0)
    lock_run(run_module, app, "finalize: scale blue to 0", moved_traffic=False)
    body = aws.client("s3").get_object(Bucket=BUCKET, Key="locks/%s.json" % app)["Body"].read()
    assert json.loads(body)["moved_traffic"] is False, "the release must record that traffic did not move"
    ok, mine = run_module(deployment_lock.main, dict(bucket=BUCKET, application=app, operation="finalize again"))
    assert ok
    ok, result = run_module(rollback_window.main, window_args(app, blue, window=0))
    assert not ok and "another operation is in progress: %s is locked by" % app in result["msg"]
    ok, result = run_module(rollback_window.main, window_args(app, blue, window=0, token=mine["lock"]["token"]))
    assert ok and result["open"] and result["last_operation"]["operation"] == "switch to green", result


def test_no_history_is_open_and_bad_input_fails_first(aws, app, blue, run_module, aws_calls):
    ok, result = run_module(rollback_window.main, window_args(app, blue))
    assert ok and result["open"] and result["moved_at"] is None and result["last_operation"] is None
    ok, result = run_module(rollback_window.main, window_args(app, blue, window=-5))
    assert not ok and result["msg"] == "window must be a number of seconds, 0 or more, got -5"
    assert aws_calls.operations() == []
    ok, result = run_module(rollback_window.main, window_args(app, "web-purple"))
    assert not ok and result["msg"].startswith("Target group web-purple (target_group) not found")


def test_examples_run(aws, blue, run_module):
    set_delay(aws, blue, 0)
    for task in yaml.safe_load(rollback_window.EXAMPLES):
        ok, result = run_module(rollback_window.main, task["bluegreen.aws.rollback_window"])
        assert ok, (task["name"], result)

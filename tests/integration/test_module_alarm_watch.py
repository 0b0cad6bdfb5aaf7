# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""bluegreen.aws.alarm_watch, the watcher of a canary step's pause, against the emulator.

Alarms are set with CloudWatch SetAlarmState from a thread while the module
polls; the lease it renews is read back from S3.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import controller
from ansible_collections.bluegreen.aws.plugins.module_utils import lock_ops
from ansible_collections.bluegreen.aws.plugins.modules import alarm_watch

BUCKET = "web-artifacts-123456789012-us-east-1"
KEY = "locks/web.json"
ALARMS = ["web-green-5xx", "web-green-p99-latency"]


def put_alarm(aws, name, state="OK"):
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


@pytest.fixture
def alarms(aws):
    for name in ALARMS:
        put_alarm(aws, name)
    return ALARMS


@pytest.fixture
def lease_and_bucket(aws):
    """A flow's lease of web (held by alice), in the versioned artifact bucket."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    lease = lock_ops.acquire(s3, BUCKET, KEY, "web", "alice@ops-1", "switch to green (10% > 100%)", 60,
                             datetime.now(timezone.utc), uuid.uuid4().hex)["lease"]
    return lease, s3


def taken_over(s3):
    """An abort (rollback.yml) takes the lease over."""
    return lock_ops.acquire(s3, BUCKET, KEY, "web", "dave@ops-4", "rollback to blue", 60, datetime.now(timezone.utc),
                            uuid.uuid4().hex, takeover=True)


def later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_a_quiet_pause_passes(aws, alarms, run_module, aws_calls):
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=2, poll_interval=1))
    assert ok, result
    assert result["verdict"] == "pass" and result["fired"] == [] and result["polls"] >= 3
    assert result["alarms"] == {name: "OK" for name in alarms}
    assert aws_calls.writes() == []


def test_an_alarm_during_the_pause_fails_within_a_poll(aws, alarms, run_module):
    timer = later(1.5, lambda: put_alarm(aws, alarms[0], "ALARM"))
    started = time.monotonic()
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=30, poll_interval=1))
    timer.join()
    assert not ok and result["verdict"] == "fail" and result["fired"] == [alarms[0]]
    assert result["msg"] == "Alarm web-green-5xx went to ALARM"
    assert time.monotonic() - started < 10, "the alarm is seen at the next poll, not at the end of the pause"


def test_a_missing_alarm_is_inconclusive(aws, alarms, run_module):
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms + ["web-green-nope"], duration=0))
    assert not ok and result["verdict"] == "inconclusive" and "web-green-nope" in result["msg"]


def test_bad_options_fail_before_any_call(aws, run_module, aws_calls):
    for args, fragment in ((dict(alarms=[]), "alarms must name at least one alarm"),
                           (dict(alarms=ALARMS, poll_interval=0), "poll_interval at least 1 second")):
        ok, result = run_module(alarm_watch.main, args)
        assert not ok and fragment in result["msg"], result["msg"]
    assert aws_calls.operations() == []


def test_the_lease_is_renewed_at_every_poll(aws, alarms, lease_and_bucket, run_module, aws_calls):
    lease, s3 = lease_and_bucket
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=2, poll_interval=1, lease=lease))
    assert ok, result
    assert aws_calls.count("PutObject") == result["polls"], "one renewal after each sleep, one at the end"
    stored = lock_ops.read(s3, BUCKET, KEY)
    assert stored[1] == result["lease"]["etag"] and stored[0]["state"] == "held"
    assert stored[0]["expires_at"] >= lease["expires_at"]


def test_a_lease_taken_over_stops_the_watch_without_writing(aws, alarms, lease_and_bucket, run_module, aws_calls):
    """An abort (rollback.yml) took the lease: the watcher stops at its next poll and writes nothing more."""
    lease, s3 = lease_and_bucket
    timer = later(1.5, lambda: taken_over(s3))
    started = time.monotonic()
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=60, poll_interval=1, lease=lease))
    timer.join()
    assert not ok and result["lease_lost"] is True and result["verdict"] == "aborted"
    assert "dave@ops-4" in result["msg"], result["msg"]
    assert time.monotonic() - started < 15
    assert lock_ops.read(s3, BUCKET, KEY)[0]["holder"] == "dave@ops-4"


def test_a_watch_whose_run_was_killed_stops_without_renewing(aws, alarms, lease_and_bucket, run_module, aws_calls,
                                                             monkeypatch):
    """The run that started the watcher ended under it (see test_controller for the process check itself)."""
    lease, s3 = lease_and_bucket
    polls = []
    monkeypatch.setattr(controller.Controller, "gone", lambda self: polls.append(1) or len(polls) > 1)
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=60, poll_interval=1, lease=lease))
    assert not ok and result["run_gone"] is True and result["verdict"] == "aborted"
    assert aws_calls.count("PutObject") == 1, "renewed after the first poll only"
    stored = lock_ops.read(s3, BUCKET, KEY)[0]
    assert len(polls) == 2 and stored["token"] == lease["token"], "left to expire"
    assert "is not renewed and expires at " + stored["expires_at"] in result["msg"], result["msg"]


def test_check_mode_reads_once_and_waits_not(aws, alarms, lease_and_bucket, run_module, aws_calls):
    lease, _s3 = lease_and_bucket
    ok, result = run_module(alarm_watch.main, dict(alarms=alarms, duration=60, poll_interval=1, lease=lease,
                                                   _ansible_check_mode=True))
    assert ok and result["polls"] == 1 and aws_calls.writes() == []

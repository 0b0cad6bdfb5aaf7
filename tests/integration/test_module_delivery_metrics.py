"""bluegreen.aws.delivery_metrics against the emulator: metrics computed from a history and read back from CloudWatch.

The emulator is not reset for this file (see test_module_deployment_lock.py):
each test uses an application name, so a metric dimension and lock object, of
its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import lock as locks
from ansible_collections.bluegreen.aws.plugins.modules import delivery_metrics

BUCKET = "web-artifacts-%s-us-east-1" % uuid.uuid4().hex[:12]
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def at(minutes_ago):
    return locks.iso(NOW - timedelta(minutes=minutes_ago))


def op(operation, started, ended, outcome, **extra):
    """An entry that started ``started`` minutes ago and ended ``ended`` minutes ago."""
    return dict(operation=operation, holder="alice@ops-1", acquired_at=at(started),
                released_at=at(ended) if ended is not None else None, outcome=outcome, **extra)


# switch, rolled-back canary (2 min, 1 min of pause), aborted canary + its rollback, deploy of version 2.
HISTORY = [
    op("deploy 2 to blue (ami) and switch (100%)", 60, 50, "succeeded"),
    op("rollback to green", 119, 118, "succeeded"),
    op("switch to blue (10% > 100%)", 120, 118, "aborted"),
    op("switch to blue (10% > 100%)", 180, 178, "rolled_back", steps=[dict(weight=10, pause=60), dict(weight=100)]),
    op("switch to green (100%)", 240, 239, "succeeded"),
]


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
def app():
    return "app-" + uuid.uuid4().hex[:8]


def read_back(aws, application, metric, stat="Average"):
    """Every value CloudWatch holds for bluegreen.aws / metric / Application=application in the last day."""
    response = aws.client("cloudwatch").get_metric_data(
        MetricDataQueries=[dict(Id="m", MetricStat=dict(
            Metric=dict(Namespace="bluegreen.aws", MetricName=metric,
                        Dimensions=[dict(Name="Application", Value=application)]),
            Period=60, Stat=stat))],
        StartTime=NOW - timedelta(days=1), EndTime=NOW + timedelta(minutes=5))
    return response["MetricDataResults"][0]["Values"]


def test_publishes_the_four_metrics_and_the_last_operation(run_module, aws, app):
    ok, result = run_module(delivery_metrics.main, dict(
        application=app, history=HISTORY, period_days=1, registered_at={"2": at(100)}))
    assert ok, result.get("msg")
    assert result["changed"] and result["published"]
    metrics = result["metrics"]
    assert metrics["deployments"] == 4 and metrics["successful_deployments"] == 2
    assert metrics["change_failure_rate"] == 0.5
    assert metrics["deployment_frequency"]["per_day"] == 2.0
    assert metrics["time_to_restore"]["median"] == 120.0  # rolled back: 2 min; aborted: 120 -> 118 min ago
    assert metrics["lead_time"]["median"] == 3000.0  # registered 100 min ago, live 50 min ago
    assert read_back(aws, app, "ChangeFailureRate") == [50.0]
    assert read_back(aws, app, "DeploymentFrequency") == [2.0]
    assert read_back(aws, app, "Deployments") == [4.0]
    assert read_back(aws, app, "LeadTime") == [3000.0]
    assert read_back(aws, app, "TimeToRestore") == [120.0]
    assert read_back(aws, app, "OperationDuration") == [600.0]
    metric_names = {m["MetricName"] for m in aws.client("cloudwatch").list_metrics(
        Namespace="bluegreen.aws", Dimensions=[dict(Name="Application", Value=app)])["Metrics"]}
    assert metric_names == {"ChangeFailureRate", "DeploymentFrequency", "Deployments", "LeadTime", "TimeToRestore",
                            "OperationDuration"}


def test_check_mode_publishes_nothing(run_module, aws, app, aws_calls):
    ok, result = run_module(delivery_metrics.main, dict(application=app, history=HISTORY, period_days=1,
                                                        _ansible_check_mode=True))
    assert ok and result["changed"] and not result["published"]
    assert {d["MetricName"] for d in result["metric_data"]} >= {"ChangeFailureRate", "Deployments"}
    assert aws_calls.operations() == []
    assert read_back(aws, app, "Deployments") == []


def test_publish_false_only_computes(run_module, aws, app):
    ok, result = run_module(delivery_metrics.main, dict(application=app, history=HISTORY, period_days=1,
                                                        publish=False))
    assert ok and not result["changed"] and result["metrics"]["deployments"] == 4
    assert read_back(aws, app, "Deployments") == []


def test_reads_the_history_from_the_lock_versions(run_module, aws, app):
    """Two operations written as a run writes the lock (take, then release), then read from the bucket."""
    s3 = aws.client("s3")
    key = locks.lock_key("locks/", app)
    for number, (operation, started, outcome) in enumerate((("switch to green (100%)", 30, "succeeded"),
                                                            ("rollback to blue", 20, "succeeded"))):
        taken = locks.new_lock(app, "alice@ops-1", operation, 60, NOW - timedelta(minutes=started), f"token-{number}")
        s3.put_object(Bucket=BUCKET, Key=key, Body=locks.serialize(taken))
        released = locks.released_lock(taken, outcome, NOW - timedelta(minutes=started - 1))
        s3.put_object(Bucket=BUCKET, Key=key, Body=locks.serialize(released))
    ok, result = run_module(delivery_metrics.main, dict(application=app, bucket=BUCKET, period_days=1))
    assert ok, result.get("msg")
    assert result["history_read"] == 2
    assert result["metrics"]["deployments"] == 1 and result["metrics"]["change_failure_rate"] == 1.0
    assert result["metrics"]["time_to_restore"]["median"] == 600.0  # live 29 min ago, restored 19 min ago
    assert read_back(aws, app, "ChangeFailureRate") == [100.0]


@pytest.mark.parametrize("extra, words", [
    (dict(since="last week"), "since: not an ISO 8601 time: 'last week'"),
    (dict(period_days=0), "period_days must be at least 1"),
    (dict(registered_at={"2": "tuesday"}), "registered_at['2']"),
    (dict(since="2026-12-02T00:00:00Z", until="2026-12-01T00:00:00Z"), "must end after it starts"),
])
def test_bad_input_is_refused_before_any_call(run_module, app, aws_calls, extra, words):
    ok, result = run_module(delivery_metrics.main, dict(application=app, history=HISTORY, **extra))
    assert not ok and words in result["msg"]
    assert aws_calls.operations() == []

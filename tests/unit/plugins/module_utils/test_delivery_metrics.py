"""delivery_metrics.py: the four key metrics and the operation times, on histories whose answer is known."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import delivery_metrics as dm

SINCE, UNTIL = "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z"


def op(operation, acquired, released, outcome, **extra):
    return dict(operation=operation, holder="alice@ops-1", acquired_at=f"2026-12-01T{acquired}Z",
                released_at=f"2026-12-01T{released}Z" if released else None, outcome=outcome, **extra)


# A switch, a rolled-back canary, an aborted canary (and the rollback that aborted it), a deploy; newest first,
# as deployment_lock_info returns them.
HISTORY = [
    op("deploy 2 to blue (ami) and switch (100%)", "13:00:00", "13:10:00", "succeeded"),
    op("rollback to green", "12:01:00", "12:01:20", "succeeded"),
    op("switch to blue (10% > 100%)", "12:00:00", "12:01:30", "aborted"),
    op("switch to blue (10% > 100%)", "11:00:00", "11:02:00", "rolled_back",
       steps=[dict(weight=10, pause=60), dict(weight=100)]),
    op("switch to green (100%)", "10:00:00", "10:00:05", "succeeded"),
]


@pytest.mark.parametrize("operation, kind, version, color", [
    ("switch to green (100%)", "switch", None, "green"),
    ("switch to blue (10% > 50% > 100%)", "switch", None, "blue"),
    ("deploy 2 to blue (ami) and switch (100%)", "deploy", "2", "blue"),
    ("deploy 1.4.0 to green (codedeploy) and switch (10% > 100%)", "deploy", "1.4.0", "green"),
    ("deploy 2 to blue (ami)", "deliver", "2", "blue"),
    ("deploy 7 (codedeploy blue/green)", "deploy", "7", None),
    ("rollback to blue", "rollback", None, "blue"),
    ("rollback drill (web-green-5xx)", "drill", None, None),
    ("finalize: scale green to 0", "finalize", None, None),
    ("force unlock (held by bob@ops-2)", "other", None, None),
    (None, "other", None, None),
])
def test_classify_the_playbooks_operations(operation, kind, version, color):
    assert dm.classify(operation) == dict(kind=kind, version=version, color=color)


def test_the_four_metrics_after_switch_rolled_back_canary_abort_deploy():
    metrics = dm.compute(HISTORY, SINCE, UNTIL, registered_at={"2": "2026-12-01T12:30:00Z"})
    assert metrics["days"] == 1.0
    assert metrics["deployments"] == 4 and metrics["successful_deployments"] == 2
    assert metrics["deployment_frequency"] == dict(per_day=2.0, per_week=14.0)
    assert metrics["change_failures"] == 2 and metrics["change_failure_rate"] == 0.5
    # rolled back: 11:00:00 -> 11:02:00; aborted: 12:00:00 -> the rollback's end 12:01:20
    assert metrics["time_to_restore"] == dict(count=2, median=100.0, mean=100.0)
    assert metrics["lead_time"] == dict(count=1, median=2400.0, mean=2400.0)


def test_operation_times_split_active_and_waiting():
    operations = {o["acquired_at"][11:19]: o for o in dm.compute(HISTORY, SINCE, UNTIL)["operations"]}
    canary = operations["11:00:00"]
    assert (canary["duration"], canary["waiting"], canary["active"]) == (120.0, 60.0, 60.0)
    switch = operations["10:00:00"]
    assert switch["duration"] == 5.0 and switch["waiting"] is None and switch["active"] is None
    assert [o["kind"] for o in dm.compute(HISTORY, SINCE, UNTIL)["operations"]] == [
        "switch", "switch", "switch", "rollback", "deploy"]


def test_waiting_seconds_given_by_the_entry_wins_and_is_capped_by_the_duration():
    entry = dm.normalize(op("switch to green (10% > 100%)", "10:00:00", "10:01:00", "succeeded", waiting_seconds=90))
    assert entry["waiting"] == 60.0 and entry["active"] == 0.0


def test_a_rollback_after_a_successful_switch_makes_it_a_failed_change():
    history = [
        op("rollback to blue", "10:30:00", "10:30:10", "succeeded"),
        op("rollback drill (web-green-5xx)", "10:20:00", "10:21:00", "succeeded"),
        op("switch to green (100%)", "10:00:00", "10:00:10", "succeeded"),
    ]
    metrics = dm.compute(history, SINCE, UNTIL)
    assert metrics["deployments"] == 1 and metrics["change_failure_rate"] == 1.0
    assert metrics["time_to_restore"]["median"] == 1800.0  # 10:00:10 -> 10:30:10


def test_a_later_deployment_is_not_a_rollback_of_the_earlier_one():
    history = [
        op("rollback to green", "10:31:00", "10:31:10", "succeeded"),
        op("switch to blue (100%)", "10:30:00", "10:30:10", "succeeded"),
        op("switch to green (100%)", "10:00:00", "10:00:10", "succeeded"),
    ]
    metrics = dm.compute(history, SINCE, UNTIL)
    assert metrics["change_failures"] == 1 and metrics["time_to_restore"]["median"] == 60.0


def test_a_force_unlocked_canary_counts_as_aborted_until_the_rollback():
    """As the lock history shows a killed canary removed by a force unlock (with ``by`` and ``reason``)."""
    history = [
        op("rollback to blue", "10:12:00", "10:12:30", "succeeded"),
        op("switch to green (10% > 100%)", "10:00:00", "10:10:00", "force_unlocked", by="bob", reason="killed run"),
    ]
    metrics = dm.compute(history, SINCE, UNTIL)
    assert metrics["deployments"] == 1 and metrics["change_failure_rate"] == 1.0
    assert metrics["time_to_restore"]["median"] == 750.0  # 10:00:00 -> the rollback's end 10:12:30


def test_failed_attempts_unfinished_and_other_kinds_are_not_deployments():
    history = [
        op("switch to green (100%)", "10:00:00", "10:00:01", "failed"),
        op("switch to green (10% > 100%)", "10:05:00", None, None),
        op("deploy 3 to green (ami)", "10:10:00", "10:20:00", "succeeded"),
        op("finalize: scale blue to 0", "10:30:00", "10:31:00", "succeeded"),
        op("force unlock", "10:40:00", "10:40:00", "succeeded"),
    ]
    metrics = dm.compute(history, SINCE, UNTIL)
    assert metrics["deployments"] == 0 and metrics["change_failure_rate"] is None
    assert metrics["failed_attempts"] == 1 and metrics["unfinished"] == 1
    assert metrics["deployment_frequency"]["per_day"] == 0.0
    assert metrics["time_to_restore"] == dict(count=0, median=None, mean=None)


def test_only_operations_started_in_the_period_count():
    metrics = dm.compute(HISTORY, "2026-12-01T11:30:00Z", "2026-12-01T12:30:00Z")
    assert metrics["deployments"] == 1 and metrics["change_failures"] == 1
    assert [o["outcome"] for o in metrics["operations"]] == ["aborted", "succeeded"]


def test_explicit_kind_and_version_fields_win():
    history = [dict(op("release web", "10:00:00", "10:05:00", "succeeded"), kind="deploy", version="9")]
    metrics = dm.compute(history, SINCE, UNTIL, registered_at={"9": "2026-12-01T09:05:00Z"})
    assert metrics["deployments"] == 1 and metrics["lead_time"]["median"] == 3600.0


def test_bad_period_and_times_are_named():
    with pytest.raises(ValueError, match="must end after"):
        dm.compute(HISTORY, UNTIL, SINCE)
    with pytest.raises(ValueError, match="'yesterday'"):
        dm.compute(HISTORY, "yesterday", UNTIL)


def test_metric_data():
    metrics = dm.compute(HISTORY, SINCE, UNTIL, registered_at={"2": "2026-12-01T12:30:00Z"})
    at = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    data = {d["MetricName"]: d for d in dm.metric_data("web", metrics, at)}
    assert data["DeploymentFrequency"]["Value"] == 2.0
    assert data["ChangeFailureRate"] == dict(MetricName="ChangeFailureRate", Value=50.0, Unit="Percent",
                                             Dimensions=[dict(Name="Application", Value="web")], Timestamp=at)
    assert data["LeadTime"]["Value"] == 2400.0 and data["TimeToRestore"]["Value"] == 100.0
    assert data["OperationDuration"]["Value"] == 600.0  # the deploy, the newest finished operation
    assert data["OperationDuration"]["Timestamp"] == datetime(2026, 12, 1, 13, 10, tzinfo=timezone.utc)
    assert "OperationActiveTime" not in data  # the deploy's entry does not say how long it waited
    empty = {d["MetricName"] for d in dm.metric_data("web", dm.compute([], SINCE, UNTIL), at)}
    assert empty == {"DeploymentFrequency", "Deployments"}

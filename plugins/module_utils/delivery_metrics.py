# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Delivery metrics from the lock history: the four key metrics and each operation's time. Pure functions.

Input: history entries as ``bluegreen.aws.deployment_lock_info`` returns
them, ``{operation, holder, acquired_at, released_at, outcome}``, any order.
An entry may also carry ``kind``, ``version``, ``color`` (taken as given),
``waiting_seconds`` or ``steps`` (``[{weight, pause}]``: the pauses are the
waiting time). Otherwise the kind, version and color come from the operation
text the playbooks write:

- ``switch to green (10% > 100%)``                      -> switch
- ``deploy 2 to blue (ami) and switch (100%)``          -> deploy that goes live
- ``deploy 2 to blue (ami)``                            -> delivery only (no production traffic)
- ``deploy 2 (codedeploy blue/green)``                  -> deploy that goes live (CodeDeploy shifts traffic)
- ``rollback to blue``                                  -> rollback
- ``rollback drill (web-green-5xx)``                    -> drill
- ``finalize: scale green to 0``                        -> finalize
- anything else (a force-unlock, ...)                   -> other

Definitions (``docs/JUDGMENT.md``):

- a *deployment* is a switch or a deploy that goes live and reached
  production: outcome succeeded, rolled_back, aborted or force_unlocked (a run
  removed by a force unlock, counted as aborted); ``failed`` means the flow
  stopped before production changed; unfinished runs are not counted;
- *deployment frequency*: successful deployments per day of the period;
- *change failure rate*: deployments rolled back or aborted, or rolled back
  by the next operation that changed production (a rollback), / deployments;
- *time to restore*: from the failed change reaching production (its start
  for a canary, its end for a change rolled back later) to the end of the
  operation that restored the previous color;
- *lead time*: from the version's registration (``registered_at``: image or
  bundle registered) to the end of its first successful deployment;
- per operation: duration = released_at - acquired_at, split into waiting
  (pauses) and active time when the entry says how long it waited.
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone

SWITCH, DEPLOY, DELIVER, ROLLBACK, DRILL, FINALIZE, OTHER = (
    "switch", "deploy", "deliver", "rollback", "drill", "finalize", "other")
LIVE_KINDS = (SWITCH, DEPLOY)
# force_unlocked: the run was removed by a force unlock (a killed canary); counted as aborted.
REACHED_PRODUCTION = ("succeeded", "rolled_back", "aborted", "force_unlocked")
FAILED_CHANGE = ("rolled_back", "aborted", "force_unlocked")
NAMESPACE = "bluegreen.aws"

_PATTERNS = (
    (SWITCH, re.compile(r"^switch to (?P<color>blue|green)\b")),
    (DEPLOY, re.compile(r"^deploy (?P<version>\S+) to (?P<color>blue|green) \([^)]*\) and switch\b")),
    (DELIVER, re.compile(r"^deploy (?P<version>\S+) to (?P<color>blue|green)\b")),
    (DEPLOY, re.compile(r"^deploy (?P<version>\S+) \(codedeploy")),
    (DRILL, re.compile(r"^rollback drill\b")),
    (ROLLBACK, re.compile(r"^rollback to (?P<color>blue|green)\b")),
    (FINALIZE, re.compile(r"^finalize\b")),
)


def parse_time(text):
    """An ISO 8601 UTC time (``2026-11-22T22:40:00Z``, fractions allowed) as an aware datetime; None for None."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def classify(operation):
    """``dict(kind, version, color)`` from an operation's text (unknown parts None)."""
    text = (operation or "").strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            found = match.groupdict()
            return dict(kind=kind, version=found.get("version"), color=found.get("color"))
    return dict(kind=OTHER, version=None, color=None)


def waiting_seconds(entry):
    """Seconds the operation waited (its pauses), or None when the entry does not say."""
    if entry.get("waiting_seconds") is not None:
        return float(entry["waiting_seconds"])
    steps = entry.get("steps")
    if isinstance(steps, list):
        return float(sum(float((step or {}).get("pause") or 0) for step in steps))
    return None


def normalize(entry):
    """One history entry with parsed times, kind/version/color, duration and the active/waiting split."""
    parsed = classify(entry.get("operation"))
    for key in ("kind", "version", "color"):
        if entry.get(key) is not None:
            parsed[key] = str(entry[key])
    acquired, released = parse_time(entry.get("acquired_at")), parse_time(entry.get("released_at"))
    duration = (released - acquired).total_seconds() if acquired and released else None
    waiting = waiting_seconds(entry)
    if waiting is not None and duration is not None:
        waiting = min(waiting, duration)
    active = duration - waiting if duration is not None and waiting is not None else None
    return dict(entry, **parsed, acquired=acquired, released=released, duration=duration, waiting=waiting,
                active=active)


def _median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def _summary(values):
    return dict(count=len(values), median=_median(values), mean=sum(values) / len(values) if values else None)


def _restore(entry, later):
    """``(start, end)`` of the outage a failed deployment caused, or None when it did not fail.

    ``later``: the operations after it, oldest first.
    """
    if entry["outcome"] in FAILED_CHANGE:
        end = entry["released"]
        if entry["outcome"] != "rolled_back":
            for after in later:  # the rollback that aborted it ended the outage
                if after["kind"] == ROLLBACK and after["outcome"] == "succeeded" and after["released"]:
                    end = after["released"]
                    break
        return (entry["acquired"], end) if end else None
    if entry["outcome"] == "succeeded":
        for after in later:  # the next operation that changed production: a rollback undoes this one
            if after["kind"] in LIVE_KINDS and after["outcome"] in REACHED_PRODUCTION:
                return None
            if after["kind"] == ROLLBACK and after["outcome"] == "succeeded" and after["released"]:
                return entry["released"], after["released"]
    return None


def compute(history, since, until, registered_at=None):
    """The delivery metrics of the operations that started in ``[since, until)``.

    ``registered_at``: ``{version: ISO time}`` the image or bundle of a version
    was registered (for the lead time). Returns a dict (see the module's RETURN).
    Raises ValueError naming a bad time or an empty period.
    """
    since, until = parse_time(since), parse_time(until)
    if until <= since:
        raise ValueError(f"the period must end after it starts: {since.isoformat()} - {until.isoformat()}")
    registered = {str(version): parse_time(moment) for version, moment in (registered_at or {}).items()}
    entries = sorted((normalize(e) for e in history if e.get("acquired_at")), key=lambda e: e["acquired"])
    in_period = [e for e in entries if since <= e["acquired"] < until]
    days = (until - since).total_seconds() / 86400.0

    deployments = [e for e in in_period if e["kind"] in LIVE_KINDS and e["outcome"] in REACHED_PRODUCTION]
    successful = [e for e in deployments if e["outcome"] == "succeeded"]
    failures, restores = [], []
    for entry in deployments:
        later = [e for e in entries if e["acquired"] > entry["acquired"]]
        outage = _restore(entry, later)
        if outage:
            failures.append(entry)
            restores.append(max(0.0, (outage[1] - outage[0]).total_seconds()))

    lead_times, seen = [], set()
    for entry in successful:
        version = entry["version"]
        if version in registered and version not in seen and entry["released"]:
            seen.add(version)
            lead_times.append(max(0.0, (entry["released"] - registered[version]).total_seconds()))

    operations = [dict(operation=e.get("operation"), kind=e["kind"], version=e["version"], color=e["color"],
                       holder=e.get("holder"), outcome=e.get("outcome"), acquired_at=e.get("acquired_at"),
                       released_at=e.get("released_at"), duration=e["duration"], active=e["active"],
                       waiting=e["waiting"])
                  for e in in_period]
    return dict(
        since=since.strftime("%Y-%m-%dT%H:%M:%SZ"), until=until.strftime("%Y-%m-%dT%H:%M:%SZ"), days=days,
        operations=operations,
        deployments=len(deployments),
        successful_deployments=len(successful),
        failed_attempts=len([e for e in in_period if e["kind"] in LIVE_KINDS and e["outcome"] == "failed"]),
        unfinished=len([e for e in in_period if not e.get("outcome")]),
        deployment_frequency=dict(per_day=len(successful) / days, per_week=7.0 * len(successful) / days),
        change_failures=len(failures),
        change_failure_rate=(len(failures) / len(deployments)) if deployments else None,
        lead_time=_summary(lead_times),
        time_to_restore=_summary(restores),
    )


def _datum(name, value, unit, dimensions, timestamp):
    return dict(MetricName=name, Dimensions=dimensions, Value=float(value), Unit=unit, Timestamp=timestamp)


def metric_data(application, metrics, timestamp):
    """PutMetricData entries (dimension ``Application``) for ``compute``'s result.

    The four key metrics at ``timestamp`` (those without a value are left out:
    no change failure rate without deployments), and the newest finished
    operation's duration, active and waiting time at its release.
    """
    dimensions = [dict(Name="Application", Value=application)]
    data = [
        _datum("DeploymentFrequency", metrics["deployment_frequency"]["per_day"], "Count", dimensions, timestamp),
        _datum("Deployments", metrics["deployments"], "Count", dimensions, timestamp),
    ]
    if metrics["change_failure_rate"] is not None:
        data.append(_datum("ChangeFailureRate", 100.0 * metrics["change_failure_rate"], "Percent", dimensions,
                           timestamp))
    for name, key in (("LeadTime", "lead_time"), ("TimeToRestore", "time_to_restore")):
        if metrics[key]["median"] is not None:
            data.append(_datum(name, metrics[key]["median"], "Seconds", dimensions, timestamp))
    finished = [op for op in metrics["operations"] if op["released_at"] and op["duration"] is not None]
    if finished:
        last = max(finished, key=lambda op: parse_time(op["released_at"]))
        at = parse_time(last["released_at"])
        data.append(_datum("OperationDuration", last["duration"], "Seconds", dimensions, at))
        for name, key in (("OperationActiveTime", "active"), ("OperationWaitingTime", "waiting")):
            if last[key] is not None:
                data.append(_datum(name, last[key], "Seconds", dimensions, at))
    return data

# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The canary judgment: canary color against baseline (live) color, per metric. Pure functions.

For each metric the verdict is ``pass``, ``fail`` or ``inconclusive``, with its
evidence (both values, the p-value and the confidence reached):

- ``error_rate``: HTTPCode_Target_5XX_Count / RequestCount summed over the
  window, compared with a one-sided two-proportion test;
- ``latency``: the per-period TargetResponseTime values of each color,
  compared with a one-sided Mann-Whitney U test.

A metric fails only when the canary is worse with the required confidence
*and* by more than the margin (the effect size: a relative increase of the
error rate, a ratio of the median latencies), so a tiny shift does not fail.
Too few requests or samples, or no data at all, is ``inconclusive``: no data
is never a pass. The caller decides what an inconclusive judgment means
(``decide``).

Also here: the GetMetricData queries for both colors and the reading of their
results, and the dimension values of an ALB and its target groups.
"""

from __future__ import annotations

import math
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from ansible_collections.bluegreen.aws.plugins.module_utils import statistics

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
ERROR_RATE, LATENCY = "error_rate", "latency"
METRICS = (ERROR_RATE, LATENCY)
NAMESPACE = "AWS/ApplicationELB"
LATENCY_STATISTICS = ("Average", "Maximum", "p50", "p90", "p95", "p99")


class JudgmentError(ValueError):
    """Judgment options the judgment must not start with."""


def validate(confidence, error_rate_margin, latency_margin, min_requests, min_samples, period, metrics,
             latency_statistic):
    """Raises JudgmentError naming the bad value; returns None when the judgment may run."""
    if not 0.5 <= confidence < 1:
        raise JudgmentError(f"confidence must be at least 0.5 and below 1 (e.g. 0.95), got {confidence!r}")
    for name, value in (("error_rate_margin", error_rate_margin), ("latency_margin", latency_margin)):
        if value < 0:
            raise JudgmentError(f"{name} must be 0 or more (a relative increase, 0.2 = +20%), got {value!r}")
    if min_requests < 1:
        raise JudgmentError(f"min_requests must be at least 1 (no data is never a pass), got {min_requests!r}")
    if min_samples < 2:
        raise JudgmentError(f"min_samples must be at least 2 per color, got {min_samples!r}")
    if period < 1 or (period >= 60 and period % 60) or (period < 60 and 60 % period):
        raise JudgmentError(f"period must be 1, 5, 10, 30 or a multiple of 60 seconds, got {period!r}")
    if not metrics:
        raise JudgmentError("metrics must name at least one of " + ", ".join(METRICS))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise JudgmentError(f"metrics: unknown {', '.join(map(repr, unknown))}; known: {', '.join(METRICS)}")
    if latency_statistic not in LATENCY_STATISTICS:
        raise JudgmentError(f"latency_statistic must be one of {', '.join(LATENCY_STATISTICS)}, "
                            f"got {latency_statistic!r}")


def _evidence(metric, canary, baseline, confidence, margin, **extra):
    return dict(metric=metric, canary=canary, baseline=baseline, required_confidence=confidence, margin=margin,
                p_value=None, confidence=None, effect=None, **extra)


def _alpha(confidence):
    """The significance level: 1 - confidence, without float noise (1 - 0.95 is 0.05000000000000004)."""
    return round(1.0 - confidence, 12)


def _ratio(canary, baseline):
    """canary / baseline; None when the baseline is 0 (any canary value above 0 is then an infinite increase)."""
    if baseline > 0:
        return canary / baseline
    return None if canary > 0 else 1.0


def _beyond_margin(canary, baseline, margin):
    return canary > baseline * (1.0 + margin) if baseline > 0 else canary > 0


def _percent(value):
    return f"{100.0 * value:.2f}%"


def judge_error_rate(canary_errors, canary_requests, baseline_errors, baseline_requests, confidence=0.95,
                     margin=0.2, min_requests=100):
    """Verdict and evidence for the error rate; ``canary``/``baseline`` in the evidence are rates (0..1)."""
    counts = dict(canary_errors=canary_errors, canary_requests=canary_requests,
                  baseline_errors=baseline_errors, baseline_requests=baseline_requests)
    canary_rate = canary_errors / canary_requests if canary_requests else None
    baseline_rate = baseline_errors / baseline_requests if baseline_requests else None
    evidence = _evidence(ERROR_RATE, canary_rate, baseline_rate, confidence, margin, **counts)
    if canary_requests < min_requests or baseline_requests < min_requests:
        return dict(evidence, verdict=INCONCLUSIVE, reason=(
            f"too few requests: canary {canary_requests:g}, baseline {baseline_requests:g}; "
            f"at least {min_requests} each are needed"))
    if canary_errors > canary_requests or baseline_errors > baseline_requests:
        return dict(evidence, verdict=INCONCLUSIVE, reason=(
            f"more errors than requests (canary {canary_errors:g}/{canary_requests:g}, baseline "
            f"{baseline_errors:g}/{baseline_requests:g}): the metrics do not cover the same window"))
    test = statistics.two_proportion_test(canary_errors, canary_requests, baseline_errors, baseline_requests)
    effect = _ratio(canary_rate, baseline_rate)
    evidence.update(p_value=test["p_value"], confidence=1.0 - test["p_value"], effect=effect, z=test["z"])
    significant = test["p_value"] < _alpha(confidence)
    if significant and _beyond_margin(canary_rate, baseline_rate, margin):
        return dict(evidence, verdict=FAIL, reason=(
            f"canary error rate {_percent(canary_rate)} > baseline {_percent(baseline_rate)} "
            f"by more than the margin (+{margin:.0%}), at "
            f"{confidence_text(evidence['confidence'], evidence['p_value'])} confidence"))
    why = "not significantly higher" if not significant else f"higher, but within the margin (+{margin:.0%})"
    return dict(evidence, verdict=PASS, reason=(
        f"canary error rate {_percent(canary_rate)} vs baseline {_percent(baseline_rate)}: {why}"))


def judge_latency(canary_samples, baseline_samples, confidence=0.95, margin=0.2, min_samples=5):
    """Verdict and evidence for the latency; ``canary``/``baseline`` in the evidence are the samples' medians."""
    canary_samples = [float(v) for v in canary_samples]
    baseline_samples = [float(v) for v in baseline_samples]
    canary = statistics.median(canary_samples) if canary_samples else None
    baseline = statistics.median(baseline_samples) if baseline_samples else None
    evidence = _evidence(LATENCY, canary, baseline, confidence, margin,
                         canary_samples=len(canary_samples), baseline_samples=len(baseline_samples))
    if len(canary_samples) < min_samples or len(baseline_samples) < min_samples:
        return dict(evidence, verdict=INCONCLUSIVE, reason=(
            f"too few samples: canary {len(canary_samples)}, baseline {len(baseline_samples)}; "
            f"at least {min_samples} each are needed"))
    test = statistics.mann_whitney_u(canary_samples, baseline_samples)
    evidence.update(p_value=test["p_value"], confidence=1.0 - test["p_value"], effect=_ratio(canary, baseline),
                    u=test["u1"], method=test["method"])
    alpha = _alpha(confidence)
    smallest_p = statistics.minimum_exact_p(len(canary_samples), len(baseline_samples))
    if test["method"] == statistics.EXACT and smallest_p >= alpha:
        return dict(evidence, verdict=INCONCLUSIVE, reason=(
            f"{len(canary_samples)} and {len(baseline_samples)} samples can never reach "
            f"{confidence:.0%} confidence; a longer window gives more samples"))
    significant = test["p_value"] < alpha
    if significant and _beyond_margin(canary, baseline, margin):
        return dict(evidence, verdict=FAIL, reason=(
            f"canary latency (median {canary:.3f} s) > baseline (median {baseline:.3f} s) by more than the "
            f"margin (+{margin:.0%}), at {confidence_text(evidence['confidence'], evidence['p_value'])} confidence"))
    why = "not significantly higher" if not significant else f"higher, but within the margin (+{margin:.0%})"
    return dict(evidence, verdict=PASS, reason=(
        f"canary latency median {canary:.3f} s vs baseline {baseline:.3f} s: {why}"))


def combine(judgments):
    """The overall verdict: fail if any metric fails, else inconclusive if any is, else pass (none: inconclusive)."""
    verdicts = [j["verdict"] for j in judgments]
    if FAIL in verdicts:
        return FAIL
    if INCONCLUSIVE in verdicts or not verdicts:
        return INCONCLUSIVE
    return PASS


def decide(verdict, inconclusive):
    """``pass`` or ``fail``: an inconclusive verdict counts as ``inconclusive`` says (pass or fail)."""
    if inconclusive not in (PASS, FAIL):
        raise JudgmentError(f"inconclusive must be pass or fail, got {inconclusive!r}")
    return inconclusive if verdict == INCONCLUSIVE else verdict


def _value(judgment, which):
    value = judgment[which]
    if value is None:
        return "no data"
    if judgment["metric"] == ERROR_RATE:
        return f"{_percent(value)} ({judgment[which + '_errors']:g}/{judgment[which + '_requests']:g})"
    return f"{value:.3f} s"


def confidence_text(confidence, p_value):
    """``99.93% (p=0.0007)``; above 99.99% as ``>99.99%`` (a rounded 100% would claim certainty)."""
    if confidence is None:
        return "n/a (no test)"
    shown = ">99.99%" if confidence > 0.9999 else _percent(confidence)
    return f"{shown} (p={p_value:.2g})"


def describe(judgment, canary_color, baseline_color):
    """One line: metric, verdict, both values, confidence reached and required."""
    reached = confidence_text(judgment["confidence"], judgment["p_value"])
    return (f"{judgment['metric']} {judgment['verdict']}: canary {canary_color} {_value(judgment, 'canary')}, "
            f"baseline {baseline_color} {_value(judgment, 'baseline')}, confidence {reached} "
            f"(required {judgment['required_confidence']:.0%}, margin +{judgment['margin']:.0%})")


def failure_message(judgments, decision_verdict, canary_color, baseline_color):
    """Why the judgment says fail: every metric that failed (or was inconclusive, when that counts as fail)."""
    failed = [j for j in judgments if j["verdict"] == FAIL]
    if not failed and decision_verdict == FAIL:
        failed = [j for j in judgments if j["verdict"] == INCONCLUSIVE]
        lead = "Canary judgment inconclusive (counted as fail)"
    else:
        lead = "Canary judgment failed"
    return lead + ": " + "; ".join(describe(j, canary_color, baseline_color) + f" - {j['reason']}" for j in failed)


# --- Reading the metrics -------------------------------------------------------


def load_balancer_dimension(arn):
    """``app/<name>/<id>``, the LoadBalancer dimension of an ALB's metrics, from its ARN."""
    marker = ":loadbalancer/"
    if marker not in arn:
        raise JudgmentError(f"not a load balancer ARN: {arn!r}")
    return arn.split(marker, 1)[1]


def target_group_dimension(arn):
    """``targetgroup/<name>/<id>``, the TargetGroup dimension, from the target group's ARN."""
    tail = arn.rsplit(":", 1)[-1]
    if not tail.startswith("targetgroup/"):
        raise JudgmentError(f"not a target group ARN: {arn!r}")
    return tail


def metric_queries(load_balancer, target_groups, period, latency_statistic="Average"):
    """GetMetricData queries for each ``{role: target group dimension}`` (roles: canary, baseline)."""
    queries = []
    for role, target_group in sorted(target_groups.items()):
        dimensions = [dict(Name="LoadBalancer", Value=load_balancer), dict(Name="TargetGroup", Value=target_group)]
        for key, metric, stat in (("requests", "RequestCount", "Sum"), ("errors", "HTTPCode_Target_5XX_Count", "Sum"),
                                  ("latency", "TargetResponseTime", latency_statistic)):
            queries.append(dict(
                Id=f"{key}_{role}",
                MetricStat=dict(Metric=dict(Namespace=NAMESPACE, MetricName=metric, Dimensions=dimensions),
                                Period=period, Stat=stat),
                ReturnData=True,
            ))
    return queries


def read_results(results, roles):
    """``{role: dict(requests, errors, latency: [values], periods)}`` from GetMetricData's MetricDataResults.

    CloudWatch publishes HTTPCode_Target_5XX_Count only for minutes with
    errors, so no error datapoint counts as 0 errors; RequestCount without
    datapoints means no requests (no data).
    """
    by_id = {}
    for result in results:
        by_id.setdefault(result["Id"], []).extend(v for v in result.get("Values", []) if not math.isnan(v))
    read = {}
    for role in roles:
        requests = by_id.get(f"requests_{role}", [])
        read[role] = dict(
            requests=sum(requests),
            errors=sum(by_id.get(f"errors_{role}", [])),
            latency=by_id.get(f"latency_{role}", []),
            periods=len(requests),
        )
    return read


def judge(read, metrics, confidence, error_rate_margin, latency_margin, min_requests, min_samples):
    """One judgment per metric asked for, from ``read_results`` (roles canary and baseline)."""
    canary, baseline = read["canary"], read["baseline"]
    judgments = []
    if ERROR_RATE in metrics:
        judgments.append(judge_error_rate(canary["errors"], canary["requests"], baseline["errors"],
                                          baseline["requests"], confidence, error_rate_margin, min_requests))
    if LATENCY in metrics:
        judgments.append(judge_latency(canary["latency"], baseline["latency"], confidence, latency_margin,
                                       min_samples))
    return judgments


def parse_time(text, name):
    """An ISO 8601 time (``2026-12-02T07:30:00Z``; without a zone: UTC) as an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (AttributeError, ValueError):
        raise JudgmentError(f"{name} must be an ISO 8601 time like 2026-12-02T07:30:00Z, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def time_window(now, window_seconds=None, start_time=None, end_time=None, period=60):
    """``(start, end)``: the last ``window_seconds`` before ``now``, or ``start_time`` to ``end_time`` (default now).

    Raises JudgmentError when the window is empty, in the future or shorter than one period.
    """
    if window_seconds is not None:
        if window_seconds < period:
            raise JudgmentError(f"window_seconds must be at least one period ({period} s), got {window_seconds!r}")
        return now - timedelta(seconds=window_seconds), now
    if start_time is None:
        raise JudgmentError("give window_seconds, or start_time (and optionally end_time)")
    start = parse_time(start_time, "start_time")
    end = parse_time(end_time, "end_time") if end_time else now
    if end <= start:
        raise JudgmentError(f"end_time {end_time or 'now'} must be after start_time {start_time}")
    if (end - start).total_seconds() < period:
        raise JudgmentError(f"the window {start_time} - {end_time or 'now'} is shorter than one period ({period} s)")
    return start, end

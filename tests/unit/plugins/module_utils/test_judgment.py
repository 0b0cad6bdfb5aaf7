"""judgment.py: per-metric verdicts on synthetic series whose answer is known."""

from __future__ import annotations

import random
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import judgment

OPTIONS = dict(confidence=0.95, error_rate_margin=0.2, latency_margin=0.2, min_requests=100, min_samples=5,
               period=60, metrics=["error_rate", "latency"], latency_statistic="Average")


def test_three_times_the_error_rate_fails_naming_both_rates():
    result = judgment.judge_error_rate(30, 1000, 10, 1000)
    assert result["verdict"] == "fail"
    assert result["canary"] == pytest.approx(0.03) and result["baseline"] == pytest.approx(0.01)
    assert result["confidence"] > 0.999
    assert result["effect"] == pytest.approx(3.0)
    line = judgment.describe(result, "green", "blue")
    assert "error_rate fail" in line and "3.00% (30/1000)" in line and "1.00% (10/1000)" in line
    assert "required 95%" in line


def test_equal_rates_pass():
    assert judgment.judge_error_rate(10, 1000, 10, 1000)["verdict"] == "pass"
    assert judgment.judge_error_rate(0, 1000, 0, 1000)["verdict"] == "pass"


def test_significant_but_within_margin_passes():
    """1.10% against 1.00% over a million requests each: significant, but +10% is within the +20% margin."""
    result = judgment.judge_error_rate(11000, 1_000_000, 10000, 1_000_000, margin=0.2)
    assert result["confidence"] > 0.99
    assert result["verdict"] == "pass" and "within the margin" in result["reason"]
    assert judgment.judge_error_rate(11000, 1_000_000, 10000, 1_000_000, margin=0.05)["verdict"] == "fail"


def test_new_errors_against_a_clean_baseline_fail_only_when_significant():
    assert judgment.judge_error_rate(25, 2000, 0, 2000)["verdict"] == "fail"
    assert judgment.judge_error_rate(1, 200, 0, 200)["verdict"] == "pass"


@pytest.mark.parametrize("canary, baseline", [((0, 0), (0, 0)), ((0, 0), (5, 1000)), ((3, 50), (10, 1000))])
def test_too_few_requests_or_no_data_is_inconclusive(canary, baseline):
    result = judgment.judge_error_rate(*canary, *baseline, min_requests=100)
    assert result["verdict"] == "inconclusive" and "too few requests" in result["reason"]


def test_no_data_is_never_a_pass_even_at_min_requests_1():
    assert judgment.judge_error_rate(0, 0, 0, 0, min_requests=1)["verdict"] == "inconclusive"
    assert judgment.judge_latency([], [], min_samples=2)["verdict"] == "inconclusive"


def test_more_errors_than_requests_is_inconclusive():
    assert judgment.judge_error_rate(150, 120, 1, 1000)["verdict"] == "inconclusive"


def _latencies(seed, n, center, spread=0.01):
    rng = random.Random(seed)
    return [rng.gauss(center, spread) for _index in range(n)]


def test_slower_canary_fails_naming_both_medians():
    result = judgment.judge_latency(_latencies(1, 10, 0.30), _latencies(2, 10, 0.20))
    assert result["verdict"] == "fail"
    assert result["canary"] == pytest.approx(0.30, abs=0.02) and result["baseline"] == pytest.approx(0.20, abs=0.02)
    assert "latency fail" in judgment.describe(result, "green", "blue")


def test_same_latency_passes():
    assert judgment.judge_latency(_latencies(3, 10, 0.20), _latencies(4, 10, 0.20))["verdict"] == "pass"


def test_slightly_slower_within_margin_passes():
    """+5% is significant over 60 samples of little spread, but within the +20% margin."""
    result = judgment.judge_latency(_latencies(5, 60, 0.210, 0.002), _latencies(6, 60, 0.200, 0.002))
    assert result["confidence"] > 0.99 and result["verdict"] == "pass"


def test_too_few_samples_is_inconclusive():
    result = judgment.judge_latency([0.5, 0.6, 0.7], [0.1, 0.1, 0.2, 0.2, 0.1], min_samples=5)
    assert result["verdict"] == "inconclusive" and "too few samples" in result["reason"]


def test_samples_that_cannot_reach_the_confidence_are_inconclusive():
    """3 and 3 values: the exact test's smallest p is 1/20 = 0.05, never below 0.05."""
    result = judgment.judge_latency([0.5, 0.6, 0.7], [0.1, 0.2, 0.3], min_samples=3)
    assert result["verdict"] == "inconclusive" and "can never reach" in result["reason"]


def test_combine_and_decide():
    p, f, i = (dict(verdict=v) for v in ("pass", "fail", "inconclusive"))
    assert judgment.combine([p, p]) == "pass"
    assert judgment.combine([p, i]) == "inconclusive"
    assert judgment.combine([i, f]) == "fail"
    assert judgment.combine([]) == "inconclusive"
    assert judgment.decide("inconclusive", "pass") == "pass"
    assert judgment.decide("inconclusive", "fail") == "fail"
    assert judgment.decide("fail", "pass") == "fail"
    with pytest.raises(judgment.JudgmentError, match="inconclusive"):
        judgment.decide("pass", "maybe")


def test_failure_message_names_metric_values_confidence():
    failed = judgment.judge_error_rate(30, 1000, 10, 1000)
    message = judgment.failure_message([failed, judgment.judge_latency([0.2] * 5, [0.2] * 5)], "fail", "green", "blue")
    assert message.startswith("Canary judgment failed: error_rate fail")
    assert "canary green 3.00%" in message and "baseline blue 1.00%" in message and "confidence 99.9" in message
    assert "latency" not in message
    inconclusive = judgment.judge_error_rate(0, 0, 0, 0)
    message = judgment.failure_message([inconclusive], "fail", "green", "blue")
    assert "inconclusive (counted as fail)" in message and "no data" in message


@pytest.mark.parametrize("change, word", [
    (dict(confidence=1.0), "confidence"), (dict(confidence=0.3), "confidence"),
    (dict(error_rate_margin=-0.1), "error_rate_margin"), (dict(latency_margin=-1), "latency_margin"),
    (dict(min_requests=0), "min_requests"), (dict(min_samples=1), "min_samples"), (dict(period=90), "period"),
    (dict(period=7), "period"), (dict(metrics=[]), "metrics"), (dict(metrics=["cpu"]), "'cpu'"),
    (dict(latency_statistic="p42"), "latency_statistic"),
])
def test_validate_names_the_bad_value(change, word):
    with pytest.raises(judgment.JudgmentError, match=word):
        judgment.validate(**dict(OPTIONS, **change))


def test_validate_accepts_defaults():
    judgment.validate(**OPTIONS)
    judgment.validate(**{**OPTIONS, "period": 300})
    judgment.validate(**{**OPTIONS, "period": 10})


def test_dimensions_from_arns():
    lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188"
    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/73e2d6bc24d8a067"
    assert judgment.load_balancer_dimension(lb) == "app/web-alb/50dc6c495c0c9188"
    assert judgment.target_group_dimension(tg) == "targetgroup/web-green/73e2d6bc24d8a067"
    with pytest.raises(judgment.JudgmentError, match="target group ARN"):
        judgment.target_group_dimension(lb)
    with pytest.raises(judgment.JudgmentError, match="load balancer ARN"):
        judgment.load_balancer_dimension(tg)


def test_queries_and_results():
    queries = judgment.metric_queries("app/web-alb/1", dict(canary="targetgroup/g/2", baseline="targetgroup/b/3"),
                                      60, "p90")
    assert {q["Id"] for q in queries} == {f"{k}_{r}" for k in ("requests", "errors", "latency")
                                          for r in ("canary", "baseline")}
    latency = next(q for q in queries if q["Id"] == "latency_canary")["MetricStat"]
    assert latency["Stat"] == "p90" and latency["Period"] == 60
    assert {"Name": "TargetGroup", "Value": "targetgroup/g/2"} in latency["Metric"]["Dimensions"]
    results = [
        dict(Id="requests_canary", Values=[500.0, 500.0]), dict(Id="errors_canary", Values=[15.0]),
        dict(Id="latency_canary", Values=[0.2, 0.3, float("nan")]), dict(Id="requests_baseline", Values=[]),
    ]
    read = judgment.read_results(results, ("canary", "baseline"))
    assert read["canary"] == dict(requests=1000.0, errors=15.0, latency=[0.2, 0.3], periods=2)
    assert read["baseline"] == dict(requests=0, errors=0, latency=[], periods=0)
    verdicts = judgment.judge(read, ["error_rate", "latency"], 0.95, 0.2, 0.2, 100, 5)
    assert [v["verdict"] for v in verdicts] == ["inconclusive", "inconclusive"]


NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def test_time_window():
    assert judgment.time_window(NOW, window_seconds=300) == (NOW - timedelta(seconds=300), NOW)
    start, end = judgment.time_window(NOW, start_time="2026-12-02T07:50:00Z", end_time="2026-12-02T07:55:00+00:00")
    assert (start.minute, end.minute) == (50, 55) and start.tzinfo is not None
    assert judgment.time_window(NOW, start_time="2026-12-02T07:50:00")[1] == NOW


@pytest.mark.parametrize("kwargs, word", [
    (dict(window_seconds=30), "window_seconds"), (dict(), "window_seconds, or start_time"),
    (dict(start_time="yesterday"), "start_time must be an ISO 8601"),
    (dict(start_time="2026-12-02T07:50:00Z", end_time="2026-12-02T07:40:00Z"), "must be after"),
    (dict(start_time="2026-12-02T07:59:30Z"), "shorter than one period"),
])
def test_time_window_refuses(kwargs, word):
    with pytest.raises(judgment.JudgmentError, match=word):
        judgment.time_window(NOW, **kwargs)

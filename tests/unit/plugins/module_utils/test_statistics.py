"""statistics.py: the two-proportion test and Mann-Whitney U, on series whose answer is known.

scipy is the reference implementation here, in the tests only (the collection
does not need it): U and p are compared with ``scipy.stats.mannwhitneyu``, the
z test of two proportions with ``scipy.stats.chi2_contingency`` (without
Yates' correction its chi-square is z squared).
"""

from __future__ import annotations

import math
import random

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils import statistics

scipy_stats = pytest.importorskip("scipy.stats")


def test_normal_sf_known_values():
    assert statistics.normal_sf(0) == pytest.approx(0.5)
    assert statistics.normal_sf(1.959963984540054) == pytest.approx(0.025, rel=1e-9)
    assert statistics.normal_sf(-1.6448536269514722) == pytest.approx(0.95, rel=1e-9)
    for z in (-3.2, -0.4, 0.7, 2.5, 6.0):
        assert statistics.normal_sf(z) == pytest.approx(scipy_stats.norm.sf(z), rel=1e-12)


# --- two proportions -------------------------------------------------------------


def test_two_proportion_textbook_example():
    """30/1000 against 10/1000: pooled p 0.02, z = 0.02 / sqrt(0.02*0.98*0.002) = 3.194."""
    result = statistics.two_proportion_test(30, 1000, 10, 1000)
    assert result["z"] == pytest.approx(0.02 / math.sqrt(0.02 * 0.98 * 0.002))
    assert result["z"] == pytest.approx(3.1944, abs=1e-4)
    assert result["p_value"] == pytest.approx(0.000700, abs=2e-6)


@pytest.mark.parametrize("a, n_a, b, n_b", [
    (30, 1000, 10, 1000), (12, 400, 9, 420), (0, 500, 3, 600), (55, 5000, 50, 5000), (7, 90, 1, 110),
    (200, 1000, 150, 900),
])
def test_two_proportion_matches_scipy(a, n_a, b, n_b):
    result = statistics.two_proportion_test(a, n_a, b, n_b)
    reference = scipy_stats.chi2_contingency([[a, n_a - a], [b, n_b - b]], correction=False)
    chi2, p_two_sided = reference[0], reference[1]
    assert result["z"] ** 2 == pytest.approx(chi2, rel=1e-9)
    expected_one_sided = p_two_sided / 2 if result["z"] > 0 else 1 - p_two_sided / 2
    assert result["p_value"] == pytest.approx(expected_one_sided, rel=1e-7, abs=1e-15)
    two_sided = statistics.two_proportion_test(a, n_a, b, n_b, alternative="two-sided")
    assert two_sided["p_value"] == pytest.approx(p_two_sided, rel=1e-7, abs=1e-15)


def test_two_proportion_without_variance_is_no_evidence():
    assert statistics.two_proportion_test(0, 100, 0, 100)["p_value"] == 1.0
    assert statistics.two_proportion_test(100, 100, 50, 50)["p_value"] == 1.0


def test_two_proportion_lower_canary_is_not_worse():
    assert statistics.two_proportion_test(5, 1000, 30, 1000)["p_value"] > 0.99


@pytest.mark.parametrize("args, word", [
    ((-1, 10, 0, 10), "successes_a"), ((1, 0, 0, 10), "trials"), ((11, 10, 0, 10), "exceed"),
    ((1, 10, True, 10), "successes_b"),
])
def test_two_proportion_refuses_bad_counts(args, word):
    with pytest.raises(ValueError, match=word):
        statistics.two_proportion_test(*args)


# --- Mann-Whitney U ---------------------------------------------------------------


def test_ranks_average_ties():
    ranks, ties = statistics.rank_with_ties([3.0, 1.0, 3.0, 2.0, 3.0])
    assert ranks == [4.0, 1.0, 4.0, 2.0, 4.0]
    assert ties == [3]


def test_u_distribution_small_case_by_hand():
    """m = n = 2: orderings xxyy.. give U = 0,1,2,2,3,4: counts [1, 1, 2, 1, 1], 6 in all."""
    assert statistics.u_distribution(2, 2) == [1, 1, 2, 1, 1]
    assert sum(statistics.u_distribution(5, 7)) == math.comb(12, 5)
    assert statistics.u_distribution(3, 6) == statistics.u_distribution(6, 3)


def test_u_separated_samples():
    """Every canary value above every baseline value: U1 = n1 * n2, exact p = 1 / C(n1+n2, n1)."""
    result = statistics.mann_whitney_u([10, 11, 12, 13, 14], [1, 2, 3, 4, 5])
    assert result["u1"] == 25 and result["u2"] == 0
    assert result["method"] == "exact"
    assert result["p_value"] == pytest.approx(1 / 252)


def test_u_identical_samples_are_no_evidence():
    result = statistics.mann_whitney_u([0.2] * 10, [0.2] * 12)
    assert result["p_value"] == 1.0


def _samples(seed, n1, n2, shift, tie_round=None):
    rng = random.Random(seed)
    x = [rng.gauss(0.20 + shift, 0.03) for _index in range(n1)]
    y = [rng.gauss(0.20, 0.03) for _index in range(n2)]
    if tie_round is not None:
        x, y = [round(v, tie_round) for v in x], [round(v, tie_round) for v in y]
    return x, y


@pytest.mark.parametrize("seed, n1, n2, shift, tie_round", [
    (1, 30, 25, 0.0, None), (2, 40, 40, 0.02, None), (3, 12, 15, 0.05, None), (4, 60, 50, 0.01, 2),
    (5, 20, 20, 0.0, 2), (6, 9, 30, -0.02, 2), (7, 100, 80, 0.005, 3),
])
@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_u_asymptotic_matches_scipy(seed, n1, n2, shift, tie_round, alternative):
    x, y = _samples(seed, n1, n2, shift, tie_round)
    ours = statistics.mann_whitney_u(x, y, alternative=alternative, method="asymptotic")
    theirs = scipy_stats.mannwhitneyu(x, y, alternative=alternative, method="asymptotic", use_continuity=True)
    assert ours["u1"] == pytest.approx(float(theirs.statistic))
    assert ours["p_value"] == pytest.approx(float(theirs.pvalue), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("seed, n1, n2, shift", [
    (11, 3, 4, 0.05), (12, 5, 5, 0.02), (13, 6, 8, 0.0), (14, 8, 20, 0.03), (15, 4, 30, -0.01), (16, 2, 2, 0.1),
])
@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_u_exact_matches_scipy(seed, n1, n2, shift, alternative):
    x, y = _samples(seed, n1, n2, shift)
    ours = statistics.mann_whitney_u(x, y, alternative=alternative)
    theirs = scipy_stats.mannwhitneyu(x, y, alternative=alternative, method="exact")
    assert ours["method"] == "exact"
    assert ours["u1"] == pytest.approx(float(theirs.statistic))
    assert ours["p_value"] == pytest.approx(float(theirs.pvalue), rel=1e-9)


def test_u_auto_chooses_like_scipy():
    """Ties or two samples above 8 values: asymptotic; else exact (scipy's method='auto')."""
    x, y = _samples(21, 9, 9, 0.01)
    assert statistics.mann_whitney_u(x, y)["method"] == "asymptotic"
    assert statistics.mann_whitney_u([1, 2, 2, 3], [1, 5, 6])["method"] == "asymptotic"
    for x, y in ((_samples(22, 9, 9, 0.01)), ([1, 2, 2, 3], [1, 5, 6]), (_samples(23, 5, 40, 0.0))):
        assert statistics.mann_whitney_u(x, y)["p_value"] == pytest.approx(
            float(scipy_stats.mannwhitneyu(x, y, alternative="greater").pvalue), rel=1e-9)


def test_u_exact_refuses_ties():
    with pytest.raises(ValueError, match="ties"):
        statistics.mann_whitney_u([1, 2, 2], [3, 4], method="exact")


@pytest.mark.parametrize("x, y, word", [
    ([], [1], "both samples"), ([1, "a"], [2], "numbers"), ([1, float("nan")], [2], "numbers"),
])
def test_u_refuses_bad_samples(x, y, word):
    with pytest.raises(ValueError, match=word):
        statistics.mann_whitney_u(x, y)


def test_minimum_exact_p():
    assert statistics.minimum_exact_p(3, 3) == pytest.approx(0.05)
    assert statistics.minimum_exact_p(4, 4) == pytest.approx(1 / 70)
    assert statistics.minimum_exact_p(4, 4, "two-sided") == pytest.approx(2 / 70)

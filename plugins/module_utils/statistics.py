# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Significance tests for the canary judgment, in plain Python (no scipy, no numpy).

Pure functions. Both tests are one-sided by default: "is the canary worse than
the baseline?" A small p-value says the canary's values are unlikely to come
from the same distribution as the baseline's *and* lie above them.

- ``two_proportion_test``: errors out of requests, canary vs baseline; pooled
  normal approximation (the z test of two proportions).
- ``mann_whitney_u``: two independent samples (e.g. per-minute response
  times); ranks with ties averaged, the normal approximation with tie and
  continuity correction, or the exact distribution of U for small samples
  without ties.

p-values come from the standard normal's survival function via ``math.erfc``.
"""

from __future__ import annotations

import math

GREATER, LESS, TWO_SIDED = "greater", "less", "two-sided"
ALTERNATIVES = (GREATER, LESS, TWO_SIDED)
EXACT, ASYMPTOTIC, AUTO = "exact", "asymptotic", "auto"
# Above this (both samples larger), or with ties, AUTO uses the normal approximation (as scipy does).
EXACT_MAX_SMALLER_SAMPLE = 8


def normal_sf(z):
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _check_alternative(alternative):
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}, got {alternative!r}")


def _p_from_z(z, alternative):
    if alternative == GREATER:
        return normal_sf(z)
    if alternative == LESS:
        return normal_sf(-z)
    return min(1.0, 2.0 * normal_sf(abs(z)))


def two_proportion_test(successes_a, trials_a, successes_b, trials_b, alternative=GREATER):
    """Is the proportion of sample a (canary: errors/requests) above that of sample b (baseline)?

    Returns ``dict(p_a, p_b, z, p_value)``. The variance uses the pooled
    proportion, as under the null hypothesis p_a == p_b. When there is no
    variance at all (no errors anywhere, or only errors), there is no
    evidence of a difference: ``z`` 0 and ``p_value`` 1 for a one-sided test.
    Raises ValueError naming the bad count.
    """
    _check_alternative(alternative)
    for name, value in (("successes_a", successes_a), ("trials_a", trials_a),
                        ("successes_b", successes_b), ("trials_b", trials_b)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
            raise ValueError(f"{name} must be a count, 0 or more, got {value!r}")
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError(f"both samples need trials, got trials_a={trials_a!r}, trials_b={trials_b!r}")
    if successes_a > trials_a or successes_b > trials_b:
        raise ValueError(f"successes cannot exceed trials: {successes_a}/{trials_a}, {successes_b}/{trials_b}")
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    variance = pooled * (1.0 - pooled) * (1.0 / trials_a + 1.0 / trials_b)
    if variance <= 0:
        return dict(p_a=p_a, p_b=p_b, z=0.0, p_value=1.0)
    z = (p_a - p_b) / math.sqrt(variance)
    return dict(p_a=p_a, p_b=p_b, z=z, p_value=_p_from_z(z, alternative))


def rank_with_ties(values):
    """Ranks 1..n of ``values`` (ties get the average of their ranks) and the sizes of the tie groups (> 1)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2.0 + 1.0
        for position in range(start, end + 1):
            ranks[order[position]] = average
        if end > start:
            ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


def u_distribution(m, n):
    """How many of the C(m+n, m) orderings give U = 0, 1, ..., m*n (no ties).

    The counts are the coefficients of the Gaussian binomial coefficient
    [m+n choose m](q) = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i): multiply by
    each numerator term, then divide by each denominator term (a running sum).
    """
    m, n = min(m, n), max(m, n)
    size = m * n + 1
    counts = [0] * size  # power series: the coefficients up to m*n do not depend on any higher one
    counts[0] = 1
    for i in range(1, m + 1):
        shift = n + i
        for k in range(len(counts) - 1, shift - 1, -1):
            counts[k] -= counts[k - shift]
        for k in range(i, len(counts)):
            counts[k] += counts[k - i]
    return counts[:size]


def _exact_sf(u, m, n):
    """P(U >= u) under the null hypothesis, exactly (no ties)."""
    counts = u_distribution(m, n)
    total = math.comb(m + n, m)
    start = max(0, math.ceil(u - 1e-9))
    return sum(counts[start:]) / total


def minimum_exact_p(m, n, alternative=GREATER):
    """The smallest p-value an exact test on samples of m and n values can give."""
    smallest = 1.0 / math.comb(m + n, m)
    return smallest if alternative != TWO_SIDED else min(1.0, 2.0 * smallest)


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


median = _median


def mann_whitney_u(x, y, alternative=GREATER, method=AUTO, continuity=True):
    """Mann-Whitney U test: do the values of ``x`` (canary) tend to be larger than those of ``y`` (baseline)?

    Returns ``dict(u1, u2, z, p_value, method, n1, n2, ties)``. ``u1`` is the
    U statistic of ``x`` (the number of pairs where the x value is larger,
    ties counting a half), as ``scipy.stats.mannwhitneyu`` returns it.

    ``method``: ``exact`` (the distribution of U, only without ties),
    ``asymptotic`` (normal approximation with tie correction and, with
    ``continuity``, continuity correction) or ``auto`` (exact when one sample
    has at most 8 values and there are no ties, otherwise asymptotic).
    When all values are equal there is no evidence: ``p_value`` 1.
    Raises ValueError for empty samples or values that are not numbers.
    """
    _check_alternative(alternative)
    if method not in (EXACT, ASYMPTOTIC, AUTO):
        raise ValueError(f"method must be exact, asymptotic or auto, got {method!r}")
    x, y = list(x), list(y)
    if not x or not y:
        raise ValueError(f"both samples need values, got {len(x)} and {len(y)}")
    for value in x + y:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"samples must be numbers, got {value!r}")
    n1, n2 = len(x), len(y)
    ranks, ties = rank_with_ties(x + y)
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    if method == AUTO:
        method = EXACT if (min(n1, n2) <= EXACT_MAX_SMALLER_SAMPLE and not ties) else ASYMPTOTIC
    if method == EXACT and ties:
        raise ValueError("the exact method needs samples without ties; use asymptotic")

    if alternative == GREATER:
        u, factor = u1, 1.0
    elif alternative == LESS:
        u, factor = u2, 1.0
    else:
        u, factor = max(u1, u2), 2.0

    z = None
    if method == EXACT:
        p_value = _exact_sf(u, n1, n2)
    else:
        n = n1 + n2
        tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1)) if n > 1 else 0.0
        variance = n1 * n2 / 12.0 * ((n + 1) - tie_term)
        if variance <= 0:
            return dict(u1=u1, u2=u2, z=0.0, p_value=1.0, method=method, n1=n1, n2=n2, ties=ties)
        numerator = u - n1 * n2 / 2.0
        if continuity:
            numerator -= 0.5
        z = numerator / math.sqrt(variance)
        p_value = normal_sf(z)
    p_value = min(1.0, max(0.0, p_value * factor))
    return dict(u1=u1, u2=u2, z=z, p_value=p_value, method=method, n1=n1, n2=n2, ties=ties)

"""Small, hand-written statistics for the scorecard (README, "How the numbers are made").

Everything here is a pure function of counts and sums, so the same numbers can be
computed in SQL aggregates and finished off in Python. No scipy/statsmodels: only
``math``. Every function accepts ints or floats, never divides by zero (it returns
``None`` instead when the statistic is undefined), and clamps variances that come out
slightly negative from floating-point rounding to 0.

Units: proportions are in [0, 1]; NPS values and NPS standard errors are in NPS points
(-100 … 100). ``z_test`` is unit-agnostic but both estimates and both SEs must share
one unit (e.g. NPS points, or percentage points).
"""

from __future__ import annotations

import math

__all__ = [
    "Z95",
    "mean_interval",
    "nps_interval",
    "nps_score",
    "nps_se",
    "proportion_se",
    "ratio_se",
    "two_proportion_test",
    "two_sided_p",
    "wilson_interval",
    "z_test",
]

Z95: float = 1.959963984540054
"""Two-sided 95 % standard-normal quantile, Φ⁻¹(0.975)."""


def _sqrt0(x: float) -> float:
    """Square root of a variance, treating small negative rounding residue as 0."""
    return math.sqrt(x) if x > 0 else 0.0


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion, as (low, high) proportions in [0, 1].

    Used for csat, ces and the rates because, unlike the plain Wald interval, it stays
    inside [0, 1] and keeps a sensible width when the proportion is 0, 1 or n is small
    (Wilson 1927; Newcombe 1998, method 3). Returns None when n <= 0.
    """
    if n <= 0:
        return None
    n = float(n)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * _sqrt0(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    # At p = 0 (p = 1) the lower (upper) limit is exactly 0 (1); pin it so rounding
    # residue such as 5e-17 cannot put the observed proportion outside its interval.
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def proportion_se(successes: float, n: float) -> float | None:
    """Standard error sqrt(p(1 - p)/n) of a proportion, as a proportion.

    The plain (Wald) SE, reported beside the value. Two periods' proportions are compared
    with ``two_proportion_test`` (pooled), not with this SE. Returns None when n <= 0.
    """
    if n <= 0:
        return None
    p = successes / n
    return _sqrt0(p * (1.0 - p) / n)


def nps_score(promoters: float, detractors: float, n: float) -> float | None:
    """Net Promoter Score 100·(promoters − detractors)/n, in NPS points.

    n is the number of responses that carry an NPS answer. Returns None when n <= 0.
    """
    if n <= 0:
        return None
    return 100.0 * (promoters - detractors) / n


def nps_se(promoters: float, detractors: float, n: float) -> float | None:
    """Standard error of the NPS in NPS points: 100·sqrt((p + d − (p − d)²)/n).

    p and d are the promoter and detractor proportions. This is the SE of the mean of
    a +1/0/−1 score (variance of a trinomial difference), used for the change test
    between periods. Returns None when n <= 0.
    """
    if n <= 0:
        return None
    p = promoters / n
    d = detractors / n
    return 100.0 * _sqrt0((p + d - (p - d) ** 2) / n)


def nps_interval(
    promoters: float, detractors: float, n: float, z: float = Z95
) -> tuple[float, float] | None:
    """Adjusted-Wald confidence interval for the NPS, as (low, high) in NPS points.

    Adds 3 to n and 0.75 to both promoters and detractors before the Wald interval
    (Rocks 2016; Sauro & Lewis, MeasuringU), which keeps small samples and all-promoter
    or all-detractor samples from getting a falsely narrow interval. The result is
    clipped to [-100, 100]. Because the adjustment pulls the centre towards 0, at very
    small n the interval need not contain the observed score (1 promoter out of 1 gives
    -48.5 … 98.5); such n are below min_n anyway. Returns None when n <= 0.
    """
    if n <= 0:
        return None
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = p - d
    se = _sqrt0((p + d - centre**2) / n_adj)
    low = 100.0 * (centre - z * se)
    high = 100.0 * (centre + z * se)
    return max(-100.0, low), min(100.0, high)


def mean_interval(
    total: float, total_sq: float, n: float, z: float = Z95
) -> tuple[float, float, float] | None:
    """(se, low, high) for a mean, from the sum and the sum of squares of n values.

    Uses the sample variance (n − 1 denominator), so only running sums are needed.
    The interval uses the normal z, not Student's t: it is a large-sample interval and
    is too narrow for small n (at n = 10 the 95 % t multiplier would be 2.26, not
    1.96). Returns None when n < 2.
    """
    if n < 2:
        return None
    n = float(n)
    mean = total / n
    var = max(0.0, (total_sq - total * total / n) / (n - 1.0))
    se = math.sqrt(var / n)
    return se, mean - z * se, mean + z * se


def ratio_se(
    num: float, den: float, num_sq: float, den_sq: float, cross: float, units: float
) -> float | None:
    """Standard error of the ratio-of-sums estimator R = ΣY / ΣX over clusters.

    Each of the G sampling units (``units``; agents for a team or the org, days for one
    agent) contributes its totals Y_g and X_g: num = ΣY, den = ΣX, num_sq = ΣY²,
    den_sq = ΣX², cross = ΣXY. The linearisation variance of the ratio estimator
    (Cochran, Sampling Techniques, 3rd ed. 1977, ch. 6, ratio estimators, without the
    finite-population correction, with the G/(G − 1) small-sample factor; Kish, Survey
    Sampling 1965, ch. 6, ratio means of clusters) is

        var(R) = G/(G − 1) · Σ(Y_g − R·X_g)² / (ΣX)²,

    with Σ(Y_g − R·X_g)² expanded as ΣY² − 2R·ΣXY + R²·ΣX², so only sums are needed.
    Agent-days of one agent are not independent; summing them into the agent's totals
    first makes the agents the independent units. Returns None when G < 2 or ΣX == 0.
    """
    if units < 2 or den == 0:
        return None
    g = float(units)
    r = num / den
    resid_ss = max(0.0, num_sq - 2.0 * r * cross + r * r * den_sq)
    return math.sqrt(g / (g - 1.0) * resid_ss / (den * den))


def two_sided_p(z: float) -> float:
    """Two-sided standard-normal p-value P(|Z| >= |z|) = erfc(|z|/√2)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def two_proportion_test(
    successes1: float, n1: float, successes2: float, n2: float
) -> tuple[float, float] | None:
    """Pooled (score) test of p₁ = p₂ for two independent proportions: (z, two-sided p).

    Under the null both periods share one proportion, estimated from both together,
    p̂ = (x₁ + x₂)/(n₁ + n₂), so SE = √(p̂(1 − p̂)(1/n₁ + 1/n₂)) and z = (p₁ − p₂)/SE.
    It is the score test, the construction the Wilson interval inverts for one
    proportion (Wilson 1927; Newcombe 1998, "Interval estimation for the difference
    between independent proportions: comparison of eleven methods", Statistics in
    Medicine 17:873–890), so a change and the intervals beside it tell the same story.
    The unpooled (Wald) test overstates changes near 0 % and 100 %: 42/46 against 39/39
    is p = 0.059 pooled, 0.036 unpooled. When both proportions are 0 or both are 1
    there is no difference to test: z = 0, p = 1. Returns None when either n <= 0.
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (successes1 + successes2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0:
        return 0.0, 1.0
    z = (successes1 / n1 - successes2 / n2) / math.sqrt(variance)
    return z, two_sided_p(z)


def z_test(
    estimate1: float | None,
    se1: float | None,
    estimate2: float | None,
    se2: float | None,
) -> tuple[float, float] | None:
    """Test a change between two independent estimates, returning (z, two-sided p).

    z = (estimate1 − estimate2)/sqrt(se1² + se2²); used for "change vs previous
    period" of NPS, means and clustered ratios (proportions use the pooled
    ``two_proportion_test``). Estimates and SEs must share one unit. Returns None when
    any input is None or not finite (e.g. a NaN from an empty period), or when the
    combined SE is 0.
    """
    if estimate1 is None or se1 is None or estimate2 is None or se2 is None:
        return None
    if not all(math.isfinite(v) for v in (estimate1, se1, estimate2, se2)):
        return None
    se = math.sqrt(se1 * se1 + se2 * se2)
    if se == 0:
        return None
    z = (estimate1 - estimate2) / se
    return z, two_sided_p(z)

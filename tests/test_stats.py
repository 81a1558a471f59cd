"""Known-answer tests for cxmetrics.metrics.stats.

Expected values come from published tables where one could be confirmed, and are
otherwise worked out by hand in the comment next to each test (never by calling the
function under test). z = Z95 = 1.959963984540054, z² = 3.841458820694125.
"""

from __future__ import annotations

import math

import pytest

from cxmetrics.metrics.stats import (
    Z95,
    mean_interval,
    nps_interval,
    nps_score,
    nps_se,
    proportion_se,
    ratio_se,
    two_proportion_test,
    two_sided_p,
    wilson_interval,
    z_test,
)

Z2 = 3.841458820694125  # Z95², used in the hand-worked comments


def test_z95_is_the_975_normal_quantile() -> None:
    # Φ(1.959963984540054) = 0.975, so the two-sided tail is 0.05.
    assert Z95 == 1.959963984540054
    assert math.erfc(Z95 / math.sqrt(2)) == pytest.approx(0.05, abs=1e-12)


# --- Wilson score interval ---------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe RG (1998), "Two-sided confidence intervals for the single proportion:
        # comparison of seven methods", Statistics in Medicine 17:857–872, illustrative
        # 95 % intervals, method 3 (Wilson score, no continuity correction), given to
        # 4 decimals:
        (81, 263, 0.2553, 0.3662),  # p = 0.3080
        (15, 148, 0.0624, 0.1605),  # p = 0.1014
        (0, 20, 0.0000, 0.1611),  # p = 0
        (1, 29, 0.0061, 0.1718),  # p = 0.0345
    ],
)
def test_wilson_matches_newcombe_1998(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, n)
    assert interval is not None
    # Published to 4 decimals (and with z = 1.96), so compare to within 1e-4.
    assert interval[0] == pytest.approx(low, abs=1e-4)
    assert interval[1] == pytest.approx(high, abs=1e-4)


def test_wilson_zero_and_all_successes_closed_form() -> None:
    # With p = 0 the Wilson limits reduce to 0 and z²/(n + z²); with p = 1 to
    # n/(n + z²) and 1.
    # 0/20:  high = 3.841459 / 23.841459 = 0.161125
    # 29/29: low  = 29 / 32.841459       = 0.883030
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.161125), abs=1e-6)
    assert wilson_interval(29, 29) == pytest.approx((0.883030, 1.0), abs=1e-6)
    # The pinned end is exact, not merely close (no 5e-17 rounding residue).
    none_of_3 = wilson_interval(0, 3)
    all_of_3 = wilson_interval(3, 3)
    assert none_of_3 is not None and none_of_3[0] == 0.0
    assert all_of_3 is not None and all_of_3[1] == 1.0


def test_wilson_bounds_stay_in_unit_interval_and_accept_floats() -> None:
    for successes, n in [(0, 1), (1, 1), (0.0, 3.0), (3.0, 3.0), (2, 7), (0, 1e6), (1e6, 1e6)]:
        interval = wilson_interval(successes, n)
        assert interval is not None
        low, high = interval
        assert 0.0 <= low <= successes / n <= high <= 1.0
    assert wilson_interval(81.0, 263.0) == pytest.approx(wilson_interval(81, 263))


def test_wilson_none_when_no_observations() -> None:
    assert wilson_interval(0, 0) is None
    assert wilson_interval(3, -1) is None


def test_wilson_wider_z_gives_wider_interval() -> None:
    narrow = wilson_interval(81, 263)
    wide = wilson_interval(81, 263, z=2.5758293035489)  # 99 %
    assert narrow is not None and wide is not None
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


# --- proportion SE -----------------------------------------------------------------


def test_proportion_se_hand_worked() -> None:
    # 120/200: p = 0.6, p(1 - p)/n = 0.24/200 = 0.0012, sqrt = 0.0346410
    assert proportion_se(120, 200) == pytest.approx(0.034641016, abs=1e-9)
    # 0/50 and 50/50: p(1 - p) = 0
    assert proportion_se(0, 50) == 0.0
    assert proportion_se(50, 50) == 0.0


def test_proportion_se_none_when_no_observations() -> None:
    assert proportion_se(0, 0) is None
    assert proportion_se(1, -5) is None


# --- NPS point estimate and SE -------------------------------------------------------


def test_nps_score_hand_worked() -> None:
    # 50 promoters, 20 detractors, 30 passives: 100 × (50 − 20)/100 = 30
    assert nps_score(50, 20, 100) == pytest.approx(30.0)
    # 3 promoters, 9 detractors of 12: 100 × (−6)/12 = −50
    assert nps_score(3, 9, 12) == pytest.approx(-50.0)
    assert nps_score(7.0, 0.0, 7.0) == pytest.approx(100.0)


def test_nps_score_none_when_no_responses() -> None:
    assert nps_score(0, 0, 0) is None


def test_nps_se_hand_worked() -> None:
    # p = 0.5, d = 0.2, n = 100: p + d − (p − d)² = 0.7 − 0.09 = 0.61;
    # 0.61/100 = 0.0061; sqrt = 0.0781025; × 100 = 7.81025 NPS points.
    assert nps_se(50, 20, 100) == pytest.approx(7.810250, abs=1e-6)


def test_nps_se_zero_when_everyone_agrees() -> None:
    # All promoters: p = 1, d = 0, 1 + 0 − 1² = 0 → SE 0 (never a negative sqrt).
    assert nps_se(20, 0, 20) == 0.0
    assert nps_se(0, 13, 13) == 0.0
    assert nps_se(0, 0, 13) == 0.0


def test_nps_se_none_when_no_responses() -> None:
    assert nps_se(0, 0, 0) is None


# --- NPS adjusted-Wald interval ------------------------------------------------------


def test_nps_interval_adjusted_wald_hand_worked() -> None:
    # Method: Sauro & Lewis / MeasuringU "Evaluating NPS Confidence Intervals with
    # Real-World Data" (2021), after Rocks (2016), The American Statistician: add 3 to
    # n and 0.75 to promoters and detractors, then a Wald interval on p' − d'.
    # (No published numeric example could be confirmed, so the numbers are by hand.)
    # 50 promoters, 20 detractors, n = 100:
    #   n' = 103, p' = 50.75/103 = 0.4927184, d' = 20.75/103 = 0.2014563
    #   centre = p' − d' = 30/103 = 0.2912621
    #   p' + d' − centre² = 0.6941748 − 0.0848336 = 0.6093411
    #   se' = sqrt(0.6093411/103) = sqrt(0.0059159) = 0.0769151
    #   z·se' = 1.959964 × 0.0769151 = 0.1507508
    #   interval = 100 × (0.2912621 ∓ 0.1507508) = 14.0511 … 44.2013
    assert nps_interval(50, 20, 100) == pytest.approx((14.0511, 44.2013), abs=1e-4)


def test_nps_interval_all_promoters_is_clipped_at_100() -> None:
    # 20 of 20 promoters:
    #   n' = 23, p' = 20.75/23 = 0.9021739, d' = 0.75/23 = 0.0326087
    #   centre = 20/23 = 0.8695652; p' + d' − centre² = 0.9347826 − 0.7561437 = 0.1786389
    #   se' = sqrt(0.1786389/23) = 0.0881301; z·se' = 0.1727318
    #   low = 100 × (0.8695652 − 0.1727318) = 69.6833; high = 104.23 → clipped to 100.
    # The plain Wald interval would be 100 … 100 (SE 0); the adjustment stays honest.
    interval = nps_interval(20, 0, 20)
    assert interval is not None
    low, high = interval
    assert low == pytest.approx(69.6833, abs=1e-4)
    assert high == 100.0


def test_nps_interval_all_detractors_is_clipped_at_minus_100() -> None:
    # Mirror image of the all-promoter case.
    assert nps_interval(0, 20, 20) == pytest.approx((-100.0, -69.6833), abs=1e-4)


def test_nps_interval_tiny_sample_is_pulled_towards_zero() -> None:
    # 1 promoter out of 1 (observed NPS 100):
    #   n' = 4, p' = 1.75/4 = 0.4375, d' = 0.75/4 = 0.1875, centre = 0.25
    #   p' + d' − centre² = 0.625 − 0.0625 = 0.5625; se' = sqrt(0.5625/4) = 0.375
    #   z·se' = 1.959964 × 0.375 = 0.7349865 → 100 × (0.25 ∓ 0.7349865) = −48.4986 … 98.4986
    # The adjusted interval need not contain the observed 100 at such a small n.
    assert nps_interval(1, 0, 1) == pytest.approx((-48.4986, 98.4986), abs=1e-4)


def test_nps_interval_contains_the_score_and_stays_in_range() -> None:
    for promoters, detractors, n in [(0, 0, 5), (12, 3, 40), (30, 0, 30), (300, 250, 1000)]:
        interval = nps_interval(promoters, detractors, n)
        score = nps_score(promoters, detractors, n)
        assert interval is not None and score is not None
        assert -100.0 <= interval[0] <= score <= interval[1] <= 100.0


def test_nps_interval_none_when_no_responses() -> None:
    assert nps_interval(0, 0, 0) is None
    assert nps_interval(0, 0, -1) is None


# --- mean interval -------------------------------------------------------------------


def test_mean_interval_hand_worked() -> None:
    # Values 2, 4, 4, 4, 5, 5, 7, 9: n = 8, Σx = 40, Σx² = 4+16+16+16+25+25+49+81 = 232.
    #   mean = 5; Σ(x − mean)² = 232 − 40²/8 = 32; sample variance = 32/7
    #   se = sqrt(32/7/8) = sqrt(4/7) = 0.7559289
    #   z·se = 1.959964 × 0.7559289 = 1.4815935 → 3.5184065 … 6.4815935
    result = mean_interval(40, 232, 8)
    assert result is not None
    se, low, high = result
    assert se == pytest.approx(0.7559289, abs=1e-7)
    assert low == pytest.approx(3.5184065, abs=1e-7)
    assert high == pytest.approx(6.4815935, abs=1e-7)


def test_mean_interval_constant_values_have_zero_se() -> None:
    # 3 × 1e8: Σx² − (Σx)²/n is 0 in exact arithmetic; rounding must not go negative.
    assert mean_interval(3e8, 3e16, 3) == pytest.approx((0.0, 1e8, 1e8))
    assert mean_interval(0.3, 0.03, 3) == pytest.approx((0.0, 0.1, 0.1))


def test_mean_interval_none_below_two_values() -> None:
    assert mean_interval(5, 25, 1) is None
    assert mean_interval(0, 0, 0) is None


# --- ratio SE ------------------------------------------------------------------------


def test_ratio_se_hand_worked() -> None:
    # Three units (y, x) = (8, 10), (9, 10), (5, 10):
    #   Σy = 22, Σx = 30, R = 22/30 = 0.7333…
    #   Σy² = 64 + 81 + 25 = 170, Σx² = 300, Σxy = 80 + 90 + 50 = 220
    #   Σy² − 2RΣxy + R²Σx² = 170 − 322.6667 + 161.3333 = 8.6667 (= 26/3;
    #   check: residuals y − Rx = 0.6667, 1.6667, −2.3333, squares sum to 26/3)
    #   var(R) = G/(G − 1) · Σ(y − Rx)²/(Σx)² = 3/2 × (26/3)/900 = 13/900
    #   se = sqrt(13)/30 = 0.1201850
    # Cross-check: with x constant, R = ȳ/10 and se(ȳ) = sqrt((13/3)/3) = sqrt(13)/3.
    assert ratio_se(22, 30, 170, 300, 220, 3) == pytest.approx(0.1201850, abs=1e-7)


def test_ratio_se_three_agents_clustered_hand_worked() -> None:
    # Agents' weekly totals (in-adherence Y, scheduled X) in minutes:
    #   P (740, 800), Q (300, 400), R (1100, 1200); ΣY = 2140, ΣX = 2400,
    #   R = 2140/2400 = 0.891667. Residuals Y − R·X: 740 − 713.333 = 80/3,
    #   300 − 356.667 = −170/3, 1100 − 1070 = 30 (they sum to 0).
    #   Σ residual² = (6400 + 28900 + 8100)/9 = 43400/9 = 4822.222
    #   var(R) = 3/2 × 4822.222 / 2400² = 7233.333 / 5,760,000 = 0.00125579
    #   se = 0.0354371
    # Inputs as sums: ΣY² = 547600 + 90000 + 1210000 = 1847600,
    #   ΣX² = 640000 + 160000 + 1440000 = 2240000,
    #   ΣXY = 592000 + 120000 + 1320000 = 2032000.
    assert ratio_se(2140, 2400, 1847600, 2240000, 2032000, 3) == pytest.approx(0.0354371, abs=1e-7)


def test_ratio_se_exact_proportional_data_is_zero() -> None:
    # (y, x) = (1, 2), (2, 4), (3, 6): R = 0.5 exactly, every residual y − Rx = 0.
    # Σy² = 14, Σx² = 56, Σxy = 28: 14 − 2·0.5·28 + 0.25·56 = 0.
    assert ratio_se(6, 12, 14, 56, 28, 3) == 0.0


def test_ratio_se_none_when_undefined() -> None:
    assert ratio_se(5, 10, 25, 100, 50, 1) is None  # one unit: no variance
    assert ratio_se(0, 0, 0, 0, 0, 5) is None  # zero denominator


# --- p-values and the change test ------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "p"),
    [
        # Standard normal table (any textbook): Φ(1.96) = 0.9750, Φ(1.00) = 0.8413,
        # Φ(2.00) = 0.9772, Φ(2.576) = 0.9950, Φ(3.291) = 0.9995; two-sided p = 2(1 − Φ).
        (1.96, 0.0500),
        (1.0, 0.3173),
        (2.0, 0.0455),
        (2.576, 0.0100),
        (3.291, 0.0010),
        (0.0, 1.0),
    ],
)
def test_two_sided_p_matches_normal_table(z: float, p: float) -> None:
    assert two_sided_p(z) == pytest.approx(p, abs=1e-4)
    assert two_sided_p(-z) == pytest.approx(two_sided_p(z))


def test_two_sided_p_at_z95_is_exactly_five_percent() -> None:
    assert two_sided_p(Z95) == pytest.approx(0.05, abs=1e-12)


def test_z_test_hand_worked_3_4_5() -> None:
    # Estimates 60 and 50 (percentage points), SEs 3 and 4: combined SE = sqrt(9 + 16)
    # = 5, z = 10/5 = 2.00, two-sided p = 2(1 − Φ(2.00)) = 2 × 0.02275 = 0.0455.
    result = z_test(60.0, 3.0, 50.0, 4.0)
    assert result is not None
    z, p = result
    assert z == pytest.approx(2.0)
    assert p == pytest.approx(0.0455, abs=1e-4)
    # Reversing the order flips the sign of z, not p.
    assert z_test(50, 4, 60, 3) == pytest.approx((-2.0, p))


def test_z_test_two_proportions_unpooled_hand_worked() -> None:
    # This period 120/200 = 0.60, previous period 100/200 = 0.50 (independent samples).
    #   se1 = sqrt(0.6·0.4/200) = sqrt(0.0012), se2 = sqrt(0.5·0.5/200) = sqrt(0.00125)
    #   combined = sqrt(0.00245) = 0.0494975; z = 0.10/0.0494975 = 2.0203
    #   p = 2(1 − Φ(2.02)) ≈ 2 × 0.0217 = 0.0434 (table value at 2.02: Φ = 0.97831)
    se1 = proportion_se(120, 200)
    se2 = proportion_se(100, 200)
    result = z_test(0.60, se1, 0.50, se2)
    assert result is not None
    z, p = result
    assert z == pytest.approx(2.0203, abs=1e-4)
    assert p == pytest.approx(0.0434, abs=5e-4)
    assert p < 0.05


def test_two_proportion_test_is_pooled_callbacks_example() -> None:
    # Callbacks kept 42/46 this week against 39/39 the week before (issue #11).
    # Pooled p̂ = 81/85 = 0.952941; p̂(1 − p̂) = 0.952941 × 0.047059 = 0.044844;
    # 1/46 + 1/39 = 0.021739 + 0.025641 = 0.047380; SE = sqrt(0.0021247) = 0.046095.
    # z = (0.913043 − 1)/0.046095 = −1.8865; p = 2(1 − Φ(1.8865)) = 2 × 0.02962 = 0.0592:
    # not a real change. (Unpooled: SE = sqrt(0.913·0.087/46) = 0.041538, z = −2.093,
    # p = 0.036 — the test this replaces.)
    result = two_proportion_test(42, 46, 39, 39)
    assert result is not None
    z, p = result
    assert z == pytest.approx(-1.8865, abs=1e-4)
    assert p == pytest.approx(0.0592, abs=1e-4)
    assert p >= 0.05


def test_two_proportion_test_hand_worked_120_of_200_vs_100_of_200() -> None:
    # Pooled p̂ = 220/400 = 0.55; SE = sqrt(0.55 × 0.45 × (1/200 + 1/200))
    #   = sqrt(0.2475 × 0.01) = 0.0497494; z = 0.10/0.0497494 = 2.0101;
    #   p = 2(1 − Φ(2.01)) = 2 × 0.02222 = 0.0444 (table: Φ(2.01) = 0.97778).
    result = two_proportion_test(120, 200, 100, 200)
    assert result is not None
    z, p = result
    assert z == pytest.approx(2.0101, abs=1e-4)
    assert p == pytest.approx(0.0444, abs=2e-4)


def test_two_proportion_test_edges() -> None:
    # both all-success or both none: no difference, z = 0 and p = 1
    assert two_proportion_test(40, 40, 39, 39) == (0.0, 1.0)
    assert two_proportion_test(0, 12, 0, 30) == (0.0, 1.0)
    assert two_proportion_test(3, 0, 1, 5) is None
    assert two_proportion_test(3, 5, 1, 0) is None


def test_z_test_equal_estimates_is_no_change() -> None:
    assert z_test(30.0, 7.8, 30.0, 6.1) == pytest.approx((0.0, 1.0))


def test_z_test_none_when_undefined() -> None:
    assert z_test(10, 0, 5, 0) is None  # combined SE 0
    assert z_test(None, 1.0, 5, 1.0) is None
    assert z_test(10, None, 5, 1.0) is None
    assert z_test(10, 1.0, None, 1.0) is None
    assert z_test(10, 1.0, 5, None) is None
    assert z_test(math.nan, 1.0, 5, 1.0) is None


def test_z_test_nps_change_between_periods() -> None:
    # The intended use: NPS points and NPS SEs from nps_se.
    # Period 1: 50/20 of 100 → NPS 30, SE 7.81025 (see test_nps_se_hand_worked).
    # Period 2: 40/30 of 100 → NPS 10; p + d − (p − d)² = 0.7 − 0.01 = 0.69,
    #   SE = 100 × sqrt(0.0069) = 8.30662.
    # z = 20/sqrt(61 + 69) = 20/11.40175 = 1.75412; p = 2(1 − Φ(1.754)) ≈ 0.0794.
    result = z_test(
        nps_score(50, 20, 100), nps_se(50, 20, 100), nps_score(40, 30, 100), nps_se(40, 30, 100)
    )
    assert result is not None
    z, p = result
    assert z == pytest.approx(1.75412, abs=1e-5)
    assert p == pytest.approx(0.0794, abs=5e-4)
    assert p >= 0.05  # shown as "no real change"

"""Mode coverage on the ring and the grid: what a perfect, a collapsed and a lost sampler score."""

import math

import pytest
import torch

from ganstudio.data.toy2d import Toy2DSource
from ganstudio.metrics import EVAL_SAMPLES, mode_coverage

# Within 3 std of the mean in 2-D: P(chi^2_2 <= 9) = 1 - exp(-9/2) ~ 0.98889
HQ_PERFECT = 1 - math.exp(-4.5)


@pytest.fixture(params=[("ring", 8), ("grid", 25)], ids=["ring", "grid"])
def mixture(request):
    name, k = request.param
    src = Toy2DSource(name)
    assert len(src.means) == k  # the ring has 8 distinct modes, not 7 (linspace bug)
    return src


def test_papers_evaluate_on_2500_samples():
    assert EVAL_SAMPLES == 2500


def test_perfect_sampler_scores_every_mode_and_98_9_percent(mixture):
    samples = mixture.draw(EVAL_SAMPLES, torch.Generator().manual_seed(0))
    cov = mode_coverage(samples, mixture.means, mixture.std)
    k = len(mixture.means)
    assert cov.modes == cov.total_modes == k
    assert cov.hq_fraction == pytest.approx(HQ_PERFECT, abs=0.015)
    # multinomial noise alone gives about (k - 1) / (2 * 2500): 0.0014 (ring), 0.005 (grid)
    assert 0 <= cov.reverse_kl < 0.02
    assert sum(cov.counts) == round(cov.hq_fraction * EVAL_SAMPLES)
    assert min(cov.counts) > 0.5 * EVAL_SAMPLES / k


def test_all_samples_on_one_mode_is_one_mode_and_ln_k(mixture):
    # p = (1, 0, ..., 0): KL(p || uniform) = 1 * ln(1 / (1/k)) = ln k
    k = len(mixture.means)
    gen = torch.Generator().manual_seed(1)
    samples = mixture.means[3] + mixture.std * torch.randn(EVAL_SAMPLES, 2, generator=gen)
    cov = mode_coverage(samples, mixture.means, mixture.std)
    assert cov.modes == 1
    assert cov.reverse_kl == pytest.approx(math.log(k), abs=1e-9)
    assert cov.counts[3] == sum(cov.counts)
    assert cov.hq_fraction == pytest.approx(HQ_PERFECT, abs=0.015)


def test_samples_far_from_every_mode_score_nothing(mixture):
    samples = torch.full((EVAL_SAMPLES, 2), 50.0)
    cov = mode_coverage(samples, mixture.means, mixture.std)
    assert cov.modes == 0
    assert cov.hq_fraction == 0.0
    assert cov.reverse_kl == math.inf
    assert sum(cov.counts) == 0


def test_samples_between_modes_are_not_high_quality():
    # the ring's modes are 2 sin(pi/8) ~ 0.77 apart; the origin and mid-points are far from all
    src = Toy2DSource("ring")
    mid = (src.means[0] + src.means[1]) / 2
    samples = torch.cat([torch.zeros(10, 2), mid.expand(10, 2)])
    cov = mode_coverage(samples, src.means, src.std)
    assert cov.modes == 0 and cov.hq_fraction == 0.0


def test_the_3_std_border_decides_high_quality():
    # exactly at 3 std counts; a little beyond does not
    src = Toy2DSource("ring")
    m = src.means[0].double()
    inside = m + torch.tensor([0.0, 2.99 * src.std], dtype=torch.float64)
    outside = m + torch.tensor([0.0, 3.01 * src.std], dtype=torch.float64)
    assert mode_coverage(inside[None], src.means, src.std).hq_fraction == 1.0
    assert mode_coverage(outside[None], src.means, src.std).hq_fraction == 0.0


def test_half_the_modes_evenly_is_ln_2():
    # 4 of 8 modes with equal shares: p = 1/4 each, KL = 4 * 1/4 * ln((1/4) / (1/8)) = ln 2
    src = Toy2DSource("ring")
    samples = src.means[[0, 2, 4, 6]].repeat(100, 1)
    cov = mode_coverage(samples, src.means, src.std)
    assert cov.modes == 4
    assert cov.counts == (100, 0, 100, 0, 100, 0, 100, 0)
    assert cov.reverse_kl == pytest.approx(math.log(2), abs=1e-12)
    assert cov.hq_fraction == 1.0


def test_off_mode_samples_lower_hq_but_not_the_kl():
    # 1,000 perfect samples on every ring mode plus 1,000 far away: 50% HQ, KL still ~ 0
    src = Toy2DSource("ring")
    good = src.means.repeat(125, 1)
    samples = torch.cat([good, torch.full((1000, 2), 9.0)])
    cov = mode_coverage(samples, src.means, src.std)
    assert cov.modes == 8
    assert cov.hq_fraction == pytest.approx(0.5)
    assert cov.reverse_kl == pytest.approx(0.0, abs=1e-12)


def test_summary_reads_well():
    src = Toy2DSource("ring")
    cov = mode_coverage(src.means.repeat(10, 1), src.means, src.std)
    text = cov.summary()
    assert "modes 8/8" in text and "100.0%" in text


def test_generated_samples_with_grad_are_accepted():
    src = Toy2DSource("grid")
    samples = src.means.clone().requires_grad_(True)
    cov = mode_coverage(samples, src.means, src.std)
    assert cov.modes == 25 and cov.hq_fraction == 1.0

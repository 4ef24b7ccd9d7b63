"""DiffAugment (colour, shift, cut-out) and the instance-noise schedule."""

import pytest
import torch

from ganstudio import catalog
from ganstudio.training import augment
from ganstudio.training.augment import POLICIES, diff_augment, instance_noise_std


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def pictures(n=6, c=3, size=16, seed=0):
    return torch.rand(n, c, size, size, generator=gen(seed)) * 2 - 1


def coded(n, size):
    """Every pixel holds its own position + 1 (never 0), so where it lands tells the shift."""
    code = torch.arange(1, size * size + 1, dtype=torch.float32).view(1, 1, size, size)
    return code.expand(n, 1, size, size).clone()


def shifts_of(n, size, seed):
    """The (dy, dx) that translation draws for a batch of n pictures with this seed, read back
    from where the centre pixel's source lies (shifts are at most size/8, so it is inside)."""
    out = augment.translation(coded(n, size), gen(seed))
    c = size // 2
    src = out[:, 0, c, c].long() - 1
    return c - src // size, c - src % size


def test_every_catalogue_augmentation_has_a_policy():
    assert set(POLICIES) == set(catalog.AUGMENTATIONS)


# --- what every policy promises ----------------------------------------------------------------

@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_policy_keeps_shape_and_dtype(policy, dtype):
    x = pictures(4, 3, 16).to(dtype)
    out = diff_augment(x, [policy], gen())
    assert out.shape == x.shape and out.dtype == dtype


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_policy_changes_the_pictures(policy):
    x = pictures(8, 3, 16)
    out = diff_augment(x, [policy], gen())
    changed = [not torch.equal(a, b) for a, b in zip(out, x)]
    assert sum(changed) >= 6  # nearly every picture (a shift may happen to be 0, 0)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_policy_is_repeatable_with_the_same_seed(policy):
    x = pictures(8, 3, 16)
    a = diff_augment(x, [policy], gen(5))
    b = diff_augment(x, [policy], gen(5))
    c = diff_augment(x, [policy], gen(6))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_gradients_flow_back_to_the_input(policy):
    x = pictures(4, 3, 16).requires_grad_(True)
    out = diff_augment(x, [policy], gen())
    (out * torch.randn(out.shape, generator=gen(9))).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_all_policies_together_keep_gradients_and_shape():
    x = pictures(4, 3, 32).requires_grad_(True)
    out = diff_augment(x, ["color", "translation", "cutout"], gen())
    assert out.shape == x.shape
    out.square().sum().backward()
    assert x.grad.abs().sum() > 0


def test_no_policy_leaves_the_pictures_alone():
    x = pictures()
    assert torch.equal(diff_augment(x, [], gen()), x)


def test_the_input_is_not_modified_in_place():
    x = pictures()
    before = x.clone()
    diff_augment(x, ["color", "translation", "cutout"], gen())
    assert torch.equal(x, before)


# --- colour ------------------------------------------------------------------------------------

def test_colour_changes_each_picture_as_a_whole_not_pixel_by_pixel():
    # brightness, saturation and contrast are one draw per picture: a flat grey picture stays
    # flat (all its pixels move together)
    x = torch.full((5, 3, 8, 8), 0.25)
    out = augment.color(x, gen())
    flat = out.flatten(1)
    assert torch.allclose(flat, flat[:, :1].expand_as(flat), atol=1e-6)
    assert not torch.allclose(out, x)


# --- translation -------------------------------------------------------------------------------

def test_translation_moves_a_bright_pixel_by_the_sampled_shift_or_drops_it():
    n, size = 200, 32
    dy, dx = shifts_of(n, size, seed=3)
    r0, c0 = 1, 29  # near the top right corner, so some shifts carry it out
    x = torch.zeros(n, 1, size, size)
    x[:, 0, r0, c0] = 1.0
    out = augment.translation(x, gen(3))  # same seed, same batch: the same shifts
    moved = dropped = 0
    for i in range(n):
        r, c = r0 + int(dy[i]), c0 + int(dx[i])
        if 0 <= r < size and 0 <= c < size:
            expected = torch.zeros(size, size)
            expected[r, c] = 1.0
            moved += 1
        else:
            expected = torch.zeros(size, size)
            dropped += 1
        assert torch.equal(out[i, 0], expected), (i, int(dy[i]), int(dx[i]))
    assert moved > 0 and dropped > 0  # both cases were exercised


def test_translation_shifts_the_whole_picture_and_fills_with_zeros():
    n, size = 50, 16
    x = coded(n, size)
    out = augment.translation(x, gen(4))
    dy, dx = shifts_of(n, size, seed=4)
    for i in range(n):
        expected = torch.zeros(size, size)
        a, b = int(dy[i]), int(dx[i])
        for r in range(size):
            for c in range(size):
                if 0 <= r - a < size and 0 <= c - b < size:
                    expected[r, c] = x[i, 0, r - a, c - b]
        assert torch.equal(out[i, 0], expected)


def test_translation_moves_every_channel_together():
    x = pictures(10, 3, 16)
    out = augment.translation(x, gen(2))
    zero = out == 0
    assert torch.equal(zero[:, 0], zero[:, 1]) and torch.equal(zero[:, 0], zero[:, 2])


@pytest.mark.parametrize("size", [16, 32, 64])
def test_translation_never_shifts_more_than_an_eighth(size):
    dy, dx = shifts_of(400, size, seed=1)
    limit = size // 8
    assert dy.abs().max() <= limit and dx.abs().max() <= limit
    # and the whole range is used: both extremes and no shift at all
    for d in (dy, dx):
        assert {-limit, 0, limit} <= set(d.tolist())


# --- cut-out -----------------------------------------------------------------------------------

def _holes(out, x):
    """Per picture, the pixels that went to 0 although the input was not 0."""
    return (out == 0) & (x != 0)


@pytest.mark.parametrize("size", [16, 32])
def test_cutout_blanks_a_square_of_half_the_side(size):
    n, side = 300, size // 2
    x = torch.rand(n, 3, size, size, generator=gen(0)) + 0.5  # never 0
    out = augment.cutout(x, gen(7))
    holes = _holes(out, x)
    assert torch.equal(holes[:, 0], holes[:, 1]) and torch.equal(holes[:, 0], holes[:, 2])
    interior = 0
    for i in range(n):
        mask = holes[i, 0]
        rows = mask.any(1).nonzero().flatten()
        cols = mask.any(0).nonzero().flatten()
        assert len(rows) > 0, "every picture gets a hole"
        top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
        # the hole is one solid rectangle...
        assert int(mask.sum()) == (bottom - top + 1) * (right - left + 1)
        # ...of side size/2, cut short only where it runs off the picture
        h, w = bottom - top + 1, right - left + 1
        assert h <= side and w <= side
        assert h == side or top == 0 or bottom == size - 1
        assert w == side or left == 0 or right == size - 1
        if 0 < top and bottom < size - 1 and 0 < left and right < size - 1:
            interior += 1
            assert int(mask.sum()) == side * side
    # the centre is uniform over the picture, so about (15/33)^2 ~ 1/5 of the holes at 32 px
    # touch no edge
    assert interior > n // 10


def test_cutout_leaves_the_rest_unchanged():
    x = torch.rand(20, 3, 16, 16, generator=gen(0)) + 0.5
    out = augment.cutout(x, gen(8))
    kept = out != 0
    assert torch.equal(out[kept], x[kept])
    assert 0 < (~kept).sum() < out.numel() / 2


def test_cutout_hole_positions_vary():
    x = torch.ones(50, 1, 32, 32)
    out = augment.cutout(x, gen(1))
    centres = {tuple((out[i, 0] == 0).nonzero().float().mean(0).round().tolist())
               for i in range(50)}
    assert len(centres) > 10


# --- instance noise ----------------------------------------------------------------------------

def test_instance_noise_fades_linearly_to_zero():
    # start 0.4 over 100 steps: 0.4 * (1 - step/100)
    assert instance_noise_std(0.4, 0, 100) == pytest.approx(0.4)
    assert instance_noise_std(0.4, 25, 100) == pytest.approx(0.3)
    assert instance_noise_std(0.4, 50, 100) == pytest.approx(0.2)
    assert instance_noise_std(0.4, 99, 100) == pytest.approx(0.004)
    assert instance_noise_std(0.4, 100, 100) == 0.0


def test_instance_noise_stays_zero_after_the_budget():
    assert instance_noise_std(0.4, 150, 100) == 0.0
    assert instance_noise_std(0.4, 10**6, 100) == 0.0


def test_instance_noise_is_constant_without_a_budget():
    assert [instance_noise_std(0.3, s, 0) for s in (0, 1, 1000, 10**7)] == [0.3] * 4


def test_instance_noise_off_is_always_zero():
    assert [instance_noise_std(0.0, s, 100) for s in (0, 50, 200)] == [0.0] * 3
    assert instance_noise_std(0.0, 5, 0) == 0.0

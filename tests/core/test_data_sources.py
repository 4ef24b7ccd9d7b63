"""The data sets are one table (catalog.SOURCES): every entry is complete, and a data set
registered here, in the test, is offered, configured, read and trained on with no other change."""

from __future__ import annotations

import pytest
import torch

from ganstudio import catalog
from ganstudio.config import FIELDS, ConfigError, ExperimentConfig, field_specs
from ganstudio.data import DataError, ImageTensorSource, build_source
from ganstudio.data.toy2d import Shape, Toy2DSource
from ganstudio.metrics import classifier as clf
from ganstudio.paths import presets_dir
from ganstudio.presets import list_presets
from ganstudio.training import Trainer

DATA_SETTINGS = {s.name for s in field_specs("data")} - {"source"}


@pytest.mark.parametrize("info", catalog.SOURCES.values(), ids=list(catalog.SOURCES))
def test_every_entry_names_a_loader_settings_and_files_that_exist(info):
    assert callable(info.load())  # the "module:name" resolves
    assert set(info.settings) <= DATA_SETTINGS
    if info.kind == "image":
        assert {"image_size", "channels"} <= set(info.settings)
    if info.preset:
        assert (presets_dir() / f"{info.preset}.toml").is_file()
    assert info.classifier == clf.has_classifier(info.id)  # shipped exactly where it says


def test_only_the_settings_a_data_set_reads_are_shown_for_it():
    for sid, info in catalog.SOURCES.items():
        cfg = ExperimentConfig()
        cfg.data.source = sid
        shown = {s.name for s in field_specs("data") if s.applies_to(cfg)} - {"source"}
        assert shown == set(info.settings), sid


def test_the_lists_that_follow_the_catalogue_follow_its_entries():
    assert [p.name for p in list_presets()][:6] == [
        s.preset for s in catalog.SOURCES.values() if s.preset]
    assert clf.DATASETS == tuple(s.id for s in catalog.SOURCES.values() if s.classifier)


# --- a new data set: one entry, made here --------------------------------------------------------

class Segment(Shape):
    """Points on the segment from (-1, 0) to (1, 0), spread by the noise."""

    def draw(self, n, gen, noise, points):
        x = 2 * torch.rand(n, generator=gen) - 1
        return torch.stack([x, torch.zeros(n)], 1) + noise * torch.randn(n, 2, generator=gen)


def _stripes(data, *, seed, progress=None):
    """16 grey 32 x 32 pictures in 2 kinds: stripes across or down."""
    images = torch.zeros(16, 1, 32, 32, dtype=torch.uint8)
    images[0::2, :, ::4, :] = 255
    images[1::2, :, :, ::4] = 255
    labels = torch.arange(16) % 2
    return ImageTensorSource(images, labels, source_id=data.source, title="Stripes",
                             label_names=["across", "down"], seed=seed)


SEGMENT = catalog.SourceInfo(id="segment", title="A segment", help="Points along a line.",
                             kind="2d", loader=Segment(), settings=("noise",))
STRIPES = catalog.SourceInfo(id="stripes", title="Stripes", help="Stripes, two ways.",
                             kind="image", loader=_stripes, settings=catalog.PICTURES,
                             num_classes=2, channels=1)


@pytest.fixture
def registered(monkeypatch):
    for info in (SEGMENT, STRIPES):
        monkeypatch.setitem(catalog.SOURCES, info.id, info)


def test_a_new_data_set_is_offered_with_its_title_and_help(registered):
    spec = FIELDS["data.source"]
    assert "segment" in spec.choices and "stripes" in spec.choices
    assert spec.title_of("segment") == "A segment"
    assert spec.help_of("stripes") == "Stripes, two ways."
    assert "segment" in catalog.sources_of_kind("2d")
    cfg = ExperimentConfig.loads('[data]\nsource = "segment"\nnoise = 0.2\n')
    assert cfg.source_info is SEGMENT
    assert FIELDS["data.noise"].applies_to(cfg)
    assert not FIELDS["data.image_size"].applies_to(cfg)


def test_without_its_entry_it_is_refused_in_words():
    with pytest.raises(ConfigError, match="data.source must be one of"):
        ExperimentConfig.loads('[data]\nsource = "segment"\n')


def test_a_new_2d_data_set_trains(registered):
    cfg = ExperimentConfig()
    cfg.data.source, cfg.data.noise = "segment", 0.01
    cfg.training.batch_size, cfg.training.threads = 32, 1
    cfg.training.precision = "fp32"
    src = build_source(cfg)
    assert isinstance(src, Toy2DSource) and src.title == "A segment"
    x = src.next_batch(500)[0]
    assert x[:, 1].abs().max() < 0.1 and x[:, 0].min() < -0.9 and x[:, 0].max() > 0.9
    assert src.describe().startswith("A segment")
    assert torch.equal(src.fresh(3).next_batch(4)[0], build_source(cfg, seed=3).next_batch(4)[0])
    trainer = Trainer(cfg)
    records = [trainer.step() for _ in range(2)]
    assert records[-1]["step"] == 2 and trainer.spec.kind == "2d"


def test_a_new_picture_data_set_trains_with_its_labels(registered):
    cfg = ExperimentConfig()
    cfg.data.source = "stripes"
    cfg.model.family, cfg.model.conditional = "dcgan", True
    cfg.model.g_width = cfg.model.d_width = 8
    cfg.training.batch_size, cfg.training.threads = 8, 1
    cfg.training.precision = "fp32"
    assert cfg.problems() == []
    trainer = Trainer(cfg)
    assert trainer.spec.num_classes == 2 and trainer.spec.channels == 1
    records = [trainer.step() for _ in range(2)]
    assert records[-1]["step"] == 2


def test_an_unknown_2d_name_is_a_data_error_in_words():
    with pytest.raises(DataError, match="unknown 2-D data set 'segment'"):
        Toy2DSource("segment")

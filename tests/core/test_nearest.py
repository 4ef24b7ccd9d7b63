"""The memorisation check: a copied training picture is found as such, a new one is not."""

import torch

from ganstudio.data import build_source
from ganstudio.metrics.nearest import NearestPictures
from ganstudio.presets import load_preset


def test_a_copy_of_a_training_picture_is_called_a_copy_and_found_first():
    source = build_source(load_preset("digits"))
    near = NearestPictures(source, max_pictures=2000)
    copied = near.pictures[123]
    found = near.query(copied, k=5)
    assert torch.equal(found.pictures[0], copied) and found.distances[0] < 1e-4
    assert found.distances == sorted(found.distances) and len(found.pictures) == 5
    assert found.verdict().startswith("Probably a copy")
    assert "GAN Studio's digits classifier" in found.verdict()
    assert len(found.labels) == 5 and found.labels[0] == near.label_names[int(near.labels[123])]
    # a blend of two training pictures is farther from every one of them than a copy
    blend = (0.5 * near.pictures[5] + 0.5 * near.pictures[6])
    other = near.query(blend)
    assert other.ratio > found.ratio


def test_noise_is_not_a_copy_of_anything():
    source = build_source(load_preset("digits"))
    near = NearestPictures(source, max_pictures=1000)
    noise = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    answer = near.query(noise)
    assert answer.verdict().startswith("Not a copy") and answer.ratio > 1


def test_pictures_without_a_classifier_are_compared_in_pixels(monkeypatch):
    from ganstudio.metrics import classifier as clf

    monkeypatch.setattr(clf, "has_classifier", lambda source_id: False)
    source = build_source(load_preset("digits"))
    near = NearestPictures(source, max_pictures=500)
    assert near.space == "pixels at 32 x 32"
    found = near.query(near.pictures[7])
    assert found.distances[0] < 1e-4 and "pixels at 32 x 32" in found.verdict()

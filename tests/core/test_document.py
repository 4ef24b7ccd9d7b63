"""The open experiment as plain data: title, modified flag, open and save."""

import pytest

from ganstudio.config import ConfigError
from ganstudio.document import ExperimentDocument
from ganstudio.presets import load_preset


def test_a_new_document_is_untitled_and_unchanged():
    doc = ExperimentDocument(load_preset("ring"))
    assert doc.title == "Untitled experiment" and not doc.modified
    doc.changed()
    assert doc.title == "Untitled experiment *"


def test_save_then_open_gives_the_same_settings_and_clears_the_star(tmp_path):
    doc = ExperimentDocument(load_preset("ring"))
    doc.config.set("optimizer.lr_g", 3e-4)
    doc.changed()
    path = doc.save(tmp_path / "mine.toml")
    assert doc.title == "mine.toml" and not doc.modified
    again = ExperimentDocument.open(path)
    assert again.config.to_dict() == doc.config.to_dict() and again.path == path
    with pytest.raises(ValueError):
        ExperimentDocument(load_preset("ring")).save()  # no file yet: the caller asks for one


def test_a_broken_file_is_refused_naming_the_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[optimizer]\nlr_g = -1\n")
    with pytest.raises(ConfigError, match="optimizer.lr_g"):
        ExperimentDocument.open(bad)

"""The app's data folder: one "GAN Studio" folder, and what the doubled one held kept."""

from ganstudio.paths import APP_FOLDER, app_data_folder


def test_the_data_folder_is_one_gan_studio_folder(tmp_path):
    doubled = tmp_path / APP_FOLDER / APP_FOLDER  # what Qt gives for organisation/application
    assert app_data_folder(doubled) == tmp_path / APP_FOLDER
    assert app_data_folder(tmp_path / APP_FOLDER) == tmp_path / APP_FOLDER


def test_runs_in_the_old_doubled_folder_are_moved_and_none_lost(tmp_path):
    new = tmp_path / APP_FOLDER
    old = new / APP_FOLDER
    (old / "runs" / "ring-1").mkdir(parents=True)
    (old / "runs" / "ring-1" / "checkpoint.safetensors").write_bytes(b"old run")
    (old / "runs" / "both").mkdir()
    (old / "runs" / "both" / "run.json").write_text("old")
    (old / "notes.txt").write_text("kept")
    (new / "runs" / "both").mkdir(parents=True)  # already there under the same name
    (new / "runs" / "both" / "run.json").write_text("new")

    folder = app_data_folder(old)
    assert folder == new
    assert (new / "runs" / "ring-1" / "checkpoint.safetensors").read_bytes() == b"old run"
    assert (new / "notes.txt").read_text() == "kept"
    assert (new / "runs" / "both" / "run.json").read_text() == "new"  # never overwritten
    assert (old / "runs" / "both" / "run.json").read_text() == "old"  # ...nor lost
    assert not (old / "runs" / "ring-1").exists()


def test_a_folder_emptied_of_the_old_one_is_removed(tmp_path):
    new = tmp_path / APP_FOLDER
    (new / APP_FOLDER / "runs" / "ring-1").mkdir(parents=True)
    app_data_folder(new)
    assert (new / "runs" / "ring-1").is_dir() and not (new / APP_FOLDER).exists()

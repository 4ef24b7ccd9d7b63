"""The latent-space explorer and demo mode, driven as a user drives them."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QComboBox, QLabel

from ganstudio.training import Trainer, train
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def digits_checkpoint(tmp_path_factory):
    t = Trainer(tiny_config("digits", model__conditional=True))
    train(t, 3)
    return t.save_checkpoint(tmp_path_factory.mktemp("ckpt") / "digits")


@pytest.fixture
def explorer(window, qtbot, digits_checkpoint):
    window.open_checkpoint(str(digits_checkpoint), resume=False)
    ex = window.explorer
    qtbot.waitUntil(lambda: ex.ex is not None and ex.image.image() is not None, timeout=30_000)
    qtbot.waitUntil(lambda: ex.strip.image() is not None and ex.renderer.idle, timeout=30_000)
    return ex


def settle(qtbot, explorer, version=None):
    version = explorer.image.version if version is None else version
    qtbot.waitUntil(lambda: explorer.renderer.idle, timeout=20_000)
    return version


def test_opening_a_checkpoint_shows_its_generator_and_settings(window, explorer):
    assert window.view_tabs.currentWidget() is explorer
    assert "digits.safetensors" in explorer.findChild(QLabel, "explorerTitle").text()
    assert len(explorer.move_tab.sliders) == 8 and explorer.move_tab.label_choice.count() == 10
    explorer.show_settings()
    box = explorer.findChild(object, "explorerSettingsDialog")
    assert 'source = "digits"' in box.detailedText()
    box.close()


def test_the_strip_shows_every_frame_of_the_path(explorer, qtbot):
    explorer.paths_tab.frames.setValue(6)
    qtbot.waitUntil(lambda: explorer.renderer.idle and explorer.strip.image().width() ==
                    6 * 33 + 1, timeout=20_000)  # 6 frames of 32 px, 1 px apart
    assert explorer.player.path_z.shape == (6, 8)
    explorer.paths_tab.path_kind.setCurrentIndex(explorer.paths_tab.path_kind.findData("lerp"))
    settle(qtbot, explorer)
    mid = explorer.player.path_z[3]
    assert not np.allclose(mid.norm(), explorer.player.path_z[0].norm(), rtol=0.02)


def test_picking_samples_sets_the_ends_of_the_path(explorer, qtbot):
    assert explorer.player.pick_z is not None and explorer.paths_tab.pick.count == 16
    explorer.player.pick(5, False)
    explorer.player.pick(9, True)
    settle(qtbot, explorer)
    assert np.allclose(explorer.player.path_z[0], explorer.player.pick_z[5], atol=1e-5)
    assert np.allclose(explorer.player.path_z[-1], explorer.player.pick_z[9], atol=1e-5)


def export_walk(explorer, qtbot, path, frames: int, size: int):
    """Save the path as an animation of ``frames`` pictures of ``size`` pixels, as the Save
    button does, and wait for the file."""
    explorer.paths_tab.frames.setValue(frames)
    explorer.export_tab.export_size.setValue(size)
    settle(qtbot, explorer)
    explorer.export_tab.save_gif(str(path))
    qtbot.waitUntil(path.exists, timeout=30_000)
    return path


def test_export_an_animated_gif_with_the_frames_and_size_asked_for(explorer, qtbot, tmp_path):
    gif = Image.open(export_walk(explorer, qtbot, tmp_path / "walk.gif", 7, 96))
    assert gif.n_frames == 7 and gif.size == (96, 96) and gif.info.get("loop") == 0
    frames = []
    for i in range(gif.n_frames):
        gif.seek(i)
        frames.append(np.asarray(gif.convert("RGB")))
    assert not np.array_equal(frames[0], frames[-1])  # it moves

    explorer.paths_tab.repeat.setCurrentIndex(explorer.paths_tab.repeat.findData("pingpong"))
    there_and_back = tmp_path / "pingpong.gif"
    explorer.export_tab.save_gif(str(there_and_back))
    qtbot.waitUntil(there_and_back.exists, timeout=30_000)
    assert Image.open(there_and_back).n_frames == 2 * 7 - 2


def test_export_the_path_as_an_mp4_video(explorer, qtbot, tmp_path):
    import av

    path = export_walk(explorer, qtbot, tmp_path / "walk.mp4", 9, 64)
    with av.open(str(path)) as box:
        decoded = [f.to_ndarray(format="rgb24") for f in box.decode(video=0)]
    assert len(decoded) == 9 and decoded[0].shape == (64, 64, 3)
    from ganstudio.export import fit_picture

    expected = [fit_picture(p, 64) for p in explorer.ex.pictures(explorer.player.path_z)]
    for got, want in zip(decoded, expected):  # the path's pictures, through a lossy codec
        assert np.abs(got.astype(int) - want.reshape(64, 64, -1)).mean() < 4


def test_export_strip_noise_grid_and_picture(explorer, qtbot, tmp_path):
    explorer.paths_tab.frames.setValue(5)
    explorer.export_tab.export_size.setValue(64)
    settle(qtbot, explorer)
    save = explorer.export_tab
    targets = {"strip.png": save.save_strip, "noise.npy": save.save_noise,
               "grid.png": save.save_grid, "one.png": save.save_picture}
    explorer.export_tab.grid_count.setValue(9)
    for name, save in targets.items():
        save(str(tmp_path / name))
        qtbot.waitUntil((tmp_path / name).exists, timeout=30_000)
    assert Image.open(tmp_path / "strip.png").size == (5 * 64, 64)
    assert np.load(tmp_path / "noise.npy").shape == (5, 8)
    assert Image.open(tmp_path / "grid.png").size == (2 + 3 * 66, 2 + 3 * 66)
    assert Image.open(tmp_path / "one.png").size == (64, 64)


def test_every_label_view_and_truncation_change_the_picture(explorer, qtbot):
    before = explorer.image.version
    explorer.view_choice.setCurrentIndex(explorer.view_choice.findData("labels"))
    qtbot.waitUntil(lambda: explorer.image.version > before and explorer.renderer.idle,
                    timeout=20_000)
    assert explorer.image.image().width() == 2 + 5 * 34  # five labels per row
    explorer.view_choice.setCurrentIndex(0)
    settle(qtbot, explorer)
    one = bytes(explorer.image.image().constBits())
    explorer.move_tab.psi.setValue(20)
    qtbot.waitUntil(lambda: explorer.renderer.idle and
                    bytes(explorer.image.image().constBits()) != one, timeout=20_000)
    assert explorer.ex.psi == pytest.approx(0.2)


def test_playing_the_path_animates_and_stops(explorer, qtbot):
    explorer.paths_tab.speed.setValue(30)
    version = explorer.image.version
    explorer.paths_tab.play_button.click()
    assert explorer.playing
    qtbot.waitUntil(lambda: explorer.image.version > version + 5, timeout=20_000)
    explorer.paths_tab.play_button.click()
    assert not explorer.playing
    explorer.paths_tab.walk_button.click()
    assert explorer.playing and explorer.player.walking
    explorer.paths_tab.walk_button.click()
    assert not explorer.playing


def test_large_latents_get_labelled_principal_direction_sliders(window, qtbot, tmp_path):
    t = Trainer(tiny_config("digits", model__latent_dim=40))
    train(t, 2)
    path = t.save_checkpoint(tmp_path / "wide")
    window.open_checkpoint(str(path), resume=False)
    ex = window.explorer
    qtbot.waitUntil(lambda: ex.ex is not None and ex.ex.spec.latent_dim == 40, timeout=30_000)
    assert ex.move_tab.mode_choice.currentData() == "principal"
    labels = [ex.move_tab.sliders_grid.itemAtPosition(i, 0).widget().text() for i in range(10)]
    assert labels[0] == "Direction 1" and len(ex.move_tab.sliders) == 10
    ex.move_tab.mode_choice.setCurrentIndex(ex.move_tab.mode_choice.findData("random"))
    qtbot.waitUntil(lambda: ex.ex.mode == "random", timeout=20_000)


def test_demo_mode_enters_and_leaves_full_screen_with_the_keyboard(window, explorer, qtbot):
    window.show()
    window.enter_demo_mode()
    demo = window.demo_window
    qtbot.waitUntil(lambda: demo.isVisible(), timeout=10_000)
    assert demo.isFullScreen() and explorer.playing
    assert "random numbers" in demo.findChild(QLabel, "demoCaption").text()
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert not explorer.playing
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert explorer.playing
    label = explorer.move_tab.label_choice.currentIndex()
    qtbot.keyClick(demo, Qt.Key.Key_Up)
    assert explorer.move_tab.label_choice.currentIndex() == (label + 1) % 10
    speed = explorer.paths_tab.speed.value()
    qtbot.keyClick(demo, Qt.Key.Key_Right)
    assert explorer.paths_tab.speed.value() > speed
    qtbot.keyClick(demo, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not demo.isVisible(), timeout=10_000)
    assert not explorer.playing


def test_dropping_a_checkpoint_on_the_window_opens_it(window, qtbot, digits_checkpoint):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(digits_checkpoint))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    # a full checkpoint: the run comes back, paused, ready to continue
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=30_000)
    assert window.findChild(QComboBox, "datasetChoice").currentData() == "digits"


def test_the_save_tab_writes_the_generator_as_onnx_in_the_background(explorer, qtbot, tmp_path,
                                                                     monkeypatch):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    import torch
    from PySide6.QtWidgets import QPushButton

    from ganstudio.gui.explorer import export_tab

    target = tmp_path / "mine"  # typed without an extension: the chosen type's is added
    monkeypatch.setattr(export_tab.QFileDialog, "getSaveFileName",
                        lambda *a: (str(target), "ONNX models (*.onnx)"))
    explorer.findChild(QPushButton, "explorerSaveOnnx").click()
    written = tmp_path / "mine.onnx"
    qtbot.waitUntil(lambda: explorer.export_tab.exported == written, timeout=60_000)
    z, y = torch.randn(3, 8), torch.tensor([0, 4, 9])
    with torch.no_grad():
        ref = explorer.ex.G(z, y).numpy()
    session = ort.InferenceSession(str(written), providers=["CPUExecutionProvider"])
    got = session.run(["samples"], {"noise": z.numpy(), "labels": y.numpy()})[0]
    assert np.abs(got - ref).max() < 1e-5


def test_dropping_a_pytorch_dcgan_netg_opens_it_in_the_explorer(window, qtbot, tmp_path):
    import torch

    from tests.core.test_foreign import ExampleGenerator, trained_like

    ref = trained_like(ExampleGenerator(nz=20, ngf=8, nc=3))
    path = tmp_path / "netG.pth"
    torch.save(ref.state_dict(), path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    ex = window.explorer
    qtbot.waitUntil(lambda: ex.ex is not None and ex.ex.checkpoint_path == path
                    and ex.image.image() is not None and ex.renderer.idle, timeout=30_000)
    assert window.view_tabs.currentWidget() is ex
    assert "PyTorch DCGAN example" in ex.findChild(QLabel, "explorerTitle").text()
    z = ex.ex.z[None]  # the point shown
    with torch.no_grad():
        assert torch.equal(ex.ex.G(z), ref(z[:, :, None, None]))
    assert window.run_state != "paused"  # a generator alone: nothing to resume


def test_nearest_training_pictures_shows_the_sample_beside_its_neighbours(explorer, qtbot):
    panel = explorer.nearest
    assert not panel.isHidden()  # a picture model trained on a known data set
    panel.check_button.click()
    assert not panel.check_button.isEnabled()  # searching in the background
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60_000)
    assert panel.check_button.isEnabled() and panel.progress.isHidden()
    strip = panel.strip.image()
    assert not panel.strip.isHidden() and strip is not None
    assert strip.width() > 5 * strip.height()  # the sample, a gap and the neighbours in a row
    # the gap is a narrow white bar, not a white tile that reads as a broken picture
    rgb = strip.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(
        rgb.height(), rgb.bytesPerLine())[:, :3 * rgb.width()].reshape(rgb.height(), -1, 3)
    white = (pixels == 255).all(axis=(0, 2))
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, white.astype(int), 0])))[::2]
    assert len(runs) == 1 and 0 < runs[0] < strip.height() / 3, runs
    text = panel.verdict.text()
    assert text.startswith("Left: this sample. Then the") and "nearest first" in text
    assert "copy" in text and "Their labels:" in text
    # moving to another sample clears the answer, which no longer applies
    explorer.move_tab.sliders[0].setValue(explorer.move_tab.sliders[0].value() + 20)
    qtbot.waitUntil(lambda: panel.result is None, timeout=10_000)
    assert panel.strip.isHidden()

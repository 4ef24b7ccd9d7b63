"""Find this picture in the explorer (gui/explorer/find_panel.py), driven as a user drives it:
a picture dropped on the explorer is found in the fashion-mnist demo, shown beside the result
with their distance, and the sliders start there; Cancel stops; a bad file is a message; on the
ring demo a click on the plane moves to the noise landing nearest the spot."""

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from ganstudio.explore.projection import ProjectionSettings
from ganstudio.export import to_uint8_images
from ganstudio.paths import resources_dir
from tests.gui.conftest import wait_for

DEMOS = resources_dir() / "demos"


def open_demo(window, qtbot, name):
    window.open_checkpoint(str(DEMOS / f"{name}.safetensors"), resume=False)
    ex = window.explorer
    wait_for(qtbot, lambda: ex.ex is not None and ex.ex.checkpoint_path is not None
             and ex.ex.checkpoint_path.name == f"{name}.safetensors" and ex.renderer.idle)
    window.view_tabs.setCurrentWidget(ex)
    return ex


def drop(widget, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    accepted = enter.isAccepted()
    if accepted:
        event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
    return accepted


def dress(explorer, tmp_path):
    """A picture the demo made (seed 10,003, label 3: a dress), saved larger and in colour."""
    ex = explorer.ex
    z = torch.randn(1, ex.spec.latent_dim, generator=torch.Generator().manual_seed(10_003))
    with torch.no_grad():
        pic = to_uint8_images(ex.G(z, torch.tensor([3])))[0, ..., 0]
    path = tmp_path / "dress.png"
    Image.fromarray(pic).resize((96, 96), Image.Resampling.NEAREST).convert("RGB").save(path)
    return path


def test_a_dropped_picture_is_found_and_the_sliders_start_there(window, qtbot, tmp_path):
    explorer = open_demo(window, qtbot, "fashion-mnist")
    panel = explorer.find
    panel.settings = ProjectionSettings(steps=80, restarts=2, candidates=256)
    explorer.player.set_label(0)
    before = np.array(explorer.ex.values)
    assert panel.isVisibleTo(explorer) and panel.find_button.isVisibleTo(panel)
    assert drop(explorer, dress(explorer, tmp_path))
    assert panel.searching and panel.progress.isVisibleTo(panel) and panel.cancel_button.isVisibleTo(panel)
    wait_for(qtbot, lambda: panel.result is not None and explorer.renderer.idle)
    r = panel.result
    assert r.psnr >= 25
    # the distance is shown beside the pair of pictures
    assert f"PSNR {r.psnr:.1f} dB" in panel.caption.text() and "Label: Dress" in \
        panel.caption.text()
    assert panel.pair.isVisibleTo(panel) and panel.pair.image().width() == 2 * 112 + 8
    assert not panel.progress.isVisibleTo(panel)
    # the explorer moved there: label, sliders and picture are the found ones
    assert explorer.ex.label == 3 == r.label
    assert explorer.move_tab.label_choice.currentIndex() == 3
    assert not np.allclose(explorer.ex.values, before)
    assert torch.allclose(explorer.ex.z, torch.from_numpy(r.z), atol=1e-5)
    ticks = [s.value() for s in explorer.sliders]
    assert ticks == explorer.player.slider_ticks()
    wait_for(qtbot, lambda: explorer.renderer.idle)
    shown = explorer.ex.picture()
    assert np.abs(shown.astype(int) - r.picture).max() <= 2
    # moving a slider from there changes the picture: exploring around the found point
    explorer.player.move_slider(0, ticks[0] + 50)
    assert not np.array_equal(explorer.ex.picture(), shown)


def test_cancel_stops_the_search_and_leaves_the_point(window, qtbot, tmp_path):
    explorer = open_demo(window, qtbot, "fashion-mnist")
    panel = explorer.find
    panel.settings = ProjectionSettings(steps=1_000_000)  # hours, unless cancelled
    z = explorer.ex.z.clone()
    panel.find(str(dress(explorer, tmp_path)))
    wait_for(qtbot, lambda: panel.progress.maximum() > 1_000_000)  # refining has begun
    QTest.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.searching and "cancelled" in panel.text.text()
    assert panel.find_button.isEnabled() and not panel.cancel_button.isVisibleTo(panel)
    wait_for(qtbot, lambda: window.jobs.idle, timeout=10_000)  # the job itself ended
    assert panel.result is None and torch.equal(explorer.ex.z, z)


def test_a_bad_picture_is_a_message_and_checkpoints_go_to_the_window(window, qtbot, tmp_path):
    explorer = open_demo(window, qtbot, "fashion-mnist")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert drop(explorer, empty)
    wait_for(qtbot, lambda: explorer.findChild(QMessageBox, "findError") is not None)
    box = explorer.findChild(QMessageBox, "findError")
    assert box.text() == "empty.png is empty"
    assert "empty.png is empty" in explorer.find.text.text()
    box.close()
    # a checkpoint dropped on the explorer is not taken as a picture: the window opens it
    assert drop(explorer, DEMOS / "digits.safetensors")
    wait_for(qtbot, lambda: explorer.ex.checkpoint_path.name == "digits.safetensors")
    assert explorer.findChild(QMessageBox, "findError") is None


def test_a_click_on_the_plane_moves_to_the_noise_landing_nearest(window, qtbot):
    explorer = open_demo(window, qtbot, "ring")
    panel = explorer.find
    assert not panel.find_button.isVisibleTo(panel) and "Click a spot" in panel.text.text()
    explorer.image.resize(420, 420)
    wait_for(qtbot, lambda: explorer.image.image() is not None)
    # a spot on the ring: where some noise lands
    with torch.no_grad():
        target = explorer.ex.G(torch.tensor([[0.8, -0.3]]))[0].numpy()
    rect = explorer.image.target_rect()
    x0, x1, y0, y1 = explorer.ex.bounds
    at = QPointF(rect.left() + (target[0] - x0) / (x1 - x0) * rect.width(),
                 rect.top() + (1 - (target[1] - y0) / (y1 - y0)) * rect.height())
    QTest.mouseClick(explorer.image, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, at.toPoint())
    wait_for(qtbot, lambda: panel.result is not None and explorer.renderer.idle)
    with torch.no_grad():
        landed = explorer.ex.G(explorer.ex.z[None])[0].numpy()
    pixel = (x1 - x0) / rect.width()  # the click is good to a pixel
    assert np.linalg.norm(landed - target) < 3 * pixel
    assert "nearest the spot" in panel.text.text()


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)

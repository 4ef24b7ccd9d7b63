"""The explorer's Directions tab, driven as a user drives it: strips of the found directions,
ticked and ordered for the sliders; samples tagged by clicking, taught, and the new slider."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QToolButton

from ganstudio.training import Trainer
from tests.conftest import tiny_config


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    t = Trainer(tiny_config("digits", model__conditional=True))
    return t.save_checkpoint(tmp_path_factory.mktemp("ckpt") / "digits")


@pytest.fixture
def explorer(qtbot, checkpoint):
    from ganstudio.explore.exploration import Exploration
    from ganstudio.gui.explorer.view import LatentExplorer
    from ganstudio.gui.jobs import JobRunner

    jobs = JobRunner()
    w = LatentExplorer(jobs=jobs)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.show_exploration(Exploration.from_checkpoint(checkpoint))
    qtbot.waitUntil(lambda: w.ex is not None and w.renderer.idle, timeout=30_000)
    w.tabs.setCurrentWidget(w.directions_tab)
    yield w
    w.shutdown()
    jobs.shutdown()
    qtbot.waitUntil(lambda: jobs.thread.isFinished() and w.renderer.thread.isFinished(),
                    timeout=10_000)


def idle(qtbot, w):
    qtbot.waitUntil(lambda: w.jobs.idle and w.renderer.idle, timeout=30_000)


def click_cell(qtbot, grid, i, button=Qt.MouseButton.LeftButton):
    """Click the middle of picture ``i`` as a person sees it: the grid drawn is 6 pictures
    across, 4 down."""
    from ganstudio.gui.explorer.teach_panel import COLS

    rect = grid.target_rect()
    rows = (grid.count + COLS - 1) // COLS
    x = rect.x() + (i % COLS + 0.5) * rect.width() / COLS
    y = rect.y() + (i // COLS + 0.5) * rect.height() / rows
    qtbot.mouseClick(grid, button, pos=QPoint(round(x), round(y)))


def test_found_directions_show_a_strip_each_and_the_ticked_ones_drive_the_sliders(explorer,
                                                                                   qtbot):
    tab = explorer.directions_tab
    qtbot.waitUntil(lambda: len(tab.rows) == 8 and tab.rows[-1].strip.image() is not None,
                    timeout=30_000)
    idle(qtbot, explorer)
    strip = tab.rows[0].strip.image()
    assert strip.width() == 7 * 33 + 1  # the slider at seven places, -3 .. 3
    assert [r.direction.name for r in tab.rows][:2] == ["SeFa 1", "SeFa 2"]
    for r in tab.rows:
        r.tick.setChecked(r.direction.name in ("SeFa 1", "SeFa 2"))
    up = tab.rows[1].findChildren(QToolButton)[0]
    qtbot.mouseClick(up, Qt.MouseButton.LeftButton)  # SeFa 2 up, before SeFa 1
    tab.use_button.click()
    assert [n for n, _ in explorer.ex.slider_names()] == ["SeFa 2", "SeFa 1"]
    assert len(explorer.move_tab.sliders) == 2
    assert "Directions tab" in explorer.status.text()


def test_tagging_pictures_and_teach_adds_a_named_slider_that_moves_the_picture(explorer,
                                                                              qtbot, checkpoint):
    tab = explorer.directions_tab
    tab.pages.setCurrentWidget(tab.teach)
    panel = tab.teach
    qtbot.waitUntil(lambda: panel.grid_z is not None and panel.grid.image() is not None,
                    timeout=30_000)
    z = panel.grid_z
    # a rule a person could see: the first noise number's sign (has it when positive)
    for i in range(len(z)):
        click_cell(qtbot, panel.grid, i)  # once: has it
        if z[i, 0] <= 0:
            click_cell(qtbot, panel.grid, i)  # twice: lacks it
    has = int((z[:, 0] > 0).sum())
    assert panel.count_label.text() == f"{has} have it, {len(z) - has} lack it"
    assert set(panel.grid.tags.values()) == {1, -1}
    panel.name.setText("first number")
    qtbot.mouseClick(panel.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.teach_button.isEnabled() and explorer.jobs.idle,
                    timeout=30_000)
    assert "Taught 'first number'" in panel.result.text(), panel.result.text()
    assert panel.result_strip.isVisible()
    names = [n for n, _ in explorer.ex.slider_names()]
    assert names[0] == "first number" and len(names) == 9  # before the 8 sliders there were
    assert checkpoint.with_name("digits.directions.safetensors").is_file()
    v = explorer.ex.taught[-1].vector
    assert float(v[0]) == float(v.abs().max())  # it found the rule
    idle(qtbot, explorer)
    before = explorer.image.image().copy()
    explorer.sliders[0].setValue(300)  # the new slider, to +3
    qtbot.waitUntil(lambda: explorer.renderer.idle and explorer.image.image() != before,
                    timeout=20_000)
    assert explorer.ex.values[0] == pytest.approx(3.0)


def test_clicks_cycle_the_tag_and_too_few_tags_are_refused_in_words(explorer, qtbot):
    tab = explorer.directions_tab
    tab.pages.setCurrentWidget(tab.teach)
    panel = tab.teach
    qtbot.waitUntil(lambda: panel.grid_z is not None and panel.grid.image() is not None,
                    timeout=30_000)
    click_cell(qtbot, panel.grid, 5)
    assert panel.grid.tags == {5: 1}
    click_cell(qtbot, panel.grid, 5)
    assert panel.grid.tags == {5: -1}
    click_cell(qtbot, panel.grid, 5)
    assert panel.grid.tags == {}
    click_cell(qtbot, panel.grid, 2)
    click_cell(qtbot, panel.grid, 3, Qt.MouseButton.RightButton)  # right click: no tag
    assert panel.grid.tags == {2: 1}
    qtbot.mouseClick(panel.findChild(QPushButton, "teachOther"),
                     Qt.MouseButton.LeftButton)  # other samples: the tag made stays
    qtbot.waitUntil(lambda: panel.grid_z is not None and panel.seed == 501 and
                    explorer.jobs.idle, timeout=30_000)
    assert panel.count_label.text() == "1 have it, 0 lack it" and panel.grid.tags == {}
    sliders, taught = len(explorer.move_tab.sliders), list(explorer.ex.taught)
    panel.name.setText("x")
    qtbot.mouseClick(panel.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.teach_button.isEnabled() and explorer.jobs.idle,
                    timeout=30_000)
    assert "Every tag is on one side" in panel.result.text()
    assert len(explorer.move_tab.sliders) == sliders
    assert explorer.ex.taught == taught


def forget_button(tab, name):
    [row] = [r for r in tab.rows if r.direction.name == name]
    return row.forget


def answer(qtbot, tab, yes: bool):
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: tab.dialog is not None, timeout=5_000)
    box = tab.dialog
    assert box.objectName() == "forgetDialog" and box.isVisible()
    which = QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No
    qtbot.mouseClick(box.button(which), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=5_000)
    return box.text()


def test_a_taught_direction_is_forgotten_from_the_list_the_sliders_and_its_file(
        explorer, qtbot, checkpoint, tmp_path):
    import shutil

    import torch

    from ganstudio.explore import direction_files
    from ganstudio.explore.directions import Direction
    from ganstudio.explore.exploration import Exploration

    ckpt = shutil.copy(checkpoint, tmp_path / "model.safetensors")
    n = explorer.ex.spec.latent_dim
    for i, name in enumerate(["smile", "glasses"]):
        v = torch.zeros(n)
        v[i] = 1
        direction_files.add(ckpt, Direction(name, "taught", v, None, {"has": 3, "lacks": 3}), n)
    explorer.show_exploration(Exploration.from_checkpoint(ckpt))
    tab = explorer.directions_tab
    qtbot.waitUntil(lambda: [r.direction.name for r in tab.rows][:3] == ["smile", "glasses",
                                                                        "SeFa 1"],
                    timeout=30_000)
    idle(qtbot, explorer)
    assert [r.forget is not None for r in tab.rows][:3] == [True, True, False]  # taught only
    for r in tab.rows:
        r.tick.setChecked(r.direction.name in ("smile", "glasses", "SeFa 1"))
    tab.use_button.click()
    assert [n for n, _ in explorer.ex.slider_names()] == ["smile", "glasses", "SeFa 1"]

    def saved():
        return [d.name for d in direction_files.load_for(ckpt, n)]

    # answering no keeps it
    qtbot.mouseClick(forget_button(tab, "smile"), Qt.MouseButton.LeftButton)
    assert "'smile'" in answer(qtbot, tab, yes=False)
    assert "smile" in [r.direction.name for r in tab.rows] and saved() == ["smile", "glasses"]
    assert [n for n, _ in explorer.ex.slider_names()] == ["smile", "glasses", "SeFa 1"]

    # yes: gone from the list, the file and the sliders, which move along the rest
    qtbot.mouseClick(forget_button(tab, "smile"), Qt.MouseButton.LeftButton)
    answer(qtbot, tab, yes=True)
    assert [r.direction.name for r in tab.rows][:2] == ["glasses", "SeFa 1"]
    assert saved() == ["glasses"]
    assert [n for n, _ in explorer.ex.slider_names()] == ["glasses", "SeFa 1"]
    assert len(explorer.move_tab.sliders) == 2
    assert [d.name for d in explorer.ex.taught] == ["glasses"]
    assert "Forgot 'smile'" in tab.message.text()
    idle(qtbot, explorer)  # the strips redrawn since: still without it
    assert [r.direction.name for r in tab.rows][:2] == ["glasses", "SeFa 1"]

    # a damaged file: said in one sentence, and nothing forgotten
    path = direction_files.saved_path(ckpt)
    good = path.read_bytes()
    path.write_bytes(b"not a file of directions")
    qtbot.mouseClick(forget_button(tab, "glasses"), Qt.MouseButton.LeftButton)
    answer(qtbot, tab, yes=True)
    assert tab.message.text() == ("Cannot forget 'glasses': model.directions.safetensors is not "
                                  "a file of directions, or it is damaged.")
    assert "glasses" in [r.direction.name for r in tab.rows]
    path.write_bytes(good)

    # the sliders' only direction: they fall back to the leading ones found (SeFa)
    for r in tab.rows:
        r.tick.setChecked(r.direction.name == "glasses")
    tab.use_button.click()
    assert [n for n, _ in explorer.ex.slider_names()] == ["glasses"]
    qtbot.mouseClick(forget_button(tab, "glasses"), Qt.MouseButton.LeftButton)
    answer(qtbot, tab, yes=True)
    assert saved() == [] and explorer.ex.taught == []
    assert tab.rows[0].direction.name == "SeFa 1"
    assert [n for n, _ in explorer.ex.slider_names()] == [f"SeFa {i}" for i in range(1, 9)]

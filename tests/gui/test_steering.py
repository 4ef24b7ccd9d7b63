"""Steering a run from the window (issue 24), as a user does it: settings changed while it
trains (and refused with the reason), the changes marked on the plots, training D or G alone,
slow motion, the timeline of snapshots, branching from one, and comparing two runs."""

import hashlib
import time

import numpy as np
from PySide6.QtWidgets import QComboBox, QLabel, QToolButton

from tests.gui.conftest import use_config, wait_for


def trainer(window):
    return window.controller.trainer


def train_until(window, qtbot, step):
    window.train_button.click()
    wait_for(qtbot, lambda: trainer(window) is not None and trainer(window).steps_done >= step)


def image_pixels(view) -> bytes:
    """The picture's pixels, row by row without the padding at each row's end (whatever the
    memory there holds is not part of the picture)."""
    from PySide6.QtGui import QImage

    img = view.image()
    if img is None:
        return b""
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    raw, line, width = bytes(img.constBits()), img.bytesPerLine(), img.width() * 4
    return b"".join(raw[y * line:y * line + width] for y in range(img.height()))


def test_a_changed_d_rate_reaches_the_run_and_is_marked_on_every_plot(window, qtbot):
    use_config(window, qtbot, "ring", training__steps=0)
    train_until(window, qtbot, 20)
    rate = window.findChild(object, "field_optimizer_lr_d")
    latent = window.findChild(object, "field_model_latent_dim")
    assert rate.isEnabled()  # may change while it trains
    assert not latent.isEnabled()  # part of the networks: fixed, and says why
    assert "noise size is part of the networks" in latent.toolTip()
    rate.setValue(3e-5)
    tr = trainer(window)
    wait_for(qtbot, lambda: tr.config.optimizer.lr_d == 3e-5)
    assert all(g["lr"] <= 3e-5 for g in tr.opt_d.param_groups)  # (a schedule may lower it)
    change = next(c for c in tr.changes if c.field == "optimizer.lr_d")
    wait_for(qtbot, lambda: len(window.steering.marks.lines) == len(window.plots.plots))
    for name, plot in window.plots.plots.items():  # a marker on every plot, at its step
        marks = [i for i in plot.getPlotItem().items if getattr(i, "change", None) == change]
        assert len(marks) == 1 and marks[0].value() == change.step, name
    assert "Discriminator learning rate" in window.statusBar().currentMessage()
    step = tr.steps_done
    wait_for(qtbot, lambda: tr.steps_done > step + 10)  # and on it goes


def test_a_refused_change_shows_why_beside_the_field_and_the_run_goes_on(window, qtbot):
    use_config(window, qtbot, "ring", training__steps=0, loss__label_smoothing=0.1)
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))
    train_until(window, qtbot, 10)
    loss = window.findChild(QComboBox, "lossChoice")
    assert loss.isEnabled()
    loss.setCurrentIndex(loss.findData("hinge"))  # needs no label smoothing: refused
    problem = window.findChild(QLabel, "problem_loss_name")
    wait_for(qtbot, lambda: "Label smoothing needs" in problem.text())
    assert problem.isVisibleTo(window)
    assert loss.currentData() == "nonsaturating"  # back to the run's value
    assert window.config.loss.name == "nonsaturating"
    tr = trainer(window)
    assert tr.config.loss.name == "nonsaturating" and not tr.changes
    step = tr.steps_done
    wait_for(qtbot, lambda: tr.steps_done > step + 10)
    assert window.run_state == "running"


def test_d_only_leaves_the_generators_samples_unchanged_while_d_learns(window, qtbot):
    use_config(window, qtbot, "digits", training__steps=0)
    train_until(window, qtbot, 3)
    window.pause_button.click()
    wait_for(qtbot, lambda: window.run_state == "paused")
    window.findChild(QToolButton, "trainDOnly").click()
    tr = trainer(window)
    wait_for(qtbot, lambda: tr.config.training.update == "d")
    assert window.findChild(QComboBox, "field_training_update").currentData() == "d"
    view = window.sample_view
    step = tr.steps_done
    window.step_button.click()  # one step of D: the picture after it
    wait_for(qtbot, lambda: window.last_step == step + 1 and view.version > 0)
    wait_for(qtbot, lambda: tr.steps_done == step + 1)
    d_before = {k: v.clone() for k, v in tr.D.state_dict().items()}
    qtbot.wait(500)  # the picture of that step is on screen
    before, shown = image_pixels(view), view.version
    for i in range(9):
        window.step_button.click()
        wait_for(qtbot, lambda i=i: window.last_step == step + 2 + i)
    wait_for(qtbot, lambda: view.version > shown)
    qtbot.wait(500)
    assert tr.steps_done == step + 10
    assert image_pixels(view) == before  # G did not learn: the same samples, pixel for pixel
    assert any(not (v == d_before[k]).all() for k, v in tr.D.state_dict().items())
    # the stretch where only D learned is shaded on every plot
    regions = window.steering.marks.regions
    assert len(regions) == len(window.plots.plots) and all(r.alone == "d" for r in regions)
    window.findChild(QToolButton, "trainBoth").click()
    wait_for(qtbot, lambda: tr.config.training.update == "both")
    window.step_button.click()
    wait_for(qtbot, lambda: tr.steps_done == step + 11)
    wait_for(qtbot, lambda: image_pixels(view) != before)  # both again: G moves


def test_slow_motion_paces_the_steps(window, qtbot):
    use_config(window, qtbot, "ring", training__steps=0)
    train_until(window, qtbot, 5)
    pace = window.findChild(QComboBox, "slowMotion")
    pace.setCurrentIndex(pace.findData(5.0))
    qtbot.wait(400)  # the step under way when it was chosen
    tr = trainer(window)
    start, t0 = tr.steps_done, time.monotonic()
    qtbot.wait(2000)
    steps, seconds = tr.steps_done - start, time.monotonic() - t0
    assert 1 <= steps <= 5 * seconds + 2, (steps, seconds)  # at full speed: hundreds
    pace.setCurrentIndex(pace.findData(0.0))
    wait_for(qtbot, lambda: tr.steps_done > start + steps + 50)


def test_the_timeline_shows_an_earlier_snapshots_picture(window, qtbot):
    from ganstudio.gui.training_view.timeline import snapshot_picture

    use_config(window, qtbot, "ring", training__steps=0)
    train_until(window, qtbot, 60)
    timeline = window.steering.timeline
    wait_for(qtbot, lambda: len(timeline.snapshots) >= 5)
    assert timeline.live and not timeline.branch_button.isEnabled()
    timeline.choose_step(10)
    assert timeline.chosen[0] == 10 and "step 10" in timeline.label.text()
    wait_for(qtbot, lambda: timeline.picture.image() is not None)
    assert window.run_split.samples_stack.currentWidget() is timeline.picture
    shown = timeline.picture.image()
    expected = snapshot_picture(timeline.chosen[1])
    later = snapshot_picture(timeline.snapshots[-1][1])
    assert (shown.width(), shown.height()) == expected.shape[1::-1]
    assert not np.array_equal(expected, later)  # a step-10 picture, not the newest
    px = np.frombuffer(bytes(shown.constBits()), np.uint8).reshape(
        shown.height(), shown.bytesPerLine())[:, :3 * shown.width()]
    assert np.array_equal(px.reshape(expected.shape), expected)
    timeline.go_live()
    assert window.run_split.samples_stack.currentWidget() is window.plane_panel


def _files(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_branch_from_a_snapshot_starts_a_new_run_folder_and_leaves_the_original(window, qtbot):
    use_config(window, qtbot, "ring", training__steps=0)
    train_until(window, qtbot, 60)
    origin = window.controller.run.folder
    window.stop_button.click()
    wait_for(qtbot, lambda: not window.controller.running)
    before = _files(origin)
    timeline = window.steering.timeline
    wait_for(qtbot, lambda: any(s == 50 for s, _ in timeline.snapshots))
    timeline.choose_step(50)
    window.findChild(object, "field_optimizer_lr_d").setValue(5e-5)  # another setting
    first = window.controller.run
    timeline.branch_button.click()
    wait_for(qtbot, lambda: window.controller.run is not first
             and trainer(window).steps_done >= 60)
    run = window.controller.run
    assert run.folder != origin and run.folder.parent == origin.parent
    changes = (run.folder / "changes.csv").read_text().splitlines()
    assert changes[1].startswith("50,optimizer.lr_d,") and changes[1].endswith(",5e-05")
    assert "branched at step 50" in run.title
    assert trainer(window).config.optimizer.lr_d == 5e-5
    window.stop_button.click()
    wait_for(qtbot, lambda: not window.controller.running)
    assert _files(origin) == before  # the original run's files, byte for byte


def test_another_runs_curves_can_be_drawn_over_the_plots(window, qtbot, tmp_path):
    from ganstudio.training.run import Run
    from tests.conftest import tiny_config

    other = tmp_path / "other-run"
    run = Run(tiny_config("ring"), folder=other)
    run.train(30)
    run.close()
    window.steering.comparison.compare(other)
    loss = window.plots.plots["loss"].getPlotItem()
    wait_for(qtbot, lambda: any(getattr(i, "compared", False) for i in loss.items))
    curve = next(i for i in loss.items if getattr(i, "compared", False))
    assert "(B: other-run)" in curve.name()
    x, y = curve.getData()
    assert len(x) == 30 and np.isfinite(y).all()
    window.steering.comparison.remove()
    assert not any(getattr(i, "compared", False) for i in loss.items)


def test_the_explorer_shows_one_noise_through_two_snapshots_side_by_side(window, qtbot,
                                                                         tmp_path):
    from ganstudio.training import Trainer, train
    from tests.conftest import tiny_config

    t = Trainer(tiny_config("digits"))
    train(t, 2)
    early = t.save_checkpoint(tmp_path / "early")
    train(t, 20)
    later = t.save_checkpoint(tmp_path / "later")
    window.open_checkpoint(str(early), resume=False)
    ex = window.explorer
    wait_for(qtbot, lambda: ex.ex is not None and ex.renderer.idle and ex.image.version > 0)
    side = window.steering.side_by_side
    side.open(later)
    wait_for(qtbot, lambda: side.version > 0 and ex.renderer.idle)
    assert side.box.isVisibleTo(window) and "step 22" in side.caption.text()
    first, mine = image_pixels(side.image), image_pixels(ex.image)
    assert first and first != mine  # the same noise, another generator
    shown = side.version
    ex.move_tab.sliders[0].setValue(ex.move_tab.sliders[0].value() + 40)  # it moves along
    wait_for(qtbot, lambda: side.version > shown and ex.renderer.idle)
    assert image_pixels(side.image) != first

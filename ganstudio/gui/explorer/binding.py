"""What the explorer is shown, and when: the current run's generator, a checkpoint's, or a
bundled demo model on a first visit; and demo mode over the same model.

The explorer and the demo window are views of one core ``Exploration``; this binds them to the
rest of the window (the run, the files, the tabs) so neither knows of the other.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from ganstudio.explore.demos import list_demos
from ganstudio.gui.explorer.view import LatentExplorer
from ganstudio.gui.training_view.worker import Failure


class ExplorerBinding(QObject):
    # the explorer wants to be in front (demo mode asked for with nothing to show)
    show_requested = Signal()

    def __init__(self, explorer: LatentExplorer, *, files, controller,
                 run_position: Callable[[], tuple[int, str]],
                 engine_ready: Callable[[], bool], engine_loaded,
                 in_front: Callable[[], bool], parent: QObject | None = None):
        """``files``: the window's file actions (open a checkpoint); ``controller``: the
        training controller (its trainer, requests); ``run_position()``: the run's last step
        and state; ``engine_ready()`` / ``engine_loaded`` (a signal): torch has loaded;
        ``in_front()``: the Explore tab is the one shown."""
        super().__init__(parent)
        self.files = files
        self.controller = controller
        self.run_position = run_position
        self.engine_ready = engine_ready
        self.engine_loaded = engine_loaded
        self.in_front = in_front
        self.explorer = explorer
        self.asked = False  # has a model been asked for (so no demo model in its place)?
        self.shown_step = -1  # the training step of the run's generator shown, if any
        self.demo_window = None
        explorer.snapshot_requested.connect(self.explore_current_run)
        explorer.open_requested.connect(files.open_checkpoint_dialog)
        explorer.demo_requested.connect(self.enter_demo_mode)
        explorer.demo_model_requested.connect(
            lambda path: files.open_checkpoint(path, resume=False))
        explorer.set_demo_models(list_demos())

    def visited(self) -> None:
        """The Explore tab came to the front: show the newest model there is."""
        tr = self.controller.trainer
        last_step, state = self.run_position()
        if tr is not None and self.shown_step != last_step and \
                state not in ("starting", "ready"):
            self.explore_current_run()
        elif tr is None and self.explorer.ex is None and not self.asked:
            self.show_first_demo()

    def show_first_demo(self) -> None:
        """First visit with nothing trained: a demo model to play with, shown where the user is
        (no tab switch: they may have moved on). Before the engine has loaded, it comes once
        the engine is there."""
        if not self.engine_ready():
            self.engine_loaded.connect(self._demo_after_engine)
            return
        demos = list_demos()
        if demos:
            self.files.open_checkpoint(demos[0][1], resume=False, show=False)
            self.asked = True

    def _demo_after_engine(self) -> None:
        self.engine_loaded.disconnect(self._demo_after_engine)
        if self.in_front() and self.explorer.ex is None \
                and not self.asked and self.controller.trainer is None:
            self.show_first_demo()

    def explore_current_run(self) -> None:
        if self.controller.trainer is None:
            self.explorer.status.setText("Train a GAN first (or open a checkpoint).")
            return

        def snapshot(tr):
            from ganstudio.explore.exploration import Exploration

            return Exploration.from_trainer(tr)

        def got(result):
            if isinstance(result, Failure):
                self.explorer.status.setText(result.message)
                return
            self.shown_step = result.steps
            self.explorer.show_exploration(result)

        self.controller.request(snapshot, got)

    def show_checkpoint(self, exploration, ckpt) -> None:
        self.asked = True
        self.explorer.show_exploration(exploration)
        self.shown_step = ckpt.steps_done

    def enter_demo_mode(self) -> None:
        """Full screen, large type, the explorer's generator wandering by itself."""
        if self.explorer.ex is None:
            self.show_requested.emit()
            self.explorer.status.setText("Open a model first: train one, or pick a demo model.")
            return
        from ganstudio.gui.explorer.demo import DemoWindow

        if self.demo_window is None:
            self.demo_window = DemoWindow(self.explorer)
        self.demo_window.start()

    def close(self) -> None:
        if self.demo_window is not None:
            self.demo_window.close()
        self.explorer.shutdown()

"""What the explorer is shown, and when: the current run's generator, a checkpoint's, or a
bundled demo model on a first visit; and demo mode over the same model.

The explorer and the demo window are views of one core ``Exploration``; this binds them to the
rest of the window (the run, the files, the tabs) so neither knows of the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ganstudio.explore.demos import list_demos
from ganstudio.gui.explorer.view import LatentExplorer
from ganstudio.gui.training_view.worker import Failure

if TYPE_CHECKING:
    from ganstudio.gui.main_window import MainWindow


class ExplorerBinding(QObject):
    def __init__(self, window: "MainWindow", explorer: LatentExplorer):
        super().__init__(window)
        self.window = window
        self.explorer = explorer
        self.asked = False  # has a model been asked for (so no demo model in its place)?
        self.shown_step = -1  # the training step of the run's generator shown, if any
        self.demo_window = None
        explorer.snapshot_requested.connect(self.explore_current_run)
        explorer.open_requested.connect(window.files.open_checkpoint_dialog)
        explorer.demo_requested.connect(self.enter_demo_mode)
        explorer.demo_model_requested.connect(
            lambda path: window.files.open_checkpoint(path, resume=False))
        explorer.set_demo_models(list_demos())

    def visited(self) -> None:
        """The Explore tab came to the front: show the newest model there is."""
        w = self.window
        tr = w.controller.trainer
        if tr is not None and self.shown_step != w.last_step and \
                w.run_state not in ("starting", "ready"):
            self.explore_current_run()
        elif tr is None and self.explorer.ex is None and not self.asked:
            self.show_first_demo()

    def show_first_demo(self) -> None:
        """First visit with nothing trained: a demo model to play with, shown where the user is
        (no tab switch: they may have moved on). Before the engine has loaded, it comes once
        the engine is there."""
        if not self.window.engine_ready:
            self.window.engine_loaded.connect(self._demo_after_engine)
            return
        demos = list_demos()
        if demos:
            self.window.files.open_checkpoint(demos[0][1], resume=False, show=False)
            self.asked = True

    def _demo_after_engine(self) -> None:
        self.window.engine_loaded.disconnect(self._demo_after_engine)
        w = self.window
        if w.view_tabs.currentWidget() is self.explorer and self.explorer.ex is None \
                and not self.asked and w.controller.trainer is None:
            self.show_first_demo()

    def explore_current_run(self) -> None:
        w = self.window
        if w.controller.trainer is None:
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

        w.controller.request(snapshot, got)

    def show_checkpoint(self, exploration, ckpt) -> None:
        self.asked = True
        self.explorer.show_exploration(exploration)
        self.shown_step = ckpt.steps_done

    def enter_demo_mode(self) -> None:
        """Full screen, large type, the explorer's generator wandering by itself."""
        w = self.window
        if self.explorer.ex is None:
            w.view_tabs.setCurrentWidget(self.explorer)
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

"""The main window: settings panels on the left, the run (samples, 2-D view, plots) and the
latent explorer on the right, Train / Pause / Step / Stop on the toolbar.

The window shows quickly: torch is imported in the background after it appears ("engine"), and
everything that takes time (reading data, counting weights, training, rendering) happens off the
UI thread.
"""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QSettings, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QSplitter, QStackedWidget, QTabWidget, QToolBar,
                               QToolButton, QVBoxLayout, QWidget)

from ganstudio.config import ConfigError, ExperimentConfig
from ganstudio.gui.collector import collect_in_ui_thread, freeze_loaded_modules
from ganstudio.gui.explorer.view import LatentExplorer
from ganstudio.gui.jobs import JobRunner
from ganstudio.gui.settings.panels import ArchitecturePanel, DatasetPanel, LossPanel, scrolled
from ganstudio.gui.training_view.plane import PlanePanel
from ganstudio.gui.training_view.plots import MetricsPlots
from ganstudio.gui.theme import apply_theme, restyle_plots
from ganstudio.gui.widgets import ImageView, SteadyLabel
from ganstudio.gui.training_view.worker import Failure, TrainingController
from ganstudio.paths import resources_dir
from ganstudio.presets import DEFAULT_PRESET, list_presets, load_preset
from ganstudio.explore.demos import list_demos

APP_NAME = "GAN Studio"
MAX_RECENT = 8
DATA_DELAY_MS = 250  # wait for typing to pause before re-reading data


def app_settings() -> QSettings:
    """The user's preferences; tests point GANSTUDIO_SETTINGS_FILE at a temporary file."""
    path = os.environ.get("GANSTUDIO_SETTINGS_FILE")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("GAN Studio", "GAN Studio")


def data_dir() -> Path:
    """Where the app keeps its own files (autosaved checkpoints)."""
    env = os.environ.get("GANSTUDIO_DATA_DIR")
    base = Path(env) if env else Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation))
    return base


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


def _format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _warm_up(progress) -> bool:
    """Load the training engine (torch) in the background."""
    progress(0, 1, "Loading the training engine")
    import torch  # noqa: F401

    import ganstudio.data  # noqa: F401
    import ganstudio.training.session  # noqa: F401

    progress(1, 1, "Loading the training engine")
    return True


class MainWindow(QMainWindow):
    engine_loaded = Signal()

    def __init__(self, config: ExperimentConfig | None = None, settings: QSettings | None = None):
        super().__init__()
        collect_in_ui_thread()  # before any thread starts: see gui/collector.py
        self.settings = settings or app_settings()
        self.config = config or load_preset(DEFAULT_PRESET)
        self.experiment_path: Path | None = None
        self.modified = False
        self.engine_ready = False
        self.run_state = "idle"  # idle | starting | running | paused | finished | stopped...
        self._source_cache: tuple[str, object] | None = None  # (data key, loaded source)
        self._dialogs: list[QMessageBox] = []
        self._closing = False
        self._rate = None  # (monotonic time, step) for steps/s
        self._steps_per_s = 0.0
        self._elapsed = 0.0
        self._target = 0
        self._last_step = 0
        self._explorer_asked = False  # has the user opened a model for the explorer yet?
        self._explorer_step = -1
        self.setWindowIcon(icon("app"))
        self.resize(1280, 800)

        self.jobs = JobRunner(self)
        self.jobs.done.connect(self._job_done)
        self.jobs.failed.connect(self._job_failed)
        self.jobs.progress.connect(self._job_progress)
        self.controller = TrainingController(self)
        c = self.controller
        c.loading.connect(self._run_loading)
        c.ready.connect(self._run_ready)
        c.metrics.connect(self._run_metrics)
        c.picture.connect(self._run_picture)
        c.state.connect(self._run_state)
        c.failed.connect(self._run_failed)
        c.finished.connect(self._run_finished)

        self._build_ui()
        self._build_menus()
        self._data_timer = QTimer(self, singleShot=True, interval=DATA_DELAY_MS)
        self._data_timer.timeout.connect(self._request_data)
        self._counts_timer = QTimer(self, singleShot=True, interval=DATA_DELAY_MS)
        self._counts_timer.timeout.connect(self._request_counts)
        self._restore_layout()
        self._config_changed_everywhere()
        self._update_buttons()
        self.jobs.submit("engine", _warm_up)

    # --- layout -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        cfg = self.config
        self.dataset_panel = DatasetPanel(cfg)
        self.architecture_panel = ArchitecturePanel(cfg)
        self.loss_panel = LossPanel(cfg)
        self.forms = ([self.dataset_panel.form, self.architecture_panel.form]
                      + self.loss_panel.all_forms)
        for form in self.forms:
            form.changed.connect(self._field_changed)
        self.dataset_panel.plane.point_added.connect(self._add_point)
        self.dataset_panel.plane.point_removed.connect(self._remove_point)

        self.settings_tabs = QTabWidget()
        self.settings_tabs.setObjectName("settingsTabs")
        self.settings_tabs.addTab(scrolled(self.dataset_panel), "1  Data")
        self.settings_tabs.addTab(scrolled(self.architecture_panel), "2  Model")
        self.settings_tabs.addTab(scrolled(self.loss_panel), "3  Loss && training")
        self.settings_tabs.setMinimumWidth(340)

        # the run: samples (pictures) or the plane (points) beside the plots
        self.sample_view = ImageView(placeholder="Press Train: samples from the generator "
                                     "appear here as it learns.")
        self.sample_view.setObjectName("samplePreview")
        self.plane_panel = PlanePanel()
        self.plane_panel.drawn.connect(self.controller.picture_shown)
        self.plane_panel.layers_changed.connect(self.controller.set_plane_layers)
        self.controller.set_plane_layers(self.plane_panel.layers())
        self.samples_stack = QStackedWidget()
        self.samples_stack.addWidget(self.sample_view)
        self.samples_stack.addWidget(self.plane_panel)
        self.samples_caption = QLabel()
        self.samples_caption.setObjectName("samplesCaption")
        self.samples_caption.setProperty("role", "hint")
        self.samples_caption.setWordWrap(True)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.samples_stack, 1)
        ll.addWidget(self.samples_caption)
        self.plots = MetricsPlots()
        self.run_split = QSplitter(Qt.Orientation.Horizontal)
        self.run_split.setObjectName("runSplitter")
        self.run_split.addWidget(left)
        self.run_split.addWidget(self.plots)
        self.run_split.setStretchFactor(0, 1)
        self.run_split.setStretchFactor(1, 1)
        self.run_split.setSizes([440, 520])

        self.explorer = LatentExplorer(jobs=self.jobs)
        self.explorer.snapshot_requested.connect(self.explore_current_run)
        self.explorer.open_requested.connect(self.open_checkpoint_dialog)
        self.explorer.demo_requested.connect(self.enter_demo_mode)
        self.explorer.demo_model_requested.connect(
            lambda path: self.open_checkpoint(path, resume=False))
        self.explorer.set_demo_models(list_demos())
        self.demo_window = None
        self.setAcceptDrops(True)
        self.view_tabs = QTabWidget()
        self.view_tabs.setObjectName("viewTabs")
        self.view_tabs.addTab(self.run_split, "Training")
        self.view_tabs.addTab(self.explorer, "Explore")
        self.view_tabs.currentChanged.connect(self._view_tab_changed)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplitter")
        self.main_split.addWidget(self.settings_tabs)
        self.main_split.addWidget(self.view_tabs)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([380, 900])
        self.setCentralWidget(self.main_split)

        self._build_toolbar()
        self._build_status_bar()

    def _tool_button(self, name: str, text: str, icon_name: str, tip: str, shortcut: str,
                     slot) -> QToolButton:
        b = QToolButton()
        b.setObjectName(name)
        b.setText(text)
        b.setIcon(icon(icon_name))
        b.setIconSize(QSize(20, 20))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setToolTip(f"{tip} ({shortcut})")
        b.setShortcut(QKeySequence(shortcut))
        b.clicked.connect(slot)
        return b

    def _build_toolbar(self) -> None:
        tb = QToolBar("Training")
        tb.setObjectName("trainingToolbar")
        tb.setMovable(False)
        self.train_button = self._tool_button(
            "trainButton", "Train", "train", "Start training with these settings", "F5",
            self.train)
        self.pause_button = self._tool_button(
            "pauseButton", "Pause", "pause", "Pause or resume training", "F6",
            self.toggle_pause)
        self.step_button = self._tool_button(
            "stepButton", "Step", "step", "While paused: one training step", "F7", self.step)
        self.stop_button = self._tool_button(
            "stopButton", "Stop", "stop", "End this run (its model stays for exploring and "
            "saving)", "Shift+F5", self.stop)
        for b in (self.train_button, self.pause_button, self.step_button, self.stop_button):
            tb.addWidget(b)
        tb.addSeparator()
        self.run_message = QLabel()
        self.run_message.setObjectName("runMessage")
        self.run_message.setProperty("role", "hint")
        tb.addWidget(self.run_message)
        self.addToolBar(tb)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        # sized for typical numbers up front (they grow if needed): see SteadyLabel
        self.step_label = SteadyLabel("Step 888,888")
        self.step_label.setText("Step 0")
        self.step_label.setObjectName("stepLabel")
        self.speed_label = SteadyLabel("8,888 steps/s")
        self.speed_label.setObjectName("speedLabel")
        self.time_label = SteadyLabel("88:88 training")
        self.time_label.setObjectName("timeLabel")
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        sb.addPermanentWidget(self.step_label)
        sb.addPermanentWidget(self.speed_label)
        sb.addPermanentWidget(self.time_label)
        sb.addPermanentWidget(self.progress)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._add_action(f, "&New experiment", "Ctrl+N", self.new_experiment)
        self._add_action(f, "&Open experiment...", "Ctrl+O", self.open_experiment_dialog)
        self._add_action(f, "&Save experiment", "Ctrl+S", self.save_experiment)
        self._add_action(f, "Save experiment &as...", "Ctrl+Shift+S", self.save_experiment_as)
        f.addSeparator()
        self._add_action(f, "Open &checkpoint...", "Ctrl+Shift+O", self.open_checkpoint_dialog)
        self.save_ckpt_action = self._add_action(f, "Save chec&kpoint...", "Ctrl+K",
                                                 self.save_checkpoint_dialog)
        f.addSeparator()
        self.recent_menu = f.addMenu("&Recent files")
        self._fill_recent()
        f.addSeparator()
        self._add_action(f, "&Quit", "Ctrl+Q", self.close)

        p = mb.addMenu("&Presets")
        for preset in list_presets():
            a = p.addAction(preset.title)
            a.setStatusTip(preset.description)
            a.setToolTip(preset.description)
            a.setData(preset.name)
            a.triggered.connect(lambda _=False, n=preset.name: self.load_preset(n))
        p.setToolTipsVisible(True)
        self.presets_menu = p

        v = mb.addMenu("&View")
        group = QActionGroup(self)
        self.theme_actions = {}
        for name, text in (("light", "&Light"), ("dark", "&Dark")):
            a = QAction(text, self, checkable=True)
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(a)
            v.addAction(a)
            self.theme_actions[name] = a
        current = self.settings.value("theme", "light")
        self.theme_actions.get(current, self.theme_actions["light"]).setChecked(True)
        v.addSeparator()
        self._add_action(v, "Demo &mode (full screen)", "F11", self.enter_demo_mode)

        h = mb.addMenu("&Help")
        self._add_action(h, "&What am I looking at?", "F1", self.show_help)
        self._add_action(h, "&About GAN Studio", None, self.show_about)

    def _add_action(self, menu, text, shortcut, slot) -> QAction:
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _restore_layout(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        for key, split in (("window/main", self.main_split), ("window/run", self.run_split)):
            state = self.settings.value(key)
            if state is not None:
                split.restoreState(state)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main", self.main_split.saveState())
        self.settings.setValue("window/run", self.run_split.saveState())

    # --- config ---------------------------------------------------------------------------------
    def set_config(self, config: ExperimentConfig, path: Path | None = None) -> None:
        """Show another experiment's settings (a preset, a file, a checkpoint's)."""
        self.config = config
        for form in self.forms:
            form.set_config(config)
        self.experiment_path = path
        self.modified = False
        self._config_changed_everywhere()

    def _field_changed(self, path: str, value) -> None:
        self.modified = True
        self._refresh_panels()
        if path.startswith("data.") or path == "training.seed":
            self._data_timer.start()
        self._counts_timer.start()
        self._update_title()
        self._update_buttons()

    def _config_changed_everywhere(self) -> None:
        self._refresh_panels()
        self._update_title()
        self._update_buttons()
        if self.engine_ready:
            self._request_data()

    def _refresh_panels(self) -> None:
        problems = dict(self.config.problems())
        self.dataset_panel.refresh(problems)
        self.architecture_panel.refresh(problems)
        self.loss_panel.refresh(problems)
        self.plots.set_loss_kind(self.config.loss.name)

    def _update_title(self) -> None:
        name = self.experiment_path.name if self.experiment_path else "Untitled experiment"
        self.setWindowTitle(f"{name}{' *' if self.modified else ''} - {APP_NAME}")

    def _add_point(self, x: float, y: float) -> None:
        if self.controller.running:
            return
        self.config.set("data.points", self.config.data.points + [[x, y]])
        self.dataset_panel.form.changed.emit("data.points", self.config.data.points)

    def _remove_point(self, index: int) -> None:
        if self.controller.running:
            return
        pts = list(self.config.data.points)
        if 0 <= index < len(pts):
            del pts[index]
            self.config.set("data.points", pts)
            self.dataset_panel.form.changed.emit("data.points", pts)

    # --- background jobs: engine, data preview, weight counts --------------------------------
    def _data_key(self) -> str:
        d = self.config.to_dict()["data"]
        return repr(sorted(d.items()))

    def _request_data(self) -> None:
        if not self.engine_ready:
            return
        problems = dict(self.config.problems())
        data_problem = next((m for p, m in problems.items() if p.startswith("data.")), None)
        if self.config.data.source == "points" and not self.config.data.points:
            self.jobs.cancel("data")
            self.dataset_panel.show_empty_points()
            return
        if data_problem:
            self.jobs.cancel("data")
            self.dataset_panel.show_problem(data_problem)
            return
        key = self._data_key()
        if self._source_cache and self._source_cache[0] == key:
            self._request_counts()
            return
        cfg = self.config.copy()

        def load(progress):
            from ganstudio.data import build_source

            source = build_source(cfg, seed=0, progress=progress)
            if source.kind == "2d":
                preview = source.preview(1000)[0].numpy()
            else:
                from ganstudio.export import image_grid

                preview = image_grid(source.preview(64)[0], nrow=8)
            return key, source, preview

        self.dataset_panel.show_loading(0, 1, "Reading the data")
        self.jobs.submit("data", load)

    def _request_counts(self) -> None:
        if not self.engine_ready or not self._source_cache:
            return
        if self._source_cache[0] != self._data_key():
            return
        source = self._source_cache[1]
        cfg = self.config.copy()

        def count(progress):
            from ganstudio.models import build_models, count_parameters, make_spec

            spec = make_spec(cfg, source)
            G, D = build_models(spec)
            g_text, d_text = spec.layer_shapes()
            return count_parameters(G), count_parameters(D), \
                f"Generator: {g_text}\nDiscriminator: {d_text}"

        self.jobs.submit("counts", count)

    def _job_done(self, kind: str, result) -> None:
        if kind == "engine":
            freeze_loaded_modules()  # later collections skip torch's objects: no UI stalls
            self.engine_ready = True
            self.run_message.setText("")
            self.progress.setVisible(False)
            self._update_buttons()
            self._request_data()
            self.engine_loaded.emit()
        elif kind == "data":
            key, source, preview = result
            self._source_cache = (key, source)
            self.dataset_panel.show_source(source, preview)
            self._request_counts()
        elif kind == "counts":
            g, d, text = result
            self.architecture_panel.show_counts(g, d, text)
        elif kind == "checkpoint":
            self._checkpoint_loaded(*result)

    def _job_failed(self, kind: str, message: str) -> None:
        if kind == "data":
            self._source_cache = None
            self.dataset_panel.show_problem(message)
        elif kind == "counts":
            self.architecture_panel.show_counts_problem(message)
        elif kind == "checkpoint":
            self.show_error("Cannot open the checkpoint", message)
        elif kind == "engine":
            self.show_error("The training engine could not load", message)

    def _job_progress(self, kind: str, done: int, total: int, what: str) -> None:
        if kind == "data":
            self.dataset_panel.show_loading(done, total, what)
        elif kind == "engine":
            self.run_message.setText("Loading the training engine...")
            self.progress.setVisible(True)
            self.progress.setRange(0, 0)  # busy

    # --- training ------------------------------------------------------------------------------
    def train(self) -> None:
        """Start a new run with the current settings."""
        if self.controller.running or not self.engine_ready:
            return
        problems = self.config.problems()
        if problems:
            self.show_error("These settings do not fit together",
                            "\n".join(f"- {msg}" for _, msg in problems))
            return
        cfg = self.config.copy()
        source = None
        if self._source_cache and self._source_cache[0] == self._data_key():
            source = self._source_cache[1].fresh(cfg.training.seed)
        self.view_tabs.setCurrentWidget(self.run_split)  # Train: watch it learn
        self._start_run(cfg, source=source)

    def _start_run(self, cfg, source=None, checkpoint=None, paused=False) -> None:
        self.plots.clear()
        self.sample_view.set_image(None)
        self._last_step = 0
        self._elapsed = 0.0
        self._rate = None
        self._steps_per_s = 0.0
        self._target = cfg.training.steps
        self.samples_stack.setCurrentWidget(
            self.plane_panel if cfg.source_info.kind == "2d" else self.sample_view)
        self.run_state = "starting"
        self.run_message.setText("Getting ready...")
        self._set_settings_locked(True)
        self.controller.start(cfg, source=source, checkpoint=checkpoint, paused=paused)
        self._update_buttons()

    def toggle_pause(self) -> None:
        if self.run_state in ("paused", "finished", "diverged"):
            self.controller.resume()
        elif self.run_state == "running":
            self.controller.pause()

    def step(self) -> None:
        if self.run_state in ("paused", "finished", "diverged"):
            self.controller.step()

    def stop(self) -> None:
        if self.controller.running:
            self.controller.stop()

    def _set_settings_locked(self, locked: bool) -> None:
        for form in self.forms:
            form.setEnabled(not locked)
        self.dataset_panel.plane.editable = not locked

    def _run_loading(self, done: int, total: int, what: str) -> None:
        self.run_message.setText(what + "...")
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _run_ready(self, info: dict) -> None:
        spec = info["spec"]
        self._run_spec = spec
        self._target = info["target"]
        self._elapsed = info["elapsed"]
        self._last_step = info["steps_done"]
        if info["steps_done"]:
            self.plots.set_history(info["history"])
        g_text, d_text = spec.layer_shapes()
        self.architecture_panel.show_counts(info["g_params"], info["d_params"],
                                            f"Generator: {g_text}\nDiscriminator: {d_text}")
        ema = self.config.training.ema > 0
        if spec.kind == "2d":
            self.samples_caption.setText(
                "Grey: real data. Orange: the generator's samples. Background: what the "
                "discriminator believes (green = real, purple = generated). Arrows: where the "
                "generator is pushed.")
        else:
            labels = (f", labels {', '.join(spec.label_names[:10])}"
                      f"{'...' if len(spec.label_names) > 10 else ''} in turn"
                      if spec.conditional else "")
            self.samples_caption.setText(
                f"64 samples from the same noise every time, so you see them improve"
                f"{' (averaged generator)' if ema else ''}{labels}.")
        self.run_message.setText(f"{info['data']}  ·  on the {info['device']}")
        self._update_status(self._last_step)

    def _run_metrics(self, records: list) -> None:
        self.plots.append(records)
        last = records[-1]
        step = int(last["step"])
        self._elapsed += sum(r["step_time"] for r in records)
        now = time.monotonic()
        if self._rate is None:
            self._rate = (now, step - len(records))
        t0, s0 = self._rate
        if now - t0 >= 0.5:  # steps/s over the last half second or more
            inst = (step - s0) / (now - t0)
            self._steps_per_s = inst if self._steps_per_s == 0 else (
                0.7 * self._steps_per_s + 0.3 * inst)
            self._rate = (now, step)
        self._last_step = step
        self._update_status(step)

    def _update_status(self, step: int) -> None:
        target = self._target
        self.step_label.setText(f"Step {step:,}" + (f" of {target:,}" if target else ""))
        if self._steps_per_s > 0 and self.run_state == "running":
            self.speed_label.setText(f"{self._steps_per_s:,.0f} steps/s" if
                                     self._steps_per_s >= 10 else
                                     f"{self._steps_per_s:.1f} steps/s")
        elif self.run_state != "running":
            self.speed_label.setText("")
        text = f"{_format_duration(self._elapsed)} training"
        if target and self._steps_per_s > 0 and step < target and self.run_state == "running":
            text += f" · about {_format_duration((target - step) / self._steps_per_s)} left"
        self.time_label.setText(text)
        if target:
            self.progress.setVisible(True)
            self.progress.setRange(0, target)
            self.progress.setValue(min(step, target))
            self.progress.setFormat("%p%")
        else:
            self.progress.setVisible(False)

    def _run_picture(self, picture) -> None:
        if isinstance(picture, np.ndarray):
            self.sample_view.set_array(picture)
            self.controller.picture_shown()
        else:  # the plane panel draws at its own pace and says when (plane_panel.drawn)
            self.plane_panel.show_view(picture)

    def _run_state(self, state: str, message: str) -> None:
        self.run_state = state
        texts = {"running": "Training...",
                 "paused": "Paused. Resume, or Step one step at a time.",
                 "finished": "Finished the planned steps. Resume to keep training, or explore "
                             "the result.",
                 "stopped": "Stopped. The model stays here to explore or save."}
        if state in texts:
            self.run_message.setText(texts[state])
        if state in ("diverged", "error"):
            self.run_message.setText("Training stopped: see the message.")
            title = ("Training diverged" if state == "diverged"
                     else "Training stopped because of an error")
            self.show_error(title, message)
        if state != "running":
            self._steps_per_s = 0.0
            self._rate = None
        self._update_status(self._last_step)
        self._update_buttons()

    def _run_failed(self, message: str) -> None:
        self.run_state = "idle"
        self.run_message.setText("")
        self.progress.setVisible(False)
        self.show_error("Training could not start", message)

    def _run_finished(self) -> None:
        if self.run_state not in ("error", "idle"):
            self.run_state = "stopped"
        self._set_settings_locked(False)
        self._update_buttons()
        if self._closing:
            self.close()

    def _update_buttons(self) -> None:
        live = self.controller.running
        state = self.run_state
        problems = self.config.problems()
        self.train_button.setEnabled(not live and self.engine_ready and not problems)
        if problems:
            self.train_button.setToolTip("Fix these settings first:\n" +
                                         "\n".join(f"- {m}" for _, m in problems))
        else:
            self.train_button.setToolTip("Start training with these settings (F5)")
        can_resume = state in ("paused", "finished", "diverged")
        self.pause_button.setEnabled(live and (state == "running" or can_resume))
        self.pause_button.setText("Resume" if can_resume else "Pause")
        self.pause_button.setIcon(icon("resume" if can_resume else "pause"))
        self.step_button.setEnabled(live and can_resume)
        self.stop_button.setEnabled(live)
        self.save_ckpt_action.setEnabled(self.controller.trainer is not None
                                         and state not in ("starting",))

    # --- explorer ------------------------------------------------------------------------------
    def _pictures_seen(self) -> bool:
        """Can the user see the run's pictures now? (The Training tab, window not minimised.)"""
        return self.view_tabs.currentWidget() is self.run_split and not self.isMinimized()

    def _update_pictures(self) -> None:
        # pictures nobody can see are not made: each costs training time (ring: ~1.5%)
        self.controller.set_pictures(self._pictures_seen())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self._update_pictures()

    def _view_tab_changed(self, index: int) -> None:
        self._update_pictures()
        if self.view_tabs.widget(index) is not self.explorer:
            return
        tr = self.controller.trainer
        if tr is not None and self._explorer_step != self._last_step and \
                self.run_state not in ("starting", "idle"):
            self.explore_current_run()
        elif tr is None and self.explorer.ex is None and self.engine_ready and \
                not self._explorer_asked:
            demos = list_demos()  # first visit, nothing trained yet: a demo model to play with
            if demos:  # shown where the user is: no tab switch (they may have moved on)
                self.open_checkpoint(demos[0][1], resume=False, show=False)

    def enter_demo_mode(self) -> None:
        """Full screen, large type, the explorer's generator wandering by itself."""
        if self.explorer.ex is None:
            self.view_tabs.setCurrentWidget(self.explorer)
            self.explorer.status.setText("Open a model first: train one, or pick a demo model.")
            return
        from ganstudio.gui.explorer.demo import DemoWindow

        if self.demo_window is None:
            self.demo_window = DemoWindow(self.explorer)
        self.demo_window.start()

    # --- drag and drop: checkpoints and experiment files ---------------------------------------
    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.toLocalFile().endswith((".safetensors", ".toml")) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for u in event.mimeData().urls():
            path = u.toLocalFile()
            if path.endswith((".safetensors", ".toml")):
                self.open_path(path)
                event.acceptProposedAction()
                return

    def explore_current_run(self) -> None:
        if self.controller.trainer is None:
            self.explorer.status.setText("Train a GAN first (or open a checkpoint).")
            return

        def snapshot(tr):
            real = bounds = None
            if tr.spec.kind == "2d":
                real, bounds = tr.source.preview(800)[0].numpy(), tr.source.bounds
            return tr.snapshot_generator(), tr.spec, tr.steps_done, tr.ema is not None, real, \
                bounds, tr.config.copy()

        def got(result):
            if isinstance(result, Failure):
                self.explorer.status.setText(result.message)
                return
            G, spec, steps, ema, real, bounds, config = result
            self._explorer_step = steps
            title = (f"The current run's generator at step {steps:,}"
                     f"{' (averaged weights)' if ema else ''}: {spec.describe()}")
            self.explorer.set_generator(G, spec, title, real, bounds, config=config)

        self.controller.request(snapshot, got)

    # --- files ---------------------------------------------------------------------------------
    def _last_dir(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

    def _remember(self, path: Path) -> None:
        self.settings.setValue("lastFolder", str(Path(path).parent))
        recent = [p for p in self._recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[:MAX_RECENT - 1])
        self._fill_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = [p for p in self._recent() if Path(p).exists()]
        for p in items:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(items))

    def open_path(self, path: str) -> None:
        if str(path).endswith(".safetensors"):
            self.open_checkpoint(path)
        else:
            self.open_experiment(path)

    def _refuse_while_running(self, what: str) -> bool:
        if self.controller.running:
            self.show_error("Training is running", f"Stop the run before you {what}.")
            return True
        return False

    def new_experiment(self) -> None:
        if not self._refuse_while_running("start a new experiment"):
            self.set_config(load_preset(DEFAULT_PRESET))

    def load_preset(self, name: str) -> None:
        if self._refuse_while_running("load a preset"):
            return
        try:
            self.set_config(load_preset(name))
        except ConfigError as e:
            self.show_error("Cannot load the preset", str(e))
            return
        self.modified = True
        self._update_title()

    def open_experiment_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open experiment", self._last_dir(),
                                              "Experiments (*.toml);;All files (*)")
        if path:
            self.open_experiment(path)

    def open_experiment(self, path) -> bool:
        if self._refuse_while_running("open an experiment"):
            return False
        try:
            cfg = ExperimentConfig.load(path)
        except ConfigError as e:
            self.show_error("Cannot open the experiment", str(e))
            return False
        self.set_config(cfg, Path(path))
        self._remember(Path(path))
        return True

    def save_experiment(self) -> bool:
        if self.experiment_path is None:
            return self.save_experiment_as()
        return self._write_experiment(self.experiment_path)

    def save_experiment_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save experiment",
                                              str(Path(self._last_dir()) / "experiment.toml"),
                                              "Experiments (*.toml)")
        if not path:
            return False
        if not path.endswith(".toml"):
            path += ".toml"
        return self._write_experiment(Path(path))

    def _write_experiment(self, path: Path) -> bool:
        try:
            self.config.save(path)
        except OSError as e:
            self.show_error("Cannot save the experiment", f"{path}: {e.strerror or e}")
            return False
        self.experiment_path = Path(path)
        self.modified = False
        self._update_title()
        self._remember(Path(path))
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def save_checkpoint_dialog(self) -> None:
        if self.controller.trainer is None:
            self.show_error("Nothing to save yet", "Train a GAN first.")
            return
        default = Path(self._last_dir()) / f"{self.config.data.source}-step{self._last_step}" \
                                           ".safetensors"
        path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint", str(default),
                                              "Checkpoints (*.safetensors)")
        if path:
            self.save_checkpoint(path)

    def save_checkpoint(self, path, on_saved=None) -> None:
        """Save the run's whole state (between two steps, in the training thread)."""

        def saved(result):
            if isinstance(result, Failure):
                self.show_error("Cannot save the checkpoint", result.message)
                return
            self._remember(Path(result))
            self.statusBar().showMessage(f"Checkpoint saved: {result}", 6000)
            if on_saved:
                on_saved(result)

        self.controller.request(lambda tr: tr.save_checkpoint(path), saved)

    def open_checkpoint_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", self._last_dir(),
                                              "Checkpoints (*.safetensors);;All files (*)")
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path, *, resume: bool = True, show: bool = True) -> None:
        """Load a checkpoint: the explorer gets its generator, and (when its data can be read)
        the run is restored, paused, ready to continue. ``show``: bring the explorer forward
        when only exploring."""
        if resume and self._refuse_while_running("open a checkpoint"):
            return
        self._explorer_asked = True  # a model is on its way: no demo model in its place

        def load(progress):
            from ganstudio.explore.exploration import load_for_exploring

            return (*load_for_exploring(path), resume, show)

        self.jobs.submit("checkpoint", load)

    def _checkpoint_loaded(self, ckpt, G, real, bounds, resume, show=True) -> None:
        if not ckpt.info.get("demo"):
            self._remember(ckpt.path)
        title = ckpt.meta.get("title") or f"{ckpt.path.name}: {ckpt.describe()}"
        self.explorer.set_generator(G, ckpt.spec, title, real, bounds, config=ckpt.config)
        self._explorer_step = ckpt.steps_done
        if resume and ckpt.generator_only:
            self.statusBar().showMessage(f"{ckpt.path.name} holds only a generator: it can be "
                                         "explored, not trained further", 8000)
        if resume and not ckpt.generator_only and not self.controller.running:
            self.set_config(ckpt.config.copy())
            self._start_run(ckpt.config.copy(), checkpoint=ckpt, paused=True)
        elif show:
            self.view_tabs.setCurrentWidget(self.explorer)
        self.statusBar().showMessage(f"Opened {ckpt.path.name}", 6000)

    # --- look and help -------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        apply_theme(app, name)
        restyle_plots(self, name)
        self.settings.setValue("theme", name)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A dialog in plain words that never blocks the window (or a test)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialogs.append(box)
        box.finished.connect(lambda _=0, b=box: self._dialogs.remove(b)
                             if b in self._dialogs else None)
        box.open()
        return box

    def show_help(self) -> None:
        QMessageBox.information(self, "What am I looking at?", HELP_TEXT)

    def show_about(self) -> None:
        from ganstudio import __version__

        QMessageBox.about(self, "About GAN Studio",
                          f"<b>GAN Studio {__version__}</b><p>Train and explore generative "
                          "adversarial networks by pointing and clicking.</p>")

    # --- closing -------------------------------------------------------------------------------
    def ask_close(self) -> str:
        """While training: "save" (stop and keep a checkpoint), "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                          "Stop training and close? A checkpoint of the run will be kept in\n"
                          f"{data_dir() / 'autosave'}", parent=self)
        save = box.addButton("Stop, keep a checkpoint and close",
                             QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Close without saving", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    def autosave_path(self) -> Path:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        return data_dir() / "autosave" / f"{self.config.data.source}-{stamp}.safetensors"

    def closeEvent(self, event) -> None:
        if self.controller.running:
            if not self._closing:
                answer = self.ask_close()
                if answer == "cancel":
                    event.ignore()
                    return
                self._closing = True
                if answer == "save":
                    # saved between two steps; then stop; _run_finished closes the window
                    self.save_checkpoint(self.autosave_path(),
                                         on_saved=lambda _: self.controller.stop())
                else:
                    self.controller.stop()
            event.ignore()
            return
        self._save_layout()
        if self.demo_window is not None:
            self.demo_window.close()
        self.explorer.shutdown()
        self.jobs.shutdown()
        self.controller.shutdown()
        super().closeEvent(event)


HELP_TEXT = """A GAN is two networks playing a game.

The generator turns random noise into samples (points or pictures). The discriminator looks at
real samples and generated ones and tries to tell them apart. Each learns from the other: the
generator improves until its samples fool the discriminator.

Left: choose the data to imitate, the two networks, and the game's rules.
Training tab: samples from the generator as it learns; for points, the background shows what the
discriminator believes and the arrows where the generator is pushed. The plots show both
players' losses, the discriminator's verdicts and how hard each network is pushed.
Explore tab: move through the generator's noise with sliders and watch its output change.

Train (F5), Pause/Resume (F6), Step (F7), Stop (Shift+F5)."""

"""The settings wing's controller: binds the three panels to the open experiment.

A changed field marks the experiment modified and refreshes what depends on it; a changed data
field re-reads the data for the preview (after typing pauses), and any change recounts the
networks' weights. Both run as background jobs, so typing never waits for them.

While a run trains, the settings that may change mid-run (ganstudio/changes.py) stay enabled: a
change goes to the run (``live_edit``, the training controller's ``edit``), which applies it
between two steps; a refused one shows its reason under the field and the field goes back to
the run's value. The other fields are disabled, their tooltip saying why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QTabWidget

from ganstudio.changes import editable
from ganstudio.document import ExperimentDocument
from ganstudio.gui.jobs import JobRunner
from ganstudio.gui.settings.panels import ArchitecturePanel, DatasetPanel, LossPanel, scrolled

DATA_DELAY_MS = 250  # wait for typing to pause before re-reading data
# a value changed during a run reaches it once the field has been still this long: arrow clicks
# on a number box make one recorded change, not one per click
EDIT_DELAY_MS = 300


class SettingsController(QObject):
    # something the user changed, or another experiment shown: the window updates its title
    # and buttons
    changed = Signal()

    def __init__(self, document: ExperimentDocument, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.document = document
        self.jobs = jobs
        self.engine_ready = False
        self.locked = False
        # while a run trains: fn(path, value, on_done(change, error)) sends a change to it
        self.live_edit = None
        self.run_config = None  # the live run's settings as it has them (for going back)
        self._edits: dict[str, object] = {}  # changed during the run, not sent yet
        self.edit_timer = QTimer(self, singleShot=True, interval=EDIT_DELAY_MS)
        self.edit_timer.timeout.connect(self._send_edits)
        self._source_cache: tuple[str, object] | None = None  # (data key, loaded source)
        cfg = document.config
        self.dataset_panel = DatasetPanel(cfg)
        self.architecture_panel = ArchitecturePanel(cfg)
        self.loss_panel = LossPanel(cfg)
        self.forms = ([self.dataset_panel.form, self.architecture_panel.form]
                      + self.loss_panel.all_forms)
        for form in self.forms:
            form.changed.connect(self._field_changed)
        self.dataset_panel.plane.point_added.connect(self._add_point)
        self.dataset_panel.plane.point_removed.connect(self._remove_point)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(scrolled(self.dataset_panel), "1  Data")
        self.tabs.addTab(scrolled(self.architecture_panel), "2  Model")
        self.tabs.addTab(scrolled(self.loss_panel), "3  Loss && training")
        self.tabs.setMinimumWidth(340)

        self.data_timer = QTimer(self, singleShot=True, interval=DATA_DELAY_MS)
        self.data_timer.timeout.connect(self.request_data)
        self.counts_timer = QTimer(self, singleShot=True, interval=DATA_DELAY_MS)
        self.counts_timer.timeout.connect(self.request_counts)

    @property
    def config(self):
        return self.document.config

    # --- the experiment ---------------------------------------------------------------------------
    def show_config(self) -> None:
        """The document holds another experiment: show it everywhere."""
        for form in self.forms:
            form.set_config(self.config)
        self.refresh()

    def refresh(self) -> None:
        problems = dict(self.config.problems())
        self.dataset_panel.refresh(problems)
        self.architecture_panel.refresh(problems)
        self.loss_panel.refresh(problems)
        if self.engine_ready:
            self.request_data()
        self.changed.emit()

    def _field_changed(self, path: str, value) -> None:
        self.document.changed()
        problems = dict(self.config.problems())
        self.dataset_panel.refresh(problems)
        self.architecture_panel.refresh(problems)
        self.loss_panel.refresh(problems)
        if path.startswith("data.") or path == "training.seed":
            self.data_timer.start()
        self.counts_timer.start()
        if self.locked and editable(path) and self.live_edit is not None:
            self._edits[path] = value
            self.edit_timer.start()
        self.changed.emit()

    def set_field(self, path: str, value) -> None:
        """Change one setting as its field would (the toolbar's Train both / D only / G
        only): checked, shown in the forms and, during a run, sent to it."""
        self.config.set(path, value)  # ConfigError for a bad value, as a field would show
        for form in self.forms:
            if path in form.rows:
                form.refresh()
        self._field_changed(path, value)

    # --- changes during a run ---------------------------------------------------------------------
    def _send_edits(self) -> None:
        edits, self._edits = self._edits, {}
        for path, value in edits.items():
            if self.locked and self.live_edit is not None:
                self.live_edit(path, value, lambda change, error, p=path:
                               self._edit_answered(p, change, error))

    def _edit_answered(self, path: str, change, error: str) -> None:
        if not error:
            return  # run_changed has it (every change comes there, whoever made it)
        if self.run_config is not None:  # back to the run's value, the reason under the field
            self.config.set(path, self.run_config.get(path))
        self.refresh_forms()
        for form in self.forms:
            if path in form.rows:
                form.show_refused(path, error)

    def run_changed(self, change) -> None:
        """The run changed a setting (an edit, a branch's setting, a scheduled change): the
        forms show the run's value."""
        if self.run_config is not None:
            self.run_config.set(change.field, change.new)
        if self.config.get(change.field) != change.new and change.field not in self._edits:
            self.config.set(change.field, change.new)
            self.refresh_forms()
            self.changed.emit()

    def run_fitted(self, values: dict) -> None:
        """The run fitted settings to its pictures when it started (Adapt to the pictures,
        folder_recipe.py): the forms show the values it uses, not the preset's."""
        shown = False
        for path, value in values.items():
            if self.run_config is not None:
                self.run_config.set(path, value)
            if self.config.get(path) != value:
                self.config.set(path, value)
                shown = True
        if shown:
            self.refresh_forms()
            self.changed.emit()

    def refresh_forms(self) -> None:
        problems = dict(self.config.problems())
        self.dataset_panel.refresh(problems)
        self.architecture_panel.refresh(problems)
        self.loss_panel.refresh(problems)

    def _set_points(self, points: list) -> None:
        self.config.set("data.points", points)
        self._field_changed("data.points", points)

    def _add_point(self, x: float, y: float) -> None:
        if not self.locked:
            self._set_points(self.config.data.points + [[x, y]])

    def _remove_point(self, index: int) -> None:
        pts = list(self.config.data.points)
        if not self.locked and 0 <= index < len(pts):
            del pts[index]
            self._set_points(pts)

    def set_locked(self, locked: bool) -> None:
        """While a run is live only what may change mid-run can change (and goes to the run);
        the data's points and every other setting are fixed."""
        if locked and not self.locked:
            self.run_config = self.config.copy()  # what the run started with
        elif not locked:
            self.run_config = None
            self._edits.clear()
        self.locked = locked
        for form in self.forms:
            form.set_live(locked)
        self.dataset_panel.plane.editable = not locked

    def engine_loaded(self) -> None:
        self.engine_ready = True
        self.request_data()

    # --- background jobs: data preview, weight counts ---------------------------------------------
    def data_key(self) -> str:
        return repr(sorted(self.config.to_dict()["data"].items()))

    def data_ready(self) -> bool:
        """The data of the current settings is read (the preview shows it)."""
        return self._source_cache is not None and self._source_cache[0] == self.data_key()

    def source_for_run(self, cfg):
        """The data already read for the preview, at the start of its order for this run's seed
        (no second read), or None when it must be read afresh."""
        if self._source_cache and self._source_cache[0] == self.data_key():
            return self._source_cache[1].fresh(cfg.training.seed)
        return None

    def request_data(self) -> None:
        if not self.engine_ready:
            return
        problems = dict(self.config.problems())
        data_problem = next((m for p, m in problems.items() if p.startswith("data.")), None)
        if "points" in self.config.source_info.settings and not self.config.data.points:
            self.jobs.cancel("data")
            self.dataset_panel.show_empty_points()
            return
        if data_problem:
            self.jobs.cancel("data")
            self.dataset_panel.show_problem(data_problem)
            return
        key = self.data_key()
        if self._source_cache and self._source_cache[0] == key:
            self.request_counts()
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
        self.jobs.submit("data", load, done=self._data_loaded, failed=self._data_failed,
                         progress=self.dataset_panel.show_loading)

    def _data_loaded(self, result) -> None:
        key, source, preview = result
        self._source_cache = (key, source)
        self.dataset_panel.show_source(source, preview)
        self.request_counts()

    def _data_failed(self, message: str) -> None:
        self._source_cache = None
        self.dataset_panel.show_problem(message)

    def request_counts(self) -> None:
        if not self.engine_ready or not self._source_cache:
            return
        if self._source_cache[0] != self.data_key():
            return
        source = self._source_cache[1]
        cfg = self.config.copy()

        def count(progress):
            from ganstudio.models import build_models, count_parameters, make_spec

            spec = make_spec(cfg, source)
            G, D = build_models(spec)
            return count_parameters(G), count_parameters(D), _layer_text(spec)

        self.jobs.submit("counts", count,
                         done=lambda r: self.architecture_panel.show_counts(*r),
                         failed=self.architecture_panel.show_counts_problem)


def _layer_text(spec) -> str:
    g_text, d_text = spec.layer_shapes()
    return f"Generator: {g_text}\nDiscriminator: {d_text}"

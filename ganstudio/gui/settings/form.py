"""Forms generated from the config's field declarations (ganstudio.config.FIELDS).

Each field becomes a labelled widget chosen by its type (choices -> combo box, bool -> check box,
int -> spin box, learning rates -> a decade-aware number box...), with its range, its help text
as tooltip, hidden when it does not apply to the current settings, and an inline message under it
when the settings do not fit together. No field is described twice: a new config field appears
here by itself.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from ganstudio.changes import editable, lock_reason
from ganstudio.config import FIELDS, ConfigError, ExperimentConfig, FieldSpec
from ganstudio.gui.widgets import ChoiceChecks, FolderPicker, SciSpinBox, set_combo_data

INT_MAX = 2**31 - 1


def _range_text(spec: FieldSpec) -> str:
    lo = spec.minimum if spec.minimum is not None else spec.exclusive_minimum
    hi = spec.maximum if spec.maximum is not None else spec.exclusive_maximum
    if spec.type not in (int, float) or (lo is None and hi is None):
        return ""
    if lo is not None and hi is not None:
        return f" (from {lo:g} to {hi:g})"
    return f" (at least {lo:g})" if lo is not None else f" (at most {hi:g})"


class FieldRow:
    """One field: its label, its input widget and its inline message."""

    def __init__(self, spec: FieldSpec, widget: QWidget, label: QLabel, message: QLabel):
        self.spec, self.widget, self.label, self.message = spec, widget, label, message

    def set_visible(self, on: bool) -> None:
        self.label.setVisible(on)
        self.widget.setVisible(on)
        self.message.setVisible(on and bool(self.message.text()))


class ConfigForm(QWidget):
    """Rows for some config fields. ``changed(path, value)`` fires after the config was updated."""

    changed = Signal(str, object)

    def __init__(self, config: ExperimentConfig, paths: list[str], *,
                 object_names: dict[str, str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.config = config
        self.rows: dict[str, FieldRow] = {}
        self._before_lock: dict[str, tuple[bool, str]] = {}  # (enabled, tooltip) of locked rows
        object_names = object_names or {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        basic = [p for p in paths if not FIELDS[p].advanced]
        advanced = [p for p in paths if FIELDS[p].advanced]
        outer.addLayout(self._grid(basic, object_names))
        self.more_button = None
        if advanced:
            self.more_button = QToolButton()
            self.more_button.setObjectName("moreSettings")
            self.more_button.setText("More settings")
            self.more_button.setCheckable(True)
            self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.more_button.setArrowType(Qt.ArrowType.RightArrow)
            self.more_button.setAutoRaise(True)
            self.more_box = QWidget()
            self.more_box.setLayout(self._grid(advanced, object_names))
            self.more_box.setVisible(False)
            self.more_button.toggled.connect(self._toggle_more)
            outer.addWidget(self.more_button)
            outer.addWidget(self.more_box)
        self.refresh()

    def _toggle_more(self, on: bool) -> None:
        self.more_box.setVisible(on)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _grid(self, paths: list[str], object_names: dict[str, str]) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        for i, path in enumerate(paths):
            spec = FIELDS[path]
            widget = self._make_widget(spec)
            # number boxes size themselves to their whole range (up to 2^31): too wide for
            # the panel; a fixed minimum lets the column decide
            widget.setMinimumWidth(72)
            widget.setObjectName(object_names.get(path, "field_" + path.replace(".", "_")))
            tip = spec.help + _range_text(spec)
            widget.setToolTip(tip)
            label = QLabel(spec.title)
            label.setToolTip(tip)
            label.setBuddy(widget)
            message = QLabel()
            message.setObjectName("problem_" + path.replace(".", "_"))
            message.setWordWrap(True)
            message.setProperty("role", "problem")
            message.setVisible(False)
            grid.addWidget(label, 2 * i, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(widget, 2 * i, 1)
            grid.addWidget(message, 2 * i + 1, 1)
            self.rows[path] = FieldRow(spec, widget, label, message)
        return grid

    # --- widgets by type ----------------------------------------------------------------------
    def _make_widget(self, spec: FieldSpec) -> QWidget:
        path = spec.path
        if spec.type is list and spec.choices:
            w = ChoiceChecks(spec.choices)
            w.changed.connect(lambda v, p=path: self._commit(p, v))
            return w
        if spec.type is list:
            return self._points_widget(spec)
        if spec.choices is not None:
            w = QComboBox()
            for key in spec.choices:
                w.addItem(spec.title_of(key), key)
                w.setItemData(w.count() - 1, spec.help_of(key) or spec.help,
                              Qt.ItemDataRole.ToolTipRole)
            w.currentIndexChanged.connect(
                lambda i, p=path, w=w: self._commit(p, w.itemData(i)))
            return w
        if spec.type is bool:
            w = QCheckBox()
            w.toggled.connect(lambda v, p=path: self._commit(p, bool(v)))
            return w
        if spec.type is int:
            w = QSpinBox()
            lo = spec.minimum if spec.minimum is not None else (
                spec.exclusive_minimum + 1 if spec.exclusive_minimum is not None else 0)
            hi = spec.maximum if spec.maximum is not None else INT_MAX
            w.setRange(int(lo), int(min(hi, INT_MAX)))
            w.setKeyboardTracking(False)
            w.setGroupSeparatorShown(True)
            if spec.minimum == 0 and spec.name in ("steps", "limit"):
                w.setSpecialValueText("no limit" if spec.name == "steps" else "all")
            w.valueChanged.connect(lambda v, p=path: self._commit(p, int(v)))
            return w
        if spec.type is float:
            return self._float_widget(spec)
        if path == "data.root":
            w = FolderPicker()
            w.changed.connect(lambda v, p=path: self._commit(p, v))
            return w
        w = QLineEdit()
        w.editingFinished.connect(lambda p=path, w=w: self._commit(p, w.text()))
        return w

    def _float_widget(self, spec: FieldSpec) -> QDoubleSpinBox:
        if spec.name.startswith("lr"):
            w = SciSpinBox()
            w.setRange(1e-8, spec.maximum if spec.maximum is not None else 1.0)
        else:
            w = QDoubleSpinBox()
            step = spec.step or 0.01
            decimals = max(2, -math.floor(math.log10(step)) + 1)
            w.setDecimals(decimals)
            w.setSingleStep(step)
            tiny = 10.0 ** -decimals
            lo = spec.minimum if spec.minimum is not None else (
                spec.exclusive_minimum + tiny if spec.exclusive_minimum is not None else -1e9)
            hi = spec.maximum if spec.maximum is not None else (
                spec.exclusive_maximum - tiny if spec.exclusive_maximum is not None else 1e9)
            w.setRange(lo, hi)
            w.setKeyboardTracking(False)
        w.valueChanged.connect(lambda v, p=spec.path: self._commit(p, float(v)))
        return w

    def _points_widget(self, spec: FieldSpec) -> QWidget:
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        box.count_label = QLabel()
        clear = QPushButton("Clear")
        clear.setObjectName("clearPoints")
        clear.setToolTip("Remove all your points")
        clear.clicked.connect(lambda: self._commit(spec.path, []))
        lay.addWidget(box.count_label, 1)
        lay.addWidget(clear)
        return box

    # --- values -------------------------------------------------------------------------------
    def _commit(self, path: str, value) -> None:
        try:
            self.config.set(path, value)
        except ConfigError as e:
            self.rows[path].message.setText(str(e))
            self.rows[path].set_visible(True)
            return
        self.changed.emit(path, value)

    def set_config(self, config: ExperimentConfig) -> None:
        self.config = config
        self.refresh()

    def refresh(self, problems: dict[str, str] | None = None) -> None:
        """Show the config's values, hide fields that do not apply, show problems inline."""
        cfg = self.config
        problems = problems if problems is not None else dict(cfg.problems())
        for path, row in self.rows.items():
            value = cfg.get(path)
            w = row.widget
            w.blockSignals(True)
            try:
                if isinstance(w, QComboBox):
                    set_combo_data(w, value)
                elif isinstance(w, QCheckBox):
                    w.setChecked(bool(value))
                elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                    w.setValue(value)
                elif isinstance(w, FolderPicker):
                    w.setText(value)
                elif isinstance(w, ChoiceChecks):
                    w.setValue(value)
                elif isinstance(w, QLineEdit):
                    w.setText(str(value))
                elif hasattr(w, "count_label"):
                    n = len(value)
                    w.count_label.setText(f"{n} point{'s' if n != 1 else ''} (click the preview "
                                          "to add, right-click to remove)")
            finally:
                w.blockSignals(False)
            row.message.setText(problems.get(path, ""))
            row.set_visible(row.spec.applies_to(cfg) or path in problems)
        if self.more_button is not None:  # no toggle when nothing behind it applies
            self.more_button.setVisible(any(
                r.spec.advanced and (r.spec.applies_to(cfg) or p in problems)
                for p, r in self.rows.items()))

    def set_live(self, live: bool) -> None:
        """While a run trains: the settings that may change mid-run (ganstudio/changes.py)
        stay enabled; the others are disabled, their tooltip saying why. ``False`` restores
        what each was before."""
        for path, row in self.rows.items():
            if editable(path):
                continue
            if live and path not in self._before_lock:
                self._before_lock[path] = (row.widget.isEnabled(), row.widget.toolTip())
                tip = f"Fixed while the run trains: {lock_reason(path)}."
                for w in (row.widget, row.label):
                    w.setEnabled(False)
                    w.setToolTip(tip)
            elif not live and path in self._before_lock:
                enabled, tip = self._before_lock.pop(path)
                for w in (row.widget, row.label):
                    w.setEnabled(enabled)
                    w.setToolTip(tip)

    def show_refused(self, path: str, why: str) -> None:
        """A value the run refused: the reason under the field (until the next change)."""
        row = self.rows[path]
        row.message.setText(why)
        row.set_visible(True)

    def widget(self, path: str) -> QWidget:
        return self.rows[path].widget

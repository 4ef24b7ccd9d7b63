"""The banner above the plots that says what went wrong with a run, in plain words, with what to
try and a link to the step where it began (training/health.py raises the alarms)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout


class HealthBanner(QFrame):
    # the user asked to see this step in the plots
    show_step = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("healthBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("severity", "warning")
        self.text = QLabel()
        self.text.setObjectName("healthText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.text.linkActivated.connect(self._link)
        self.close_button = QToolButton()
        self.close_button.setObjectName("healthDismiss")
        self.close_button.setText("×")
        self.close_button.setToolTip("Hide this until something new happens")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 4, 6)
        col = QVBoxLayout()
        col.addWidget(self.text)
        lay.addLayout(col, 1)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.alarms: list = []
        self._dismissed: set[tuple[str, int]] = set()
        self.setVisible(False)
        self._style()

    def _style(self) -> None:
        # a warm tint readable in the light and the dark look; notices are calmer
        self.setStyleSheet(
            "#healthBanner[severity='warning'] { background: rgba(230, 120, 30, 0.16); "
            "border: 1px solid rgba(230, 120, 30, 0.65); border-radius: 4px; }"
            "#healthBanner[severity='notice'] { background: rgba(60, 130, 220, 0.12); "
            "border: 1px solid rgba(60, 130, 220, 0.5); border-radius: 4px; }")

    def set_alarms(self, alarms: list) -> None:
        """Show the run's active alarms (warnings first); hidden when there are none."""
        self.alarms = sorted(alarms, key=lambda a: (a.severity != "warning", a.step))
        shown = [a for a in self.alarms if (a.kind, a.step) not in self._dismissed]
        if not shown:
            self.setVisible(False)
            return
        parts = []
        for a in shown:
            parts.append(
                f"<b>{escape(a.title)}</b> since <a href='step:{a.step}'>step {a.step:,}</a>. "
                f"{escape(a.message)}<br><i>What to try:</i> {escape(a.advice)}")
        self.text.setText("<br><br>".join(parts))
        severity = "warning" if any(a.severity == "warning" for a in shown) else "notice"
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(True)

    def dismiss(self) -> None:
        self._dismissed |= {(a.kind, a.step) for a in self.alarms}
        self.setVisible(False)

    def clear(self) -> None:
        self.alarms = []
        self._dismissed.clear()
        self.setVisible(False)

    def _link(self, href: str) -> None:
        if href.startswith("step:"):
            self.show_step.emit(int(href.split(":", 1)[1]))

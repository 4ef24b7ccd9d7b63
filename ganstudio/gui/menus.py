"""The window's menus: File, Presets, View and Help.

File items go straight to the parts that do them (the file actions, the run follower); what
only the window can do (the theme, demo mode, help, closing) goes out as a signal of ``Menus``,
which also holds the items whose state the window sets (Save checkpoint, Stop following).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow

from ganstudio.presets import list_presets

if TYPE_CHECKING:
    from ganstudio.gui.files import FileActions
    from ganstudio.gui.follow import RunFollower

THEMES = (("light", "&Light"), ("dark", "&Dark"))


class Menus(QObject):
    theme_chosen = Signal(str)  # "light" or "dark"
    train_elsewhere = Signal()  # File > Train on another machine
    demo_mode = Signal()
    help = Signal()
    about = Signal()
    quit = Signal()

    def __init__(self, window: QMainWindow, files: "FileActions", follower: "RunFollower",
                 theme: str = "light"):
        super().__init__(window)
        self._owner = window  # the actions' parent (their shortcuts work in the window)
        mb = window.menuBar()
        fa = files
        f = mb.addMenu("&File")
        self._add(f, "&New experiment", "Ctrl+N", fa.new_experiment)
        self._add(f, "&Open experiment...", "Ctrl+O", fa.open_experiment_dialog)
        self._add(f, "&Save experiment", "Ctrl+S", fa.save_experiment)
        self._add(f, "Save experiment &as...", "Ctrl+Shift+S", fa.save_experiment_as)
        f.addSeparator()
        self._add(f, "Open &checkpoint...", "Ctrl+Shift+O", fa.open_checkpoint_dialog)
        self.save_checkpoint = self._add(f, "Save chec&kpoint...", "Ctrl+K",
                                         fa.save_checkpoint_dialog)
        f.addSeparator()
        self._add(f, "&Follow a run folder...", None, follower.choose_folder)
        self.stop_following = self._add(f, "Stop follo&wing", None, follower.stop)
        self.stop_following.setEnabled(follower.active)
        self._add(f, "&Train on another machine...", None, self.train_elsewhere.emit)
        f.addSeparator()
        fa.fill_recent(f.addMenu("&Recent files"))
        f.addSeparator()
        self._add(f, "&Quit", "Ctrl+Q", self.quit.emit)

        p = self.presets = mb.addMenu("&Presets")
        for preset in list_presets():
            a = p.addAction(preset.title)
            a.setStatusTip(preset.description)
            a.setToolTip(preset.description)
            a.setData(preset.name)
            a.triggered.connect(lambda _=False, n=preset.name: fa.load_preset(n))
        p.setToolTipsVisible(True)

        v = mb.addMenu("&View")
        group = QActionGroup(window)
        self.themes: dict[str, QAction] = {}
        for name, text in THEMES:
            a = QAction(text, window, checkable=True)
            a.triggered.connect(lambda _=False, n=name: self.theme_chosen.emit(n))
            group.addAction(a)
            v.addAction(a)
            self.themes[name] = a
        self.themes.get(theme, self.themes["light"]).setChecked(True)
        v.addSeparator()
        self._add(v, "Demo &mode (full screen)", "F11", self.demo_mode.emit)

        h = mb.addMenu("&Help")
        self._add(h, "&What am I looking at?", "F1", self.help.emit)
        self._add(h, "&About GAN Studio", None, self.about.emit)

    def _add(self, menu, text, shortcut, slot) -> QAction:
        a = QAction(text, self._owner)
        if shortcut:
            a.setShortcut(shortcut)
        a.triggered.connect(lambda _=False: slot())
        menu.addAction(a)
        return a

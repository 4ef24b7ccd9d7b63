"""The explorer's Breed tab: pick two or more samples as parents, make children (a blend of the
parents' noise plus a mutation, explore/breeding.py), pick among the children for the next
generation, and walk the family tree back. Clicking a picture shows it in the explorer's big
picture (the explorer's point moves there, so the Move tab explores from it).

Pictures are drawn on the explorer's ``render`` thread (kinds "breed-samples" and
"breed-members"), only while the tab is in front; the members' pictures are kept until the
model or the truncation changes. Files are written by the ``jobs`` thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QScrollArea, QSlider, QSpinBox, QVBoxLayout, QWidget)

from ganstudio.explore.breeding import Breeder
from ganstudio.gui.explorer.move_tab import button
from ganstudio.gui.explorer.picture_grid import FamilyTreeView, PictureGrid
from ganstudio.gui.widgets import numpy_to_qimage

SAMPLE_COLS = 4
SAMPLES = 8  # samples to pick parents from: two rows, as large as the column allows
LINEAGE_SIZE = 128  # pixels of each picture in a saved lineage


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


class BreedTab(QWidget):
    def __init__(self, explorer, parent=None):
        super().__init__(parent)
        self.explorer = explorer
        self.player = explorer.player
        self.renderer = explorer.renderer
        self.jobs = explorer.jobs
        self.breeder = Breeder(SAMPLES)
        self._pictures: dict[int, object] = {}  # member id -> picture (of the model shown)
        self._images: dict[int, object] = {}  # the same as QImages, for the tree
        self._asked: set[int] = set()  # members whose pictures are on their way
        self._samples_due = True  # the samples' pictures are to be drawn again
        self.saved = None  # the last file written, for tests and tools
        self._build()
        self.player.listen(self._changed)
        self.renderer.rendered.connect(self._rendered)

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setObjectName("breedHint")
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "hint")
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing())  # steady layout
        top = QHBoxLayout()
        top.addWidget(heading("Pick parents"), 1)
        top.addWidget(button("Add the picture shown", "breedAddShown",
                             "The explorer's picture as it is now (moved by the sliders, or a "
                             "picture found) becomes a parent", self.add_shown))
        top.addWidget(button("Other samples", "breedOtherSamples",
                             "Show other random samples to pick parents from",
                             self.other_samples))
        lay.addLayout(top)
        lay.addWidget(self.hint)
        self.samples = PictureGrid(SAMPLE_COLS, "Open a model to breed its samples.")
        self.samples.setObjectName("breedSamples")
        self.samples.clicked.connect(lambda i: self.pick("sample", i))
        lay.addWidget(self.samples, 3)

        form = QGridLayout()
        self.mutation = QSlider(Qt.Orientation.Horizontal)
        self.mutation.setObjectName("breedMutation")
        self.mutation.setRange(0, 100)
        self.mutation.setValue(round(self.breeder.mutation * 100))
        self.mutation.setToolTip("How far children stray from their parents: 0 = pure mixes "
                                 "of the parents, 100% = new random samples")
        self.mutation.valueChanged.connect(self._mutation_moved)
        self.mutation_label = QLabel()
        self.mutation_label.setMinimumWidth(36)
        self.mix = QComboBox()
        self.mix.setObjectName("breedMix")
        self.mix.addItem("Blend", False)
        self.mix.addItem("Crossover", True)
        self.mix.setToolTip("Blend: mix the parents' noise smoothly. Crossover: each noise "
                            "number comes from one parent or the other")
        self.mix.currentIndexChanged.connect(
            lambda i: setattr(self.breeder, "crossover", bool(self.mix.itemData(i))))
        self.count = QSpinBox()
        self.count.setObjectName("breedCount")
        self.count.setRange(1, 16)
        self.count.setValue(8)
        self.count.setSuffix(" children")
        self.make_button = button("Make children", "breedMake",
                                  "Children of the chosen parents: a mix of their noise plus "
                                  "a mutation", self.make_children)
        form.addWidget(QLabel("Mutation"), 0, 0)
        form.addWidget(self.mutation, 0, 1, 1, 2)
        form.addWidget(self.mutation_label, 0, 3)
        form.addWidget(self.mix, 1, 0, 1, 2)
        form.addWidget(self.count, 1, 2)
        form.addWidget(self.make_button, 1, 3)
        form.setColumnStretch(2, 1)
        lay.addLayout(form)

        lay.addWidget(heading("Children"))
        self.children = PictureGrid(SAMPLE_COLS, "Children appear here.")
        self.children.setObjectName("breedChildren")
        self.children.clicked.connect(lambda i: self.pick("member", self.breeder.litter[i]))
        lay.addWidget(self.children, 3)

        lay.addWidget(heading("Family tree"))
        self.tree = FamilyTreeView()
        self.tree.setObjectName("breedTree")
        self.tree.clicked.connect(self.show_member)
        scroll = QScrollArea()
        scroll.setWidget(self.tree)
        scroll.setWidgetResizable(True)  # fills the view; scrolls once it is larger
        scroll.setMinimumHeight(3 * (FamilyTreeView.THUMB + FamilyTreeView.GAP) + 22)
        lay.addWidget(scroll, 2)

        row = QHBoxLayout()
        self.explore_button = button("Explore it", "breedExplore",
                                     "Move the sliders around the picture shown (Move tab)",
                                     self.explore_it)
        self.lineage_button = button("Save lineage...", "breedSaveLineage",
                                     "The picture shown and its ancestors, one per generation, "
                                     "as a PNG strip", self.save_lineage_dialog)
        self.save_family_button = button("Save family...", "breedSaveFamily",
                                         "Everyone's noise and parents, as a JSON file",
                                         self.save_family_dialog)
        self.open_family_button = button("Open family...", "breedOpenFamily",
                                         "Carry on a family saved before", self.open_family_dialog)
        for b in (self.explore_button, self.lineage_button, self.save_family_button,
                  self.open_family_button):
            row.addWidget(b)
        lay.addLayout(row)
        self._mutation_moved(self.mutation.value())
        self._show_state()

    def _mutation_moved(self, value: int) -> None:
        self.breeder.mutation = value / 100
        self.mutation_label.setText(f"{value}%")

    # --- the model shown ----------------------------------------------------------------------
    def _changed(self, changes: set[str]) -> None:
        ex = self.player.ex
        if ex is None:
            return
        if "exploration" in changes:
            self.breeder.set_model(ex)
            self._forget_pictures()
        elif "psi" in changes:
            self._forget_pictures()
        elif "label" in changes:
            self._samples_due = True  # samples are drawn with the label chosen
        else:
            return
        self._show_state()
        self._draw()

    def _forget_pictures(self) -> None:
        self._pictures, self._images, self._asked = {}, {}, set()
        self._samples_due = True

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Show, QEvent.Type.ShowToParent):
            self._draw()  # in front now: pictures nobody could see were not drawn
        return handled

    def _draw(self) -> None:
        """Ask for the pictures missing, if the tab is in front."""
        ex, b = self.player.ex, self.breeder
        if ex is None or b.family is None or not self.isVisibleTo(self.window()):
            return
        snap = ex.copy()
        if self._samples_due:
            self._samples_due = False
            seed, z = b.sample_seed, b.sample_z.copy()

            def samples():
                import torch

                from ganstudio.explore import latent

                return ("breed-samples", snap,
                        (seed, snap.pictures(latent.truncate(torch.from_numpy(z), snap.psi))))

            self.renderer.request(samples, "breed-samples")
        missing = [m for id, m in b.family.members.items()
                   if id not in self._pictures and id not in self._asked]
        if missing:
            self._asked |= {m.id for m in missing}

            def members():
                from ganstudio.explore.breeding import pictures_of

                return ("breed-members", snap,
                        dict(zip([m.id for m in missing], pictures_of(snap, missing))))

            # no kind: several batches may be on their way, none replaces another
            self.renderer.request(members, None)

    def _rendered(self, result) -> None:
        kind, ex, payload = result
        if not kind.startswith("breed-") or self.player.ex is None or \
                ex.G is not self.player.ex.G:
            return
        if kind == "breed-samples":
            seed, pictures = payload
            if seed == self.breeder.sample_seed:
                self.samples.set_pictures(pictures)
        elif kind == "breed-members" and ex.psi == self.player.ex.psi:
            self._pictures.update(payload)
            self._asked -= set(payload)
            self._show_members()

    # --- what is shown ------------------------------------------------------------------------
    def _show_state(self) -> None:
        b = self.breeder
        chosen = len(b.chosen)
        self.samples.set_marks(self._chosen_marks("sample", range(b.samples)))
        self.children.set_marks(self._chosen_marks("member", b.litter),
                                b.litter.index(b.shown) if b.shown in b.litter else None)
        self.make_button.setEnabled(chosen > 0 and b.family is not None)
        if b.family is None:
            text = "Open a model to breed its samples."
        elif chosen == 0:
            text = ("Click two or more pictures (samples or children) to choose parents, or "
                    "add the picture shown.")
        elif chosen == 1:
            text = ("One parent chosen: click another. (Children of one parent differ from it "
                    "by their mutation only.)")
        else:
            text = f"{chosen} parents chosen: make children, or click more."
        self.hint.setText(text)
        shown = b.shown is not None and b.family is not None and b.shown in b.family.members
        self.lineage_button.setEnabled(shown)
        self.explore_button.setEnabled(shown)
        self.save_family_button.setEnabled(b.family is not None and len(b.family) > 0)
        self.open_family_button.setEnabled(b.family is not None)
        self._show_members()

    def _chosen_marks(self, what: str, order) -> list[int]:
        """Positions in a grid of the chosen ones, in the order they were chosen."""
        where = {v: k for k, v in enumerate(order)}
        return [where[i] for w, i in self.breeder.chosen if w == what and i in where]

    def _show_members(self) -> None:
        b = self.breeder
        if b.family is None:
            self.children.set_pictures([])
            self.tree.set_family([], {})
            return
        self.children.set_pictures([self._pictures.get(id) for id in b.litter])
        for id, pic in self._pictures.items():
            if id not in self._images:
                self._images[id] = numpy_to_qimage(pic)
        rows = [[m.id for m in row] for row in b.family.generations()]
        self.tree.set_family(rows, self._images)
        self._show_tree_marks()

    def _show_tree_marks(self) -> None:
        b = self.breeder
        chosen = b.chosen_in("member")
        if b.shown is not None and b.family is not None and b.shown in b.family.members:
            self.tree.set_shown(b.shown, [m.id for m in b.family.ancestors(b.shown)], chosen)
        else:
            self.tree.set_shown(None, (), chosen)

    # --- what the user does -------------------------------------------------------------------
    def pick(self, what: str, index: int) -> None:
        """A click on a sample or a child: choose it as a parent (or not), and show it."""
        b = self.breeder
        if b.family is None:
            return
        b.choose(what, index)
        if what == "member":
            b.shown = index
            m = b.family[index]
            self._move_to(m.z, m.label)
        else:
            b.shown = None
            self._move_to(b.sample_z[index], None)
        self._show_state()

    def show_member(self, id: int) -> None:
        """Show a member of the family (a click in the tree): the explorer's point goes
        there, and its ancestors are marked."""
        b = self.breeder
        b.shown = id
        m = b.family[id]
        self._move_to(m.z, m.label)
        self._show_state()

    def _move_to(self, z, label) -> None:
        import torch

        p = self.player
        p.pause()
        p.ex.move_to(torch.from_numpy(z))
        p.set_values(p.ex.values)
        if label is not None:
            p.set_label(label)

    def add_shown(self) -> None:
        """The explorer's point (wherever the other tabs moved it) as a parent."""
        ex, b = self.player.ex, self.breeder
        if ex is None or b.family is None:
            return
        ind = b.add_point(ex.raw_z.numpy(), ex.label if ex.spec.conditional else None)
        b.shown = ind.id
        self._show_state()
        self._draw()

    def other_samples(self) -> None:
        if self.player.ex is None or self.breeder.family is None:
            return
        self.breeder.other_samples(self.player.ex)
        self._samples_due = True
        self.samples.set_pictures([])
        self._show_state()
        self._draw()

    def make_children(self) -> None:
        b, ex = self.breeder, self.player.ex
        if ex is None or not b.chosen:
            return
        label = ex.label if ex.spec.conditional else None
        b.make_children(self.count.value(), label)
        self.explorer.status.setText(f"Made {len(b.litter)} children (generation "
                                     f"{b.family[b.litter[0]].generation}). Click any to see it "
                                     "large or to choose it as a parent.")
        self._show_state()
        self._draw()

    def explore_it(self) -> None:
        """The Move tab, its sliders around the picture shown."""
        self.explorer.tabs.setCurrentWidget(self.explorer.move_tab)

    # --- files --------------------------------------------------------------------------------
    def save_lineage(self, path) -> None:
        b = self.breeder
        line, ex = b.family.line(b.shown), self.player.ex.copy()

        def write(_progress):
            from ganstudio.explore.breeding import save_lineage

            return save_lineage(line, ex, path, LINEAGE_SIZE)

        self._job("Saving the lineage", write)

    def save_family(self, path) -> None:
        import copy

        family = copy.deepcopy(self.breeder.family)
        self._job("Saving the family", lambda _progress: family.save(path))

    def open_family(self, path) -> None:
        def read(_progress):
            from ganstudio.explore.breeding import Family

            return Family.load(path)

        def opened(family) -> None:
            try:
                self.breeder.set_family(family)
            except ValueError as e:
                self.explorer.status.setText(f"Cannot open that family: {e}")
                return
            self._forget_pictures()
            self._show_state()
            self._draw()
            mine = self.player.ex.checkpoint_path
            other = "" if not family.checkpoint or mine is None or \
                Path(family.checkpoint) == Path(mine) else \
                f" It was bred with {Path(family.checkpoint).name}: shown here through this model."
            self.explorer.status.setText(f"Opened a family of {len(family)} from "
                                         f"{Path(path).name}.{other}")

        self.jobs.submit("breed-file", read, done=opened, failed=lambda m:
                         self.explorer.status.setText(f"Cannot open that family: {m}"))

    def _job(self, what: str, fn) -> None:
        self.explorer.status.setText(what + "...")

        def done(path) -> None:
            self.saved = path
            self.explorer.status.setText(f"Saved {path}")

        self.jobs.submit("breed-file", fn, done=done,
                         failed=lambda m: self.explorer.status.setText(f"Cannot save: {m}"))

    def save_lineage_dialog(self) -> None:
        self._save_dialog(self.save_lineage, "Save lineage", "lineage.png",
                          "PNG pictures (*.png)")

    def save_family_dialog(self) -> None:
        self._save_dialog(self.save_family, "Save family", "family.json",
                          "Family trees (*.json)")

    def open_family_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open family", str(Path.home()),
                                              "Family trees (*.json)")
        if path:
            self.open_family(path)

    def _save_dialog(self, save, title: str, name: str, pattern: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), pattern)
        if path:
            save(path if Path(path).suffix else path + Path(name).suffix)

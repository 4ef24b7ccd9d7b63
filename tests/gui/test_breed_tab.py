"""Breeding in the explorer (the Breed tab), in demo mode, and one noise through two snapshots
picked from the Compare menu, driven as a user drives them, on the fashion-mnist demo."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from ganstudio.paths import resources_dir
from tests.gui.conftest import wait_for

FASHION = resources_dir() / "demos" / "fashion-mnist.safetensors"


def pixels(image) -> np.ndarray:
    """A QImage (or an ImageView's picture) as an (H, W, 3) array."""
    if not isinstance(image, QImage):
        image = image.image()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    raw = np.frombuffer(bytes(image.constBits()), np.uint8)
    return raw.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3)


def click(widget, point) -> None:
    point = point.toPoint() if hasattr(point, "toPoint") else point
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def same_picture(a, b) -> bool:
    """The same picture, but for rounding (the explorer's point is kept as sliders + a base)."""
    return a.shape == b.shape and np.abs(a.astype(int) - b).max() <= 2


@pytest.fixture
def breed(window, qtbot):
    window.open_checkpoint(str(FASHION), resume=False)
    ex = window.explorer
    wait_for(qtbot, lambda: ex.ex is not None and "Fashion" in ex.title.text())
    window.view_tabs.setCurrentWidget(ex)
    ex.tabs.setCurrentWidget(ex.breed_tab)
    tab = ex.breed_tab
    wait_for(qtbot, lambda: len(tab.samples.images) == 8 and ex.renderer.idle)
    return tab


def settle(qtbot, tab):
    wait_for(qtbot, lambda: tab.explorer.renderer.idle and not tab._asked)


def make_children(qtbot, tab, grid, cells):
    for i in cells:
        click(grid, grid.cell_rect(i).center())
    assert tab.make_button.isEnabled()
    click(tab.make_button, tab.make_button.rect().center())
    settle(qtbot, tab)
    return list(tab.breeder.litter)


def test_two_parents_picked_make_children_unlike_either(breed, qtbot):
    tab, explorer = breed, breed.explorer
    assert not tab.make_button.isEnabled()
    parents = [pixels(tab.samples.images[i]) for i in (1, 6)]
    kids = make_children(qtbot, tab, tab.samples, (1, 6))
    assert len(kids) == 8 and all(img is not None for img in tab.children.images)
    shown = [pixels(img) for img in tab.children.images]
    for kid in shown:  # each child is a picture of its own
        assert all(np.abs(kid.astype(int) - p).mean() > 1 for p in parents)
    assert len({k.tobytes() for k in shown}) == 8
    fam = tab.breeder.family
    assert [len(r) for r in fam.generations()] == [2, 8]
    assert all(fam[k].parents == (0, 1) for k in kids)
    # a child clicked is shown large: the explorer's point moves to it
    click(tab.children, tab.children.cell_rect(3).center())
    wait_for(qtbot, lambda: explorer.renderer.idle)
    assert same_picture(pixels(explorer.image), tab._pictures[kids[3]])
    assert tab.breeder.chosen == [("member", kids[3])]


def test_the_family_tree_walks_back_and_the_lineage_is_saved(breed, qtbot, tmp_path):
    tab, explorer = breed, breed.explorer
    first = make_children(qtbot, tab, tab.samples, (0, 2))
    second = make_children(qtbot, tab, tab.children, (1, 4))
    assert tab.breeder.family[second[0]].generation == 2
    tree = tab.tree
    assert [len(r) for r in tree.rows] == [2, 8, 8]
    # click a child of the second litter in the tree, then its grandparent
    click(tree, tree.cell_rect(2, 5).center())
    wait_for(qtbot, lambda: explorer.renderer.idle)
    kid = tree.rows[2][5]
    assert tree.shown == kid and tree.ancestors == {0, 1, first[1], first[4]}
    root = tree.rows[0][1]
    click(tree, tree.cell_rect(0, 1).center())
    wait_for(qtbot, lambda: explorer.renderer.idle)
    assert tree.shown == root
    assert same_picture(pixels(explorer.image), tab._pictures[root])
    sample = pixels(tab.samples.images[2])  # the second parent picked, as it was shown
    assert same_picture(pixels(explorer.image), sample)
    # the lineage of a grandchild: one picture per generation
    click(tree, tree.cell_rect(2, 5).center())
    tab.save_lineage(str(tmp_path / "lineage.png"))
    wait_for(qtbot, lambda: tab.saved is not None)
    strip = np.asarray(Image.open(tmp_path / "lineage.png"))
    assert strip.shape[1] == 3 * 128 + 4 * 6
    tab.save_family(str(tmp_path / "family.json"))
    wait_for(qtbot, lambda: str(tab.saved).endswith("family.json"))
    from ganstudio.explore.breeding import Family

    assert len(Family.load(tmp_path / "family.json")) == 18
    tab.other_samples()
    wait_for(qtbot, lambda: len(tab.samples.images) == 8)
    make_children(qtbot, tab, tab.samples, (0, 1))  # more family, then the saved one back
    assert len(tab.breeder.family) == 28
    tab.open_family(str(tmp_path / "family.json"))
    wait_for(qtbot, lambda: len(tab.breeder.family) == 18)
    settle(qtbot, tab)
    assert "Opened a family of 18" in explorer.status.text()
    assert [len(r) for r in tree.rows] == [2, 8, 8] and tab.breeder.litter == second
    assert all(img is not None for img in tab.children.images)


def test_the_picture_shown_becomes_a_parent(breed, qtbot):
    tab, explorer = breed, breed.explorer
    slider = explorer.move_tab.sliders[0]
    slider.setValue(slider.value() + 80)  # moved in the Move tab (or found, or taught)
    wait_for(qtbot, lambda: explorer.renderer.idle)
    here = explorer.ex.raw_z.numpy().copy()
    add = tab.findChild(type(tab.make_button), "breedAddShown")
    click(add, add.rect().center())
    settle(qtbot, tab)
    fam = tab.breeder.family
    assert len(fam) == 1 and np.allclose(fam[0].z, here, atol=1e-5)
    assert tab.breeder.chosen == [("member", 0)] and tab.tree.chosen == {0}
    assert same_picture(tab._pictures[0], pixels(explorer.image))
    click(add, add.rect().center())  # the same point twice is one parent
    assert len(fam) == 1 and tab.breeder.chosen == [("member", 0)]
    kids = make_children(qtbot, tab, tab.samples, (3,))
    assert fam[kids[0]].parents == (0, 1) and fam[1].origin.startswith("sample 4")


def test_demo_mode_lets_a_visitor_pick_two_parents_and_make_a_child(window, qtbot):
    window.open_checkpoint(str(FASHION), resume=False)
    explorer = window.explorer
    wait_for(qtbot, lambda: explorer.ex is not None and "Fashion" in explorer.title.text())
    window.show()
    window.enter_demo_mode()
    demo = window.demo_window
    breeding = demo.breeding
    wait_for(qtbot, lambda: demo.isVisible() and explorer.playing)
    assert breeding.pick_button.isVisible() and not breeding.make_button.isVisible()
    click(breeding.pick_button, breeding.pick_button.rect().center())
    grid = breeding.grid
    wait_for(qtbot, lambda: len(grid.images) == 8)
    assert not explorer.playing and grid.isVisible() and not demo.image.isVisible()
    assert not breeding.make_button.isEnabled()
    for i in (2, 5, 7):  # a third click lets the first go
        click(grid, grid.cell_rect(i).center())
    assert breeding.breeder.chosen_in("sample") == [5, 7] and "Make a child" in \
        demo.title.text()
    click(breeding.make_button, breeding.make_button.rect().center())
    wait_for(qtbot, lambda: breeding.child_view.image() is not None)
    child = pixels(breeding.child_view)
    for i, view in zip((5, 7), breeding.parent_views):
        assert np.array_equal(pixels(view), pixels(grid.images[i]))
        assert np.abs(child.astype(int) - pixels(view)).mean() > 1
    click(breeding.again_button, breeding.again_button.rect().center())
    wait_for(qtbot, lambda: breeding.child_view.image() is not None and
             not np.array_equal(pixels(breeding.child_view), child))
    qtbot.keyClick(demo, Qt.Key.Key_Escape)  # back to the wandering picture, still in demo
    assert demo.isVisible() and demo.image.isVisible() and explorer.playing
    assert "random numbers" in demo.caption.text()
    qtbot.keyClick(demo, Qt.Key.Key_Escape)
    wait_for(qtbot, lambda: not demo.isVisible())


def test_compare_menu_lists_the_runs_snapshots_by_step(window, qtbot, tmp_path):
    from ganstudio.training import Trainer, train
    from tests.conftest import tiny_config

    t = Trainer(tiny_config("digits"))
    snaps = tmp_path / "run" / "snapshots"
    train(t, 2)
    t.save_checkpoint(snaps / "step-0000002")
    train(t, 20)
    t.save_checkpoint(snaps / "step-0000022")
    last = t.save_checkpoint(tmp_path / "run" / "checkpoint")
    window.open_checkpoint(str(last), resume=False)
    ex = window.explorer
    wait_for(qtbot, lambda: ex.ex is not None and ex.renderer.idle and ex.image.version > 0)
    side = window.steering.side_by_side
    wait_for(qtbot, lambda: len(side.snapshots) == 2)
    side._fill_menu()
    titles = [a.text() for a in side.menu.actions()]
    assert titles[:2] == ["Snapshot at step 2", "Snapshot at step 22"]
    assert side.start_folder() == str(snaps)
    side.menu.actions()[0].trigger()
    wait_for(qtbot, lambda: side.version > 0 and ex.renderer.idle)
    assert side.caption.text() == "The same noise through snapshot at step 2 of the run run"
    assert side.caption_a.text() == "This model: checkpoint.safetensors, step 22"
    early = pixels(side.image)
    assert not np.array_equal(early, pixels(ex.image))
    ex.move_tab.sliders[0].setValue(ex.move_tab.sliders[0].value() + 40)  # both move
    shown = side.version
    wait_for(qtbot, lambda: side.version > shown and ex.renderer.idle)
    assert not np.array_equal(pixels(side.image), early)

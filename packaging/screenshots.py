"""Take the README's screenshots of the real window, as a user sees it.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python packaging/screenshots.py [NAME ...]

NAME is any of: ring, digits (the live quality plot and badge), collapse (a ring run whose
generator is made to collapse at step 600: the health banner), steer (a ring run steered by
hand: a changed rate, D alone, the timeline), shapes, explorer (the explorer
and demo mode on the bundled digits demo, with its nearest training pictures, and an
interpolation on the fashion-mnist one; run packaging/make_demos.py first), follow (a
two-process torchrun training of ring, followed from File > Follow a run folder), breed (the
Breed tab two generations on, and demo mode's breeding, on the fashion-mnist demo), find (the
first picture of Fashion-MNIST's test set, an ankle boot, found in the fashion-mnist demo; needs
Debian's dataset-fashion-mnist), folder (a run of the 'My pictures' preset reopened where it
ended, its samples and curves: give its checkpoint as GANSTUDIO_SHOT_RUN, e.g. the run
benchmarks/bench_folder.py made). Each trains or loads for real and
grabs the whole screen into resources/screenshots/. Needs an X display (Xvfb is enough): the
offscreen platform draws no window frame and cannot grab the screen.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

OUT = Path(__file__).resolve().parent.parent / "resources" / "screenshots"
SIZE = (1280, 800)


class Session:
    def __init__(self, theme: str = "light"):
        from ganstudio.gui import MainWindow
        from ganstudio.gui.theme import apply_theme

        self.app = QApplication.instance() or QApplication([])
        apply_theme(self.app, theme)
        self.w = MainWindow()
        self.w.ask_close = lambda: "discard"
        self.w.resize(*SIZE)
        self.w.move(0, 0)
        self.w.show()
        self.wait(20, lambda: self.w.engine_ready)

    def wait(self, seconds: float, until=None) -> None:
        t0 = time.time()
        while time.time() - t0 < seconds:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)
            if until is not None and until():
                return

    def grab(self, name: str) -> None:
        self.wait(1.0)
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{name}.png"
        self.app.primaryScreen().grabWindow(0).copy(0, 0, *SIZE).save(str(path))
        print(f"{path} ({path.stat().st_size // 1024} KB)")

    def train(self, preset: str, seconds: float, until_step: int) -> None:
        self.w.load_preset(preset)
        self.wait(2)
        self.w.train()
        self.wait(seconds, lambda: self.w.last_step >= until_step)

    def close(self) -> None:
        self.w.stop()
        self.wait(10, lambda: self.w.run_state in ("idle", "stopped", "finished"))
        self.w.close()
        self.wait(1)


def ring(s: Session) -> None:
    s.train("ring", 120, 4000)
    s.w.settings_tabs.setCurrentIndex(2)
    s.grab("ring")


def digits(s: Session) -> None:
    s.train("digits", 400, 2000)
    s.w.settings_tabs.setCurrentIndex(2)
    s.grab("digits")


def collapse(s: Session) -> None:
    """The health banner: a ring run whose generator is pinned to one cluster at step 600
    (its last layer zeroed, its bias on the cluster, its learning rate 0), as the tests do."""
    import torch

    def pin(tr):
        for G in (tr.G, tr.ema):
            last = [m for m in G.modules() if isinstance(m, torch.nn.Linear)][-1]
            with torch.no_grad():
                last.weight.zero_()
                last.bias.copy_(tr.source.means[0].to(last.bias))
        tr.config.optimizer.lr_decay = "none"  # a schedule would set the rate back
        for group in tr.opt_g.param_groups:
            group["lr"] = 0.0

    s.train("ring", 60, 600)
    s.w.controller.request(pin, lambda _result: None)
    s.wait(120, lambda: s.w.findChild(object, "healthBanner") is not None
           and s.w.findChild(object, "healthBanner").isVisible() and s.w.last_step >= 2200)
    s.grab("collapse")


def steer(s: Session) -> None:
    """A ring run steered by hand: D's learning rate lowered at step 600 in the panel, D alone
    from 1,400 to 1,800 (shaded on the plots), then the timeline showing step 200."""
    s.train("ring", 60, 600)
    s.w.settings_tabs.setCurrentIndex(2)
    tr = s.w.controller.trainer
    s.w.findChild(object, "field_optimizer_lr_d").setValue(3e-5)
    s.wait(30, lambda: bool(tr.changes))
    s.wait(120, lambda: s.w.last_step >= 1400)
    s.w.findChild(object, "trainDOnly").click()
    s.wait(120, lambda: s.w.last_step >= 1800)
    s.w.findChild(object, "trainBoth").click()
    s.wait(120, lambda: s.w.last_step >= 2300)
    s.w.pause_button.click()
    s.wait(10, lambda: s.w.run_state == "paused")
    timeline = s.w.steering.timeline
    s.wait(10, lambda: timeline.slider.maximum() > 3)
    timeline.choose_step(200)
    s.wait(3)
    s.grab("steer")


def shapes(s: Session) -> None:
    s.train("shapes", 360, 3000)
    s.w.settings_tabs.setCurrentIndex(0)
    s.grab("shapes")


def explorer(s: Session) -> None:
    from ganstudio.explore.demos import list_demos

    demos = dict((Path(p).stem, p) for _, p in list_demos())
    if not {"digits", "fashion-mnist"} <= set(demos):
        sys.exit("the digits and fashion-mnist demos are missing: run packaging/make_demos.py")
    s.w.view_tabs.setCurrentWidget(s.w.explorer)
    s.w.open_checkpoint(demos["digits"], resume=False)
    ex = s.w.explorer
    s.wait(30, lambda: ex.ex is not None and ex.renderer.idle)
    s.wait(2)
    s.grab("explorer")
    ex.nearest.check()  # is this sample a copy? its nearest training pictures
    s.wait(60, lambda: ex.nearest.result is not None)
    s.grab("nearest")
    # a path between two clothes: more change along the way than between two drawn digits
    s.w.open_checkpoint(demos["fashion-mnist"], resume=False)
    s.wait(30, lambda: ex.ex is not None and "Fashion" in ex.ex.title and ex.renderer.idle)
    ex.tabs.setCurrentIndex(1)
    ex.frames.setValue(10)
    s.wait(3, lambda: ex.renderer.idle)
    s.grab("interpolation")
    s.w.enter_demo_mode()
    s.wait(4)
    s.grab("demo")
    s.w.demo_window.leave()
    s.wait(1)


def follow(s: Session) -> None:
    """A 2-process torchrun training of ring, followed from the window while it grows."""
    import shutil
    import subprocess
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="ganstudio-follow-")) / "ring"
    torchrun = Path(sys.executable).with_name("torchrun")
    cmd = [str(torchrun), "--nproc_per_node", "2", "-m", "ganstudio", "train", "--preset", "ring",
           "--set", "training.threads=1", "--set", "training.sample_every=250", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        s.wait(60, lambda: (out / "metrics.csv").exists())
        s.w.follower.follow(out)
        s.wait(45)
        s.grab("follow")
        s.wait(300, lambda: proc.poll() is not None)
        s.wait(4)
        s.grab("follow-end")
        print(f"torchrun exit code {proc.wait()}")
    finally:
        if proc.poll() is None:
            proc.terminate()
        s.w.follower.stop(quiet=True)
        shutil.rmtree(out.parent, ignore_errors=True)


def breed(s: Session) -> None:
    """The Breed tab on the fashion-mnist demo two generations on, then demo mode's breeding."""
    from ganstudio.explore.demos import list_demos

    demos = dict((Path(p).stem, p) for _, p in list_demos())
    s.w.view_tabs.setCurrentWidget(s.w.explorer)
    s.w.open_checkpoint(demos["fashion-mnist"], resume=False)
    ex = s.w.explorer
    s.wait(30, lambda: ex.ex is not None and "Fashion" in ex.ex.title and ex.renderer.idle)
    tab = ex.breed_tab
    ex.tabs.setCurrentWidget(tab)
    s.wait(20, lambda: len(tab.samples.images) == 8 and ex.renderer.idle)
    for i in (1, 6):
        tab.pick("sample", i)
    tab.make_children()
    s.wait(20, lambda: ex.renderer.idle and not tab._asked)
    for i in (2, 5):
        tab.pick("member", tab.breeder.litter[i])
    tab.make_children()
    s.wait(20, lambda: ex.renderer.idle and not tab._asked)
    tab.show_member(tab.breeder.litter[3])  # a grandchild, its ancestors marked in the tree
    s.wait(5, lambda: ex.renderer.idle)
    s.grab("breed")
    s.w.enter_demo_mode()
    demo = s.w.demo_window
    s.wait(2)
    demo.breeding.start_picking()
    s.wait(10, lambda: len(demo.breeding.grid.images) == 8 and ex.renderer.idle)
    for i in (0, 5):
        demo.breeding.pick(i)
    demo.breeding.make_child()
    s.wait(10, lambda: demo.breeding.child_view.image() is not None)
    s.grab("demo-breed")
    demo.leave()
    s.wait(1)


def find(s: Session) -> None:
    """Find a picture: a real Fashion-MNIST picture (the test set's first, an ankle boot) found
    in the fashion-mnist demo, shown beside what the model made."""
    import tempfile

    from PIL import Image

    from ganstudio.data.datasets import DEBIAN_FASHION_MNIST, read_idx
    from ganstudio.explore.demos import list_demos

    images = DEBIAN_FASHION_MNIST / "t10k-images-idx3-ubyte.gz"
    if not images.is_file():
        sys.exit(f"{images} is missing: sudo apt-get install dataset-fashion-mnist")
    picture = Path(tempfile.mkdtemp(prefix="ganstudio-find-")) / "ankle-boot.png"
    Image.fromarray(read_idx(images)[0]).save(picture)
    demos = dict((Path(p).stem, p) for _, p in list_demos())
    s.w.view_tabs.setCurrentWidget(s.w.explorer)
    s.w.open_checkpoint(demos["fashion-mnist"], resume=False)
    ex = s.w.explorer
    s.wait(30, lambda: ex.ex is not None and "Fashion" in ex.ex.title and ex.renderer.idle)
    ex.find.find(str(picture))
    s.wait(120, lambda: ex.find.result is not None and ex.renderer.idle)
    s.wait(2, lambda: False)
    print(ex.find.caption.text())
    s.grab("find")


def folder(s: Session) -> None:
    """A 'My pictures' run on a folder, reopened at its last step: the samples it ended with
    beside its loss curves, and the data panel naming the folder."""
    import os

    run = os.environ.get("GANSTUDIO_SHOT_RUN", "")
    if not Path(run).is_file():
        sys.exit("set GANSTUDIO_SHOT_RUN to a My pictures run's checkpoint.safetensors")
    s.w.open_checkpoint(run, resume=True)
    s.wait(60, lambda: s.w.last_step > 0)
    s.w.view_tabs.setCurrentIndex(0)
    s.w.settings_tabs.setCurrentIndex(0)
    s.wait(5)
    s.grab("folder")


SHOTS = {"ring": ring, "digits": digits, "collapse": collapse, "steer": steer, "shapes": shapes,
         "explorer": explorer, "follow": follow, "breed": breed, "find": find,
         "folder": folder}


def main(names: list[str]) -> int:
    import os

    # the folder scene needs a run made first: left out of "all" unless one is given
    everything = [n for n in SHOTS if n != "folder" or os.environ.get("GANSTUDIO_SHOT_RUN")]
    for name in names or everything:
        if name not in SHOTS:
            print(f"unknown screenshot '{name}'; choose from {', '.join(SHOTS)}", file=sys.stderr)
            return 2
        s = Session()
        try:
            SHOTS[name](s)
        finally:
            s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

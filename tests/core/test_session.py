"""The training session: the Train/Pause/Step/Stop loop the GUI drives, without any GUI."""

import threading
import time
from contextlib import contextmanager

import numpy as np

from ganstudio.training import Trainer
from ganstudio.training.session import TrainingSession
from ganstudio.training.visuals import PlaneView
from tests.conftest import tiny_config


class Recorder:
    def __init__(self):
        self.batches, self.pictures, self.states = [], [], []

    def session(self, trainer, **kw):
        return TrainingSession(trainer, on_metrics=self.batches.append,
                               on_picture=self.pictures.append,
                               on_state=lambda s, m: self.states.append((s, m)), **kw)

    @property
    def steps(self):
        return [r["step"] for b in self.batches for r in b]


def start(session):
    t = threading.Thread(target=session.run)
    t.start()
    return t


@contextmanager
def running(session):
    """The session running in its own thread for the block; stopped and joined after it."""
    t = start(session)
    try:
        yield t
    finally:
        session.stop()
        t.join(10)


def wait_until(cond, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_metrics_arrive_in_rate_limited_batches_with_every_step():
    rec = Recorder()
    s = rec.session(Trainer(tiny_config(training__steps=0)), metrics_interval=0.2)
    t = start(s)
    time.sleep(2.0)
    s.stop()
    t.join(10)
    assert rec.steps == list(range(1, len(rec.steps) + 1))  # every step, once, in order
    assert len(rec.batches) <= 2.0 / 0.2 + 3  # no more often than asked
    assert len(rec.steps) > 2 * len(rec.batches)  # several steps per batch
    assert rec.states[0][0] == "running" and rec.states[-1][0] == "stopped"


def test_pictures_are_plane_views_for_points_and_grids_for_pictures():
    for source, kind in (("ring", PlaneView), ("digits", np.ndarray)):
        rec = Recorder()
        s = rec.session(Trainer(tiny_config(source, training__steps=3)))
        t = start(s)
        wait_until(lambda: s.state == "finished")
        s.stop()
        t.join(10)
        assert rec.pictures and all(isinstance(p, kind) for p in rec.pictures)
    last = rec.pictures[-1]
    assert last.dtype == np.uint8 and last.ndim == 3


def test_reaching_the_budget_pauses_and_resume_continues_past_it():
    rec = Recorder()
    tr = Trainer(tiny_config(training__steps=5))
    s = rec.session(tr)
    t = start(s)
    wait_until(lambda: s.state == "finished")
    assert tr.steps_done == 5
    s.step_once()
    wait_until(lambda: tr.steps_done == 6)
    s.resume()
    wait_until(lambda: tr.steps_done > 12)
    s.stop()
    t.join(10)
    assert s.state == "stopped"


def test_pause_step_and_requests_run_in_the_training_thread():
    rec = Recorder()
    tr = Trainer(tiny_config(training__steps=0))
    s = rec.session(tr, start_paused=True)
    t = start(s)
    wait_until(lambda: s.state == "paused")
    assert tr.steps_done == 0
    s.step_once()
    s.step_once()
    wait_until(lambda: tr.steps_done == 2)
    time.sleep(0.2)
    assert tr.steps_done == 2  # still paused
    answers = []
    s.call_soon(lambda trainer: answers.append((threading.get_ident(), trainer.steps_done)))
    wait_until(lambda: answers)
    assert answers == [(t.ident, 2)]
    s.stop()
    t.join(10)


def test_an_exception_ends_the_session_with_a_message_not_a_crash(monkeypatch):
    rec = Recorder()
    tr = Trainer(tiny_config(training__steps=0))

    def broken(stop=False):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(tr, "step", broken)
    s = rec.session(tr)
    t = start(s)
    t.join(10)
    assert s.state == "error"
    assert rec.states[-1] == ("error", "Training stopped because of an error: RuntimeError: "
                                       "out of memory")


def test_divergence_pauses_and_the_last_good_state_can_still_be_saved(monkeypatch, tmp_path):
    from ganstudio import objectives as losses

    rec = Recorder()
    tr = Trainer(tiny_config(training__steps=0))
    s = rec.session(tr)
    t = start(s)
    wait_until(lambda: tr.steps_done >= 3)
    real = losses.d_loss
    monkeypatch.setattr(losses, "d_loss", lambda *a, **k: real(*a, **k) * float("nan"))
    wait_until(lambda: s.state == "diverged")
    assert "diverged at step" in rec.states[-1][1]
    saved = []
    s.call_soon(lambda trainer: saved.append(trainer.save_checkpoint(tmp_path / "good")))
    wait_until(lambda: saved)
    assert saved[0].exists()
    s.stop()
    t.join(10)


def test_with_acknowledgement_the_next_picture_waits_until_the_last_was_shown(monkeypatch):
    import ganstudio.training.session as session_module

    monkeypatch.setattr(session_module, "ACK_TIMEOUT", 1.0)
    rec = Recorder()
    s = rec.session(Trainer(tiny_config("ring", training__steps=0)), picture_interval=0.05,
                    picture_ack=True)
    with running(s):
        wait_until(lambda: len(rec.batches) >= 3)
        time.sleep(0.5)
        assert len(rec.pictures) == 1  # the first one, never shown: no second rendered
        s.picture_shown()
        wait_until(lambda: len(rec.pictures) == 2, timeout=5)
        time.sleep(1.6)  # not shown either: a lost answer delays pictures, never stops them
        assert 3 <= len(rec.pictures) <= 4


def test_the_viewer_chooses_the_layers_and_a_new_one_shows_even_while_paused():
    rec = Recorder()
    s = rec.session(Trainer(tiny_config("ring", training__steps=0)), start_paused=True)
    assert s.plane_layers["mesh"] is False  # the noise grid costs time: off unless asked for
    with running(s):
        wait_until(lambda: len(rec.pictures) == 1 and s.state == "paused")
        assert rec.pictures[0].mesh is None and rec.pictures[0].heatmap is not None
        s.set_plane_layers({"mesh": True, "heatmap": False})
        wait_until(lambda: len(rec.pictures) == 2)  # drawn at once, though paused
        assert rec.pictures[1].mesh is not None and rec.pictures[1].heatmap is None
        assert rec.pictures[1].arrows is not None  # a layer not named keeps its default
        assert s.trainer.steps_done == 0


def test_no_pictures_while_nobody_sees_them_and_one_at_once_when_seen_again():
    rec = Recorder()
    s = rec.session(Trainer(tiny_config("ring", training__steps=0)), picture_interval=0.05,
                    pictures=False)
    with running(s):
        wait_until(lambda: len(rec.batches) >= 5)
        assert rec.pictures == []  # training went on, drawing nothing
        s.set_pictures(True)
        wait_until(lambda: len(rec.pictures) >= 3)  # at once, then at the usual pace
        s.set_pictures(False)
        time.sleep(0.2)  # one may have been on its way
        seen = len(rec.pictures)
        time.sleep(0.5)
        assert len(rec.pictures) == seen


def test_stop_ends_a_run_held_after_it_ran_out_of_memory(monkeypatch):
    import torch

    rec = Recorder()
    tr = Trainer(tiny_config(training__steps=0))

    def starved(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(tr.D, "forward", starved)
    s = rec.session(tr, pictures=False)  # (the 2-D picture runs D too)
    t = start(s)
    wait_until(lambda: s.state == "error")
    time.sleep(0.2)
    assert t.is_alive()  # held: the last good state can still be saved
    s.stop()
    t.join(10)
    assert not t.is_alive() and s.state == "stopped"

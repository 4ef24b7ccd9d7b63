"""The run's state as plain data: one state type, the status a status bar shows, the one loop,
and the trainer's state_dict round trip."""

import threading
import time

import pytest
import torch

from ganstudio.training import Trainer, train
from ganstudio.training.run_state import RateMeter, RunState, RunStatus, format_duration
from ganstudio.training.session import TrainingSession
from ganstudio.training.trainer import StateMismatch
from tests.conftest import tiny_config


def test_states_read_as_words_and_know_what_applies():
    assert RunState.RUNNING == "running" and f"{RunState.PAUSED}" == "paused"
    assert {s for s in RunState if s.can_resume} == {RunState.PAUSED, RunState.FINISHED,
                                                      RunState.DIVERGED}
    assert RunState.STOPPED.ended and not RunState.FINISHED.ended


def test_status_says_step_speed_and_time_left_in_words():
    s = RunStatus(state=RunState.RUNNING, step=1500, target=6000, elapsed=65.0, rate=150.0)
    assert s.step_text() == "Step 1,500 of 6,000"
    assert s.speed_text() == "150 steps/s"
    assert s.eta == pytest.approx(30.0)
    assert s.time_text() == "1:05 training · about 0:30 left"
    assert s.fraction == pytest.approx(0.25)
    paused = s.replace(state=RunState.PAUSED)
    assert paused.speed_text() == "" and paused.eta is None  # no speed claimed while held
    assert RunStatus(state=RunState.RUNNING, step=3, rate=2.5).speed_text() == "2.5 steps/s"
    assert RunStatus(step=7).step_text() == "Step 7"  # no budget
    assert format_duration(3 * 3600 + 4 * 60 + 5) == "3:04:05"


def test_rate_meter_measures_over_half_a_second_then_smooths():
    m = RateMeter(window=0.5)
    assert m.update(0.0, 10, steps_since_last=10) == 0.0  # one reading: no speed yet
    assert m.update(0.2, 30) == 0.0  # too short a window
    assert m.update(1.0, 100) == pytest.approx(100.0)  # 100 steps in 1 s
    assert m.update(2.0, 300) == pytest.approx(0.7 * 100 + 0.3 * 200)


def test_the_session_publishes_a_status_with_every_batch_and_state():
    t = Trainer(tiny_config(training__steps=0))
    seen = []
    s = TrainingSession(t, on_status=seen.append, pictures=False, metrics_interval=0.0)
    th = threading.Thread(target=s.run)
    th.start()
    deadline = time.monotonic() + 20
    while t.steps_done < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    s.stop()
    th.join(10)
    assert seen[0].state == RunState.RUNNING
    assert seen[-1].state == RunState.STOPPED and seen[-1].step == t.steps_done
    steps = [x.step for x in seen]
    assert steps == sorted(steps) and steps[-1] >= 30
    assert all(x.elapsed >= 0 for x in seen) and seen[-1].elapsed == pytest.approx(t.elapsed)


def test_headless_run_is_the_session_loop_and_ends_at_its_budget():
    t = Trainer(tiny_config(training__steps=5))
    assert train(t) == RunState.FINISHED and t.steps_done == 5
    assert train(t, 0) == RunState.FINISHED and t.steps_done == 5  # nothing more to do


def test_a_bug_in_a_headless_run_is_raised_not_swallowed(monkeypatch):
    t = Trainer(tiny_config())
    monkeypatch.setattr(t, "step", lambda stop=False: 1 / 0)
    sessions = []
    with pytest.raises(ZeroDivisionError):
        train(t, 3, on_session=sessions.append)
    assert sessions[0].state == RunState.ERROR


def test_state_dict_round_trip_continues_the_same_run():
    cfg = tiny_config("ring", training__steps=0)
    a = Trainer(cfg)
    train(a, 4)
    state = a.state_dict()
    b = Trainer(cfg)
    b.load_state_dict(state)
    assert b.steps_done == 4 and len(b.history) == 4
    ra, rb = a.step(), b.step()
    assert ra["d_loss"] == rb["d_loss"] and ra["g_loss"] == rb["g_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.G.parameters(), b.G.parameters()))


def test_state_dict_is_a_copy_that_training_does_not_change():
    t = Trainer(tiny_config())
    state = t.state_dict()
    before = {k: v.clone() for k, v in state["G"].items()}
    train(t, 2)
    assert all(torch.equal(before[k], state["G"][k]) for k in before)


def test_a_state_of_another_network_is_refused_naming_the_part():
    small = Trainer(tiny_config(model__g_width=16, model__d_width=16))
    big = Trainer(tiny_config(model__g_width=32, model__d_width=16))
    with pytest.raises(StateMismatch, match="generator") as e:
        big.load_state_dict(small.state_dict())
    assert e.value.part == "generator"

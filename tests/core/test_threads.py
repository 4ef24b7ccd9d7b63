"""The automatic thread count: it picks the faster setting and re-measures when things change."""

from ganstudio.training import threads
from ganstudio.training.threads import ThreadTuner


class FakeMachine:
    """Step times by thread count, changeable mid-run; a clock that advances with each step."""

    def __init__(self, times):
        self.times = dict(times)
        self.now = 0.0
        self.current = None
        self.applied = []

    def apply(self, n):
        self.current = n
        self.applied.append(n)

    def clock(self):
        return self.now

    def run(self, tuner, steps):
        for _ in range(steps):
            dt = self.times[self.current]
            self.now += dt
            tuner.after_step(dt)


def test_it_keeps_the_faster_setting():
    m = FakeMachine({1: 0.014, 2: 0.008})  # a quiet machine: 2 threads win
    tuner = ThreadTuner([1, 2], apply=m.apply, clock=m.clock)
    m.run(tuner, 40)
    assert tuner.choice == 2 and m.current == 2 and tuner.describe == "2 threads"


def test_it_switches_away_when_another_program_makes_steps_crawl():
    m = FakeMachine({1: 0.014, 2: 0.008})
    tuner = ThreadTuner([1, 2], apply=m.apply, clock=m.clock)
    m.run(tuner, 40)
    m.times = {1: 0.015, 2: 1.2}  # another program takes the cores: 2 threads crawl
    m.run(tuner, 40)
    assert tuner.choice == 1 and m.current == 1
    slow_steps = sum(1 for n in m.applied[-3:] if n == 2)
    assert slow_steps <= 1  # it did not linger on the crawling setting


def test_it_measures_again_later_and_returns_when_the_load_is_gone():
    m = FakeMachine({1: 0.015, 2: 1.2})
    tuner = ThreadTuner([1, 2], apply=m.apply, clock=m.clock)
    m.run(tuner, 20)
    assert tuner.choice == 1
    m.times = {1: 0.014, 2: 0.008}  # the other program finished
    m.run(tuner, int(threads.REPROBE_SECONDS / 0.014) + 40)
    assert tuner.choice == 2


def test_a_fixed_thread_count_is_applied_and_not_tuned(monkeypatch):
    seen = []
    monkeypatch.setattr(threads, "_set_torch_threads", seen.append)
    assert threads.thread_policy(3) is None and seen == [3]
    assert isinstance(threads.thread_policy(0), ThreadTuner)


def test_candidates_are_one_half_and_all_cores():
    assert threads.candidates(2) == [1, 2]
    assert threads.candidates(16) == [1, 8, 16]
    assert threads.candidates(1) == [1]

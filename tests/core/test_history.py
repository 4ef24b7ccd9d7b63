"""The metric history's smoothing: what the live plots' smooth curves show."""

import numpy as np

from ganstudio.training.history import EmaSmoother


def test_smoothing_starts_at_the_first_value_and_skips_nan():
    s = EmaSmoother(alpha=0.5)
    out = s(np.array([4.0, np.nan, 2.0]))
    assert out[0] == 4.0  # bias-corrected: no dip toward 0 at the start
    assert out[1] == 4.0  # a NaN leaves the average where it was
    assert out[2] == (0.25 * 4 + 0.5 * 2) / 0.75


def test_smoothing_fed_in_batches_equals_fed_at_once():
    values = np.sin(np.arange(50.0))
    whole = EmaSmoother(0.1)(values)
    s = EmaSmoother(0.1)
    parts = np.concatenate([s(values[:17]), s(values[17:])])
    assert np.allclose(whole, parts)

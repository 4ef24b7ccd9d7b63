"""Quality measures: mode coverage on the 2-D mixtures, Fréchet distance."""

from ganstudio.metrics.modes import EVAL_SAMPLES, ModeCoverage, mode_coverage

__all__ = ["EVAL_SAMPLES", "ModeCoverage", "mode_coverage"]

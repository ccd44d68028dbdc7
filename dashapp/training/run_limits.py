"""The bounds a worker holds every run to: wall-clock time and work (optimizer steps).

The worker enforces them cooperatively, through the cancel path (the run is asked to stop,
then interrupted: see RunRecorder's watcher), and the run ends `failed` with the reason. That
works on every pool, solo included, where Celery enforces no time limit at all. On prefork
workers Celery's hard limit (`hard_time_limit_s`) kills a job that did not stop, e.g. one stuck
in a single long C call; the lost-run sweep then ends its row.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashapp.settings import Settings

# Celery's hard limit comes this long after the cooperative stop could have finished.
HARD_LIMIT_MARGIN_S = 60.0


@dataclass(frozen=True)
class RunLimits:
    """One run's bounds; None turns a bound off (notebooks, tests of other things)."""

    max_steps: int | None = None
    max_run_s: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RunLimits:
        """The bounds the deployment configured."""
        return cls(settings.training_max_steps, settings.training_max_run_s)

    def over_steps(self, done: int, total: int) -> str | None:
        """Why a run at `done` of `total` steps must stop, or None: it reached the budget with
        more to do (or went past it)."""
        cap = self.max_steps
        if cap is None or done < cap or (done == cap and total <= cap):
            return None
        return (
            f"reached the step budget of {cap:,} optimizer steps with {max(total, done):,} "
            "planned (DASHAPP_TRAINING_MAX_STEPS)"
        )

    def over_time(self, elapsed_s: float) -> str | None:
        """Why a run that has taken `elapsed_s` seconds must stop, or None."""
        if self.max_run_s is None or elapsed_s < self.max_run_s:
            return None
        return f"passed the time limit of {self.max_run_s:g} s (DASHAPP_TRAINING_MAX_RUN_S)"


def hard_time_limit_s(settings: Settings) -> float:
    """Celery's hard limit for a training job: the run's time, then the cancel path's own
    allowances (interrupt, wrap-up), then a margin."""
    return (
        settings.training_max_run_s
        + settings.training_cancel_interrupt_s
        + settings.training_cancel_wrap_up_s
        + HARD_LIMIT_MARGIN_S
    )

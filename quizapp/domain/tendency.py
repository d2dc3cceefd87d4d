"""A trainee's treatment tendency: how far planned amounts run from the reference ranges.

Pure arithmetic, shared by case studies and the logbook's real practice (both feed it)."""

from __future__ import annotations

from dataclasses import dataclass

#: Deviation is clipped so one wild plan cannot dominate a trainee's average.
DEVIATION_CLIP = (-1.0, 2.0)


def deviation(planned: float, low: float | None, high: float | None) -> float:
    """Signed distance of a planned amount from its reference range, as a fraction of it.

    0 inside the range; (planned - max) / max above it; (planned - min) / min below it (so a
    missed zone is -1). A zone treated without any reference range counts as +1 (all excess).
    """
    if high is None:
        value = 1.0 if planned > 0 else 0.0
    elif planned > high:
        value = (planned - high) / high if high > 0 else 1.0
    elif low is not None and planned < low and low > 0:
        value = (planned - low) / low
    else:
        value = 0.0
    return max(DEVIATION_CLIP[0], min(DEVIATION_CLIP[1], value))


@dataclass(frozen=True)
class Tendency:
    """How a trainee's plans run against the reference: the feedback no other tool gives."""

    attempts: int
    zones_judged: int
    mean_deviation: float  # signed fraction; +0.25 = a quarter above the reference on average
    above_share: float
    below_share: float
    overdone_or_overfilled: int
    unsafe: int

    @property
    def label(self) -> str:
        if self.zones_judged == 0:
            return "no case attempts yet"
        if self.mean_deviation > 0.1:
            return "tends to over-treat"
        if self.mean_deviation < -0.1:
            return "tends to under-treat"
        return "close to the reference"


def from_sums(
    *,
    attempts: int,
    zones_judged: int,
    deviation_sum: float,
    above: int,
    below: int,
    overdone_or_overfilled: int,
    unsafe: int,
) -> Tendency:
    """The tendency made of stored sums (a learner's case summary, a logbook's entries): means
    and shares over the zones judged, 0 when none was."""
    return Tendency(
        attempts=attempts,
        zones_judged=zones_judged,
        mean_deviation=deviation_sum / zones_judged if zones_judged else 0.0,
        above_share=above / zones_judged if zones_judged else 0.0,
        below_share=below / zones_judged if zones_judged else 0.0,
        overdone_or_overfilled=overdone_or_overfilled,
        unsafe=unsafe,
    )

"""Loss weights over training: a `Ramp` per loss term, written as fractions of a cycle (or of the whole
run), so a shortened schedule (`train.steps_per_cycle=200`, as the demo uses) keeps the released shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ramp:
    """A loss weight: 0 until `on`, then rising linearly from 0 at `start` to `value` at `end` (a step to
    `value` when end <= start). Positions are fractions of a cycle (`per="cycle"`, restarting every
    cycle) or of the whole run (`per="run"`); the weight is 0 in cycles before `from_cycle`."""

    value: float
    start: float = 0.0
    end: float = 0.0
    on: float | None = None
    per: str = "cycle"
    from_cycle: int = 0

    def at(self, cycle: int, step: int, steps_per_cycle: int, cycles: int) -> float:
        if self.value == 0.0 or cycle < self.from_cycle:
            return 0.0
        x = (
            step / steps_per_cycle
            if self.per == "cycle"
            else (cycle * steps_per_cycle + step) / (cycles * steps_per_cycle)
        )
        if x <= (self.start if self.on is None else self.on) + 1e-9:  # at the switch-on step itself: still off
            return 0.0
        if self.end <= self.start:
            return self.value
        return self.value * min(max((x - self.start) / (self.end - self.start), 0.0), 1.0)

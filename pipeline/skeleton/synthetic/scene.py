"""What a class program writes to: per-body motion channels over (samples, frames), plus timing helpers.

A program is a list of primitives; each primitive adds to channels of one body (torso angles, pelvis
offset, ankle offsets, hand-target layers, ...). `render` turns the channels into joints. Time is the
sample's warped clip time `u` (0 = start, 1 = end of the action), so speed and start offset vary per
sample while the program stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.skeleton.synthetic.body import Shape


@dataclass
class ArmLayer:
    """Move one hand towards a named anchor with weight `weight` (S, T); later layers win where they overlap."""

    side: int
    weight: np.ndarray
    anchor: str
    offset: np.ndarray  # (S, 1 or T, 3) body frame, x already mirrored to the hand's side
    pole: np.ndarray | None  # (3,) preferred elbow direction, x already mirrored, or None for the anchor's own


@dataclass
class Motion:
    """Channels of one body. Angles in radians, lengths in metres, all in the body frame except `root`/`yaw`."""

    shape: Shape
    root: np.ndarray  # (S, T, 3) where the body stands in the scene (y: whole-body lift, e.g. a jump)
    yaw: np.ndarray  # (S, T) facing direction in the scene
    pelvis: np.ndarray  # (S, T, 3) pelvis offset from standing, feet stay put (squat, sit)
    torso: np.ndarray  # (S, T, 3) pitch (bend forward), roll (lean right), twist (turn left)
    head: np.ndarray  # (S, T, 3) pitch (nod down), yaw (turn left), roll (tilt right)
    ankle: np.ndarray  # (S, T, 2, 3) ankle-target offsets, [left, right]
    hand: np.ndarray  # (S, T, 2, 3) offsets added to the composed hand targets (waving, rubbing, swinging)
    wrist: np.ndarray  # (S, T, 2, 3) bends the hand off the forearm line (flapping, flicking)
    layers: list[ArmLayer] = field(default_factory=list)

    @classmethod
    def still(cls, shape: Shape, samples: int, frames: int) -> Motion:
        z3 = np.zeros((samples, frames, 3))
        z23 = np.zeros((samples, frames, 2, 3))
        return cls(
            shape,
            z3.copy(),
            np.zeros((samples, frames)),
            z3.copy(),
            z3.copy(),
            z3.copy(),
            z23.copy(),
            z23.copy(),
            z23,
        )


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


class Scene:
    """The bodies of one class's S samples, their warped time and random state, as primitives see them."""

    def __init__(
        self, u: np.ndarray, rng: np.random.Generator, amplitude: np.ndarray, shape: Shape, partner_shape: Shape
    ) -> None:
        self.u = u
        self.rng = rng
        self.amp = amplitude[:, None]  # (S, 1): per-sample size of every movement
        self.partner_shape = partner_shape
        self.bodies = [self._idle(Motion.still(shape, *u.shape))]

    @property
    def samples(self) -> int:
        return self.u.shape[0]

    def add_partner(self) -> Motion:
        body = self._idle(Motion.still(self.partner_shape, *self.u.shape))
        self.bodies.append(body)
        return body

    def _idle(self, body: Motion) -> Motion:
        """Habitual posture and a slow sway, so that a still pose is never perfectly still."""
        style = body.shape.style
        body.torso[..., 0] += style["lean"][:, None] + 0.015 * np.sin(self.phase(0.7))
        body.torso[..., 1] += 0.015 * np.sin(self.phase(0.5))
        body.head[..., 0] += style["head_pitch"][:, None] + 0.02 * np.sin(self.phase(0.6))
        return body

    def phase(self, freq: float) -> np.ndarray:
        """2*pi*f*u plus a random phase, with the frequency jittered per sample (S, T)."""
        f = freq * self.rng.uniform(0.85, 1.15, (self.samples, 1))
        return 2 * np.pi * f * self.u + self.rng.uniform(0, 2 * np.pi, (self.samples, 1))

    def envelope(self, t0: float | np.ndarray, t1: float | np.ndarray, ramp: float) -> np.ndarray:
        """0 -> 1 over [t0, t0+ramp], hold, 1 -> 0 over [t1-ramp, t1]; t0 < 0 or t1 > 1 keep it on at an end."""
        return smoothstep((self.u - t0) / ramp) * (1 - smoothstep((self.u - (t1 - ramp)) / ramp))

    def bumps(self, t0: float, t1: float, count: int, ramp: float) -> np.ndarray:
        """`count` envelopes one after another filling [t0, t1] (repeated hand-to-mouth, stamping)."""
        if count == 1:
            return self.envelope(t0, t1, ramp)
        seg = (t1 - t0) / count
        ramp = min(ramp, seg / 2.5)
        k = np.clip(np.floor((self.u - t0) / seg), 0, count - 1)
        local = self.u - t0 - k * seg
        inside = (self.u >= t0) & (self.u <= t1)
        return inside * smoothstep(local / ramp) * (1 - smoothstep((local - (seg - ramp)) / ramp))

    def progress(self, t0: float, t1: float) -> np.ndarray:
        """0 before t0, 1 after t1, smooth in between: for changes that persist (turning, walking away)."""
        return smoothstep((self.u - t0) / max(t1 - t0, 1e-6))

    def jitter(self, scale: float, size: int = 3) -> np.ndarray:
        """A per-sample constant random offset (S, 1, size)."""
        return self.rng.normal(0.0, scale, (self.samples, 1, size))

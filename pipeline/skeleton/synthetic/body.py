"""The synthetic performer: NTU-25 bone lengths, per-subject proportions, rotations and two-bone IK.

Body frame (every primitive and anchor speaks it): x to the body's own left, y up, z forward, origin on
the ground between the feet. Arrays carry leading (samples, frames) axes; nothing loops over frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEFT, RIGHT = 0, 1
SIDE_SIGN = (1.0, -1.0)  # x of a left-side point is +, of a right-side point -

# NTU-25 joint indices, per side: (shoulder, elbow, wrist, hand, hand_tip, thumb) and (hip, knee, ankle, foot).
SPINE_BASE, SPINE_MID, NECK, HEAD, SPINE_SHOULDER = 0, 1, 2, 3, 20
ARM = ((4, 5, 6, 7, 21, 22), (8, 9, 10, 11, 23, 24))
LEG = ((12, 13, 14, 15), (16, 17, 18, 19))

# Reference lengths (metres) of a 1.75 m adult as Kinect v2 places the joints.
REFERENCE = {
    "spine_low": 0.27,
    "spine_up": 0.22,
    "neck": 0.07,
    "head": 0.13,
    "shoulder_w": 0.175,
    "hip_w": 0.085,
    "hip_drop": 0.07,
    "upper_arm": 0.28,
    "forearm": 0.25,
    "hand": 0.07,
    "hand_tip": 0.07,
    "thumb": 0.05,
    "thigh": 0.42,
    "shin": 0.40,
    "ankle_h": 0.08,
    "foot": 0.12,
}
# Which proportion factor scales each length on top of overall height.
GROUP = {
    "spine_low": "torso",
    "spine_up": "torso",
    "neck": "torso",
    "head": "torso",
    "shoulder_w": "shoulders",
    "hip_w": "hips",
    "hip_drop": "hips",
    "upper_arm": "arms",
    "forearm": "arms",
    "hand": "arms",
    "hand_tip": "arms",
    "thumb": "arms",
    "thigh": "legs",
    "shin": "legs",
    "ankle_h": "legs",
    "foot": "legs",
}


@dataclass
class Subject:
    """One performer: body proportions and movement style, fixed across all of their clips."""

    height: float
    proportions: dict[str, float]
    amplitude: float  # how big their movements are
    speed: float  # how fast they perform
    lean: float  # habitual forward lean of the torso (rad)
    head_pitch: float  # habitual head tilt (rad)
    arm_spread: float  # how far the resting hands hang from the thighs (fraction of arm length)
    elbow_out: float  # how much the elbows flare when the hands are raised


def make_subjects(rng: np.random.Generator, count: int) -> list[Subject]:
    """Performers with distinct proportions and style, so cross-subject evaluation means something."""
    spread = (("torso", 0.03), ("shoulders", 0.06), ("hips", 0.06), ("arms", 0.04), ("legs", 0.03))
    return [
        Subject(
            height=float(rng.uniform(0.9, 1.08)),
            proportions={g: float(rng.normal(1.0, s)) for g, s in spread},
            amplitude=float(rng.uniform(0.85, 1.15)),
            speed=float(rng.uniform(0.9, 1.1)),
            lean=float(rng.uniform(-0.03, 0.1)),
            head_pitch=float(rng.uniform(-0.05, 0.12)),
            arm_spread=float(rng.uniform(0.05, 0.2)),
            elbow_out=float(rng.uniform(0.0, 0.5)),
        )
        for _ in range(count)
    ]


class Shape:
    """Bone lengths of S samples, each (S, 1) so it broadcasts over frames: `shape["thigh"]`."""

    def __init__(self, subjects: list[Subject], jitter: np.ndarray) -> None:
        height = np.array([s.height for s in subjects]) * jitter
        self.lengths = {
            name: (ref * height * np.array([s.proportions[GROUP[name]] for s in subjects]))[:, None]
            for name, ref in REFERENCE.items()
        }
        self.arm = self["upper_arm"] + self["forearm"]
        self.hip_height = self["ankle_h"] + self["shin"] + self["thigh"]
        self.style = {
            k: np.array([getattr(s, k) for s in subjects])
            for k in ("amplitude", "speed", "lean", "head_pitch", "arm_spread", "elbow_out")
        }

    def __getitem__(self, name: str) -> np.ndarray:
        return self.lengths[name]


def rot_x(a: np.ndarray) -> np.ndarray:
    """Rotation about x (positive tips +y towards +z: a forward bend or nod)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(a: np.ndarray) -> np.ndarray:
    """Rotation about the vertical (positive turns +z towards +x: a turn to the body's left)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(a: np.ndarray) -> np.ndarray:
    """Rotation about z (positive tips +y towards -x: a lean to the body's right)."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def euler(pitch: np.ndarray, roll: np.ndarray, twist: np.ndarray) -> np.ndarray:
    """Twist about the vertical, after a forward bend, after a side lean."""
    return rot_y(twist) @ rot_x(pitch) @ rot_z(roll)


def apply(rot: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors (..., 3) by matrices (..., 3, 3)."""
    return (rot @ v[..., None])[..., 0]


def unit(v: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), eps)


def vec(x: np.ndarray | float, y: np.ndarray | float, z: np.ndarray | float) -> np.ndarray:
    """Stack broadcastable components into (..., 3)."""
    x, y, z = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float))
    return np.stack([x, y, z], -1)


def two_bone(
    root: np.ndarray,
    target: np.ndarray,
    l1: np.ndarray,
    l2: np.ndarray,
    pole: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic IK of a limb (shoulder-elbow-wrist or hip-knee-ankle): the middle joint bends towards
    `pole`; an unreachable target gets the limb stretched straight at it. Returns (middle, end)."""
    l1, l2 = l1[..., None], l2[..., None]
    delta = target - root
    dist = np.linalg.norm(delta, axis=-1, keepdims=True)
    axis = delta / np.maximum(dist, 1e-9)
    dist = np.clip(dist, np.abs(l1 - l2) + 1e-3, (l1 + l2) * 0.999)
    along = (l1**2 - l2**2 + dist**2) / (2 * dist)
    height = np.sqrt(np.maximum(l1**2 - along**2, 0.0))
    bend = pole - np.sum(pole * axis, -1, keepdims=True) * axis
    # A pole parallel to the limb gives no bending plane: fall back to any perpendicular direction.
    fallback = np.cross(axis, np.array([0.0, 0.0, 1.0]))
    fallback = np.where(
        np.linalg.norm(fallback, axis=-1, keepdims=True) < 1e-3,
        np.cross(axis, np.array([1.0, 0.0, 0.0])),
        fallback,
    )
    bend = np.where(np.linalg.norm(bend, axis=-1, keepdims=True) < 1e-6, fallback, bend)
    middle = root + along * axis + height * unit(bend)
    return middle, root + dist * axis

"""The motion primitives that class programs are written in.

Each primitive, called with its parameters, returns a `Step` (a function of the scene) that adds to the
channels of one body. Times are fractions of the action (see `Scene`); `body=1` addresses the partner
of a two-person program (created by `pair`). Hands are "L", "R" or "B" (both); an offset's x is
outward, towards the hand's (or leg's) own side, so one value serves both sides. Amplitudes scale with
the sample's movement size, and reached-for points get a per-sample random offset.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from pipeline.skeleton.synthetic.body import LEFT, RIGHT, apply, rot_y, vec
from pipeline.skeleton.synthetic.render import ANCHORS, mirror
from pipeline.skeleton.synthetic.scene import ArmLayer, Scene

Step = Callable[[Scene], None]
Vec3 = tuple[float, float, float]
SIDES = {"L": (LEFT,), "R": (RIGHT,), "B": (LEFT, RIGHT)}
RAMP = 0.15


def primitive(fn: Callable[..., None]) -> Callable[..., Step]:
    """Turn `fn(scene, *params)` into a step builder `fn(*params) -> Step` for program tables."""

    @functools.wraps(fn)
    def build(*args: object, **kwargs: object) -> Step:
        return lambda scene: fn(scene, *args, **kwargs)

    return build


def _osc(sc: Scene, freq: float, rectify: bool) -> np.ndarray:
    wave = np.sin(sc.phase(freq))
    return np.maximum(wave, 0.0) if rectify else wave


# ---- hands and arms -----------------------------------------------------------------------------


@primitive
def reach(
    sc: Scene,
    hand: str,
    to: str,
    t0: float,
    t1: float,
    off: Vec3 = (0, 0, 0),
    ramp: float = RAMP,
    reps: int = 1,
    pole: Vec3 | None = None,
    body: int = 0,
) -> None:
    """Bring the hand(s) to a named anchor (mouth, ear, chest, floor, partner's chest, ...) and hold;
    `reps` repeats the reach within the window (eating)."""
    if to not in ANCHORS:
        raise ValueError(f"unknown anchor {to!r}")
    weight = sc.bumps(t0, t1, reps, ramp)
    for side in SIDES[hand]:
        offset = mirror(off, side) + sc.jitter(0.025)
        sc.bodies[body].layers.append(
            ArmLayer(side, weight, to, offset, None if pole is None else mirror(pole, side))
        )


@primitive
def wiggle(
    sc: Scene,
    hand: str,
    t0: float,
    t1: float,
    amp: Vec3,
    amp2: Vec3 = (0, 0, 0),
    freq: float = 3.0,
    anti: bool = False,
    ramp: float = 0.1,
    body: int = 0,
) -> None:
    """Periodic hand movement wherever the hand is (brushing, waving, clapping, rubbing, pumping):
    amp*sin + amp2*cos; with both hands, `anti` puts the right hand half a cycle behind the left."""
    m = sc.bodies[body]
    weight = (sc.envelope(t0, t1, ramp) * sc.amp)[..., None]
    phase = sc.phase(freq)
    for k, side in enumerate(SIDES[hand]):
        p = phase + (np.pi if anti and k == 1 else 0.0)
        m.hand[:, :, side] += weight * (
            np.sin(p)[..., None] * mirror(amp, side) + np.cos(p)[..., None] * mirror(amp2, side)
        )


@primitive
def flick(
    sc: Scene,
    hand: str,
    t0: float,
    t1: float,
    amp: float = 0.6,
    freq: float = 4.0,
    axis: Vec3 = (0, 1, 0),
    body: int = 0,
) -> None:
    """Flap the hand at the wrist (fanning, bouncing a ball, snapping)."""
    m = sc.bodies[body]
    weight = (sc.envelope(t0, t1, 0.1) * sc.amp * amp * np.sin(sc.phase(freq)))[..., None]
    for side in SIDES[hand]:
        m.wrist[:, :, side] += weight * mirror(axis, side)


@primitive
def swing_arms(
    sc: Scene,
    t0: float,
    t1: float,
    amp: Vec3 = (0, 0.1, 0.3),
    freq: float = 2.0,
    same: bool = False,
    body: int = 0,
) -> None:
    """Both arms swing from the shoulders, opposite to each other unless `same` (arm swings, running)."""
    wiggle(hand="B", t0=t0, t1=t1, amp=amp, freq=freq, anti=not same, body=body)(sc)


# ---- torso and head -----------------------------------------------------------------------------


@primitive
def bend(
    sc: Scene,
    t0: float,
    t1: float,
    pitch: float = 0.0,
    roll: float = 0.0,
    twist: float = 0.0,
    ramp: float = RAMP,
    body: int = 0,
) -> None:
    """Hold a torso posture: bend forward (pitch > 0), lean right (roll > 0), turn left (twist > 0)."""
    weight = (sc.envelope(t0, t1, ramp) * sc.amp)[..., None]
    sc.bodies[body].torso += weight * np.array([pitch, roll, twist])


@primitive
def torso_osc(
    sc: Scene,
    t0: float,
    t1: float,
    pitch: float = 0.0,
    roll: float = 0.0,
    twist: float = 0.0,
    freq: float = 2.0,
    rectify: bool = False,
    body: int = 0,
) -> None:
    """Rhythmic torso motion: swaying, heaving, jerking forward (`rectify`: one direction only)."""
    weight = (sc.envelope(t0, t1, 0.1) * sc.amp * _osc(sc, freq, rectify))[..., None]
    sc.bodies[body].torso += weight * np.array([pitch, roll, twist])


@primitive
def head(
    sc: Scene,
    t0: float,
    t1: float,
    pitch: float = 0.0,
    yaw: float = 0.0,
    roll: float = 0.0,
    ramp: float = RAMP,
    body: int = 0,
) -> None:
    """Hold a head posture: look down (pitch > 0) or tilt back (< 0), turn left (yaw > 0), tilt right."""
    weight = (sc.envelope(t0, t1, ramp) * sc.amp)[..., None]
    sc.bodies[body].head += weight * np.array([pitch, yaw, roll])


@primitive
def head_osc(
    sc: Scene,
    t0: float,
    t1: float,
    pitch: float = 0.0,
    yaw: float = 0.0,
    roll: float = 0.0,
    freq: float = 3.0,
    rectify: bool = False,
    body: int = 0,
) -> None:
    """Nodding (pitch) or shaking (yaw) the head."""
    weight = (sc.envelope(t0, t1, 0.1) * sc.amp * _osc(sc, freq, rectify))[..., None]
    sc.bodies[body].head += weight * np.array([pitch, yaw, roll])


# ---- legs and the whole body --------------------------------------------------------------------


@primitive
def crouch(
    sc: Scene, t0: float, t1: float, depth: float, back: float = 0.0, ramp: float = 0.2, body: int = 0
) -> None:
    """Lower the pelvis (and move it back, to sit) with the feet on the ground: knees bend."""
    m = sc.bodies[body]
    drop = np.minimum(depth * sc.amp, 0.55 * m.shape.hip_height)
    m.pelvis += (sc.envelope(t0, t1, ramp) * drop)[..., None] * np.array([0.0, -1.0, 0.0])
    m.pelvis[..., 2] -= sc.envelope(t0, t1, ramp) * back


@primitive
def lift(sc: Scene, t0: float, t1: float, height: float, count: int = 1, body: int = 0) -> None:
    """The whole body leaves the ground `count` times in [t0, t1] (jumping, hopping)."""
    x = (sc.u - t0) / (t1 - t0)
    arcs = np.where((x >= 0) & (x <= 1), np.maximum(np.sin(np.pi * count * x), 0.0), 0.0)
    sc.bodies[body].root[..., 1] += height * sc.amp * arcs


@primitive
def leg(sc: Scene, side: str, t0: float, t1: float, off: Vec3, ramp: float = RAMP, body: int = 0) -> None:
    """Move a foot (ankle) by `off` and hold: lift a foot, kick, stamp, step."""
    weight = (sc.envelope(t0, t1, ramp) * sc.amp)[..., None]
    for s in SIDES[side]:
        sc.bodies[body].ankle[:, :, s] += weight * mirror(off, s)


@primitive
def leg_osc(
    sc: Scene,
    side: str,
    t0: float,
    t1: float,
    amp: Vec3,
    freq: float = 3.0,
    alternate: bool = True,
    rectify: bool = True,
    body: int = 0,
) -> None:
    """Feet move periodically, alternating between legs (running on the spot, butt kicks)."""
    m = sc.bodies[body]
    weight = sc.envelope(t0, t1, 0.1) * sc.amp
    phase = sc.phase(freq)
    for k, s in enumerate(SIDES[side]):
        wave = np.sin(phase + (np.pi if alternate and k == 1 else 0.0))
        wave = np.maximum(wave, 0.0) if rectify else wave
        m.ankle[:, :, s] += (weight * wave)[..., None] * mirror(amp, s)


@primitive
def walk(sc: Scene, t0: float, t1: float, distance: float, stride: float = 0.65, body: int = 0) -> None:
    """Walk `distance` metres the way the body faces: the root travels, legs step, arms swing opposite."""
    m = sc.bodies[body]
    progress = sc.progress(t0, t1)
    dist = distance * sc.amp
    step = np.diff(progress, axis=1, prepend=progress[:, :1]) * dist
    heading = apply(rot_y(m.yaw), np.array([0.0, 0.0, 1.0]))
    m.root += np.cumsum(step[..., None] * heading, axis=1)
    gait = sc.envelope(t0, t1, min(0.1, (t1 - t0) / 3))
    phase = 2 * np.pi * (dist / (2 * stride)) * progress + sc.rng.uniform(0, 2 * np.pi, (sc.samples, 1))
    for s, shift in ((LEFT, 0.0), (RIGHT, np.pi)):
        p = phase + shift
        m.ankle[:, :, s] += gait[..., None] * vec(0, 0.07 * np.maximum(np.cos(p), 0), 0.22 * np.sin(p))
        m.hand[:, :, s] += gait[..., None] * vec(0, 0, -0.15 * np.sin(p))
    m.pelvis[..., 1] += gait * 0.015 * np.cos(2 * phase)


@primitive
def turn(sc: Scene, t0: float, t1: float, angle: float, body: int = 0) -> None:
    """Turn the whole body about the vertical (positive: to its left) and stay turned."""
    sc.bodies[body].yaw += angle * sc.progress(t0, t1)


@primitive
def shift(sc: Scene, t0: float, t1: float, forward: float = 0.0, left: float = 0.0, body: int = 0) -> None:
    """Step the whole body forward/back/sideways and stay there (lunge, stagger back, step aside)."""
    m = sc.bodies[body]
    offset = apply(rot_y(m.yaw), np.array([left, 0.0, forward])) * sc.amp[..., None]
    m.root += sc.progress(t0, t1)[..., None] * offset
    mid = (t0 + t1) / 2
    direction = np.array([left, 0.0, forward]) / 2
    m.ankle[:, :, RIGHT] += sc.envelope(t0 - 0.05, mid + 0.05, 0.08)[..., None] * (direction + [0, 0.05, 0])
    m.ankle[:, :, LEFT] += sc.envelope(mid - 0.05, t1 + 0.05, 0.08)[..., None] * (direction + [0, 0.05, 0])


@primitive
def sway(sc: Scene, t0: float, t1: float, amp: float = 0.15, freq: float = 1.5, body: int = 0) -> None:
    """Irregular side-to-side drift of the whole body (staggering)."""
    m = sc.bodies[body]
    drift = amp * sc.amp * sc.envelope(t0, t1, 0.1) * (np.sin(sc.phase(freq)) + 0.5 * np.sin(sc.phase(2.3 * freq)))
    m.root += drift[..., None] * apply(rot_y(m.yaw), np.array([1.0, 0.0, 0.0]))


@primitive
def pair(sc: Scene, distance: float, facing: str = "toward", lateral: float = 0.0) -> None:
    """Add the second person: facing this one (`toward`), behind it facing the same way (`behind`),
    or beside it on its right (`beside`)."""
    other = sc.add_partner()
    d = distance * sc.rng.uniform(0.9, 1.1, (sc.samples, 1))
    side = lateral + sc.rng.normal(0, 0.05, (sc.samples, 1))
    if facing == "toward":
        other.root += vec(side, 0, d)
        other.yaw += np.pi
    elif facing == "behind":
        other.root += vec(side, 0, -d)
    elif facing == "beside":
        other.root += vec(-d, 0, side)
    else:
        raise ValueError(f"unknown facing {facing!r}")


@primitive
def fidget(sc: Scene, rate: float = 0.5) -> None:
    """Habits unrelated to the action, each in about `rate` of the samples: the left hand rests somewhere,
    the head glances aside, the weight shifts. Run before a program so the program's own moves win."""
    n = sc.samples
    m = sc.bodies[0]
    start = sc.rng.uniform(-0.3, 0.6, (n, 1))
    length = sc.rng.uniform(0.3, 0.8, (n, 1))
    rest = sc.envelope(start, start + length, 0.1)
    choice = sc.rng.integers(0, 4, (n, 1))
    on = sc.rng.random((n, 1)) < rate
    for k, anchor in enumerate(("hip", "pocket", "belly", "chest")):
        weight = rest * (on & (choice == k))
        m.layers.append(ArmLayer(LEFT, weight, anchor, mirror((0, 0, 0), LEFT) + sc.jitter(0.03), None))
    glance = sc.envelope(start + 0.2, start + 0.2 + length / 2, 0.08) * (sc.rng.random((n, 1)) < rate / 2)
    m.head += (glance * sc.rng.uniform(-0.4, 0.4, (n, 1)))[..., None] * np.array([0.0, 1.0, 0.0])
    weight_shift = sc.rng.normal(0, 0.03, (n, 1)) * (sc.rng.random((n, 1)) < rate / 2)
    m.pelvis[..., 0] += weight_shift * sc.progress(0.0, 1.0)
    m.torso[..., 1] -= 1.5 * weight_shift * sc.progress(0.0, 1.0)


# ---- compositions used by several classes -------------------------------------------------------


def jump(t0: float, t1: float, height: float = 0.25, count: int = 1) -> list[Step]:
    """Crouch with the arms back, spring up with the arms swinging up, land with bent knees."""
    w = (t1 - t0) / 4
    return [
        crouch(t0, t0 + 1.3 * w, 0.2, ramp=0.08),
        reach("B", "behind", t0, t0 + 1.3 * w, ramp=0.08),
        lift(t0 + w, t1 - w, height, count),
        reach("B", "up", t0 + w, t1 - w, ramp=0.08),
        crouch(t1 - 1.3 * w, t1, 0.15, ramp=0.08),
    ]


def kick(
    side: str, t0: float, t1: float, height: float = 0.35, reach_forward: float = 0.55, body: int = 0
) -> list[Step]:
    """Leg swings back, then forward fast with the knee straightening; arms out for balance."""
    mid = t0 + 0.45 * (t1 - t0)
    return [
        leg(side, t0, mid + 0.05, (0, 0.08, -0.25), ramp=0.08, body=body),
        leg(side, mid, t1, (0, height, reach_forward), ramp=0.07, body=body),
        reach("B", "side_low", t0, t1, body=body),
        bend(mid, t1, pitch=-0.12, body=body),
    ]


def recoil(t0: float, t1: float, distance: float = 0.3, tilt: float = 0.3, body: int = 1) -> list[Step]:
    """Taking a blow or a push: torso and head jerk back, feet step back."""
    return [
        bend(t0, t1, pitch=-tilt, ramp=0.08, body=body),
        head(t0, t1, pitch=-tilt, ramp=0.08, body=body),
        shift(t0, t1, forward=-distance, body=body),
    ]

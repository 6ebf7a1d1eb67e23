"""Motion channels -> NTU-25 joints in scene coordinates, for every sample and frame at once.

Order: pelvis, legs, torso and head of every body first; then the named anchors the hands reach for
(the mouth moves with the head, the partner's chest with the partner); then the arms by two-bone IK
from the posed shoulders; then each body is placed in the scene by its root and yaw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipeline.skeleton.synthetic.body import (
    ARM,
    HEAD,
    LEG,
    NECK,
    SIDE_SIGN,
    SPINE_BASE,
    SPINE_MID,
    SPINE_SHOULDER,
    apply,
    euler,
    rot_y,
    two_bone,
    unit,
    vec,
)
from pipeline.skeleton.synthetic.scene import Motion, Scene

NUM_JOINTS = 25
E_X = np.array([1.0, 0.0, 0.0])
E_Z = np.array([0.0, 0.0, 1.0])
REST_POLE = (0.3, -1.0, -0.4)


@dataclass
class Pose:
    """A body after the first stage: joints (S, T, 25, 3) (arms still unset), torso and head rotations."""

    joints: np.ndarray
    torso: np.ndarray  # (S, T, 3, 3)
    head: np.ndarray  # (S, T, 3, 3)
    partner: np.ndarray | None = None  # the other body's joints in this body's frame
    partner_forward: np.ndarray | None = None  # (S, T, 3) where the other body faces, in this body's frame


def pose_trunk(m: Motion) -> Pose:
    """Pelvis, legs, spine, shoulders and head from the channels."""
    sh = m.shape
    n, t = m.yaw.shape
    j = np.zeros((n, t, NUM_JOINTS, 3))
    rt = euler(m.torso[..., 0], m.torso[..., 1], m.torso[..., 2])
    half = euler(m.torso[..., 0] / 2, m.torso[..., 1] / 2, m.torso[..., 2] / 2)
    rh = rt @ euler(m.head[..., 0], m.head[..., 2], m.head[..., 1])
    j[:, :, SPINE_BASE] = vec(0, sh.hip_height + sh["hip_drop"] - 0.01, 0) + m.pelvis
    j[:, :, SPINE_MID] = j[:, :, SPINE_BASE] + apply(half, vec(0, sh["spine_low"], 0))
    j[:, :, SPINE_SHOULDER] = j[:, :, SPINE_MID] + apply(rt, vec(0, sh["spine_up"], 0))
    j[:, :, NECK] = j[:, :, SPINE_SHOULDER] + apply(rt, vec(0, sh["neck"], 0))
    j[:, :, HEAD] = j[:, :, NECK] + apply(rh, vec(0, sh["head"], 0.01))
    for side, s in enumerate(SIDE_SIGN):
        j[:, :, ARM[side][0]] = j[:, :, SPINE_SHOULDER] + apply(rt, vec(s * sh["shoulder_w"], -0.03, 0))
        hip, knee, ankle, foot = LEG[side]
        j[:, :, hip] = j[:, :, SPINE_BASE] + vec(s * sh["hip_w"], -sh["hip_drop"], 0)
        target = vec(s * sh["hip_w"] * 1.1, sh["ankle_h"], 0) + m.ankle[:, :, side]
        target[..., 1] = np.maximum(target[..., 1], 0.6 * sh["ankle_h"])
        j[:, :, knee], j[:, :, ankle] = two_bone(
            j[:, :, hip], target, sh["thigh"], sh["shin"], np.array([0.15 * s, 0.0, 1.0])
        )
        shin = unit(j[:, :, ankle] - j[:, :, knee])
        j[:, :, foot] = j[:, :, ankle] + sh["foot"][..., None] * unit(np.cross(shin, E_X) + 0.5 * shin)
    return Pose(j, rt, rh)


def _head(x: float, y: float, z: float) -> Callable[[Pose, int, Motion], np.ndarray]:
    return lambda p, side, m: p.joints[:, :, HEAD] + apply(p.head, vec(SIDE_SIGN[side] * x, y, z))


def _torso(joint: int, x: float, y: float, z: float) -> Callable[[Pose, int, Motion], np.ndarray]:
    return lambda p, side, m: p.joints[:, :, joint] + apply(p.torso, vec(SIDE_SIGN[side] * x, y, z))


def _reach(x: float, y: float, z: float) -> Callable[[Pose, int, Motion], np.ndarray]:
    """A point at arm's length fractions from the hand's own shoulder, turning with the torso."""

    def point(p: Pose, side: int, m: Motion) -> np.ndarray:
        arm = m.shape.arm
        return p.joints[:, :, ARM[side][0]] + apply(p.torso, vec(SIDE_SIGN[side] * x * arm, y * arm, z * arm))

    return point


def _limb(
    joint_of_side: Callable[[int], int],
    x: float,
    y: float,
    z: float,
) -> Callable[[Pose, int, Motion], np.ndarray]:
    """A point near a leg joint, not turned by the torso (pockets, knees, feet)."""
    return lambda p, side, m: p.joints[:, :, joint_of_side(side)] + vec(SIDE_SIGN[side] * x, y, z)


def _ground(x: float, y: float, z: float) -> Callable[[Pose, int, Motion], np.ndarray]:
    return lambda p, side, m: np.broadcast_to(vec(SIDE_SIGN[side] * x, y, z), p.joints[:, :, 0].shape)


def _nearest(p: Pose, side: int, left: int, right: int) -> np.ndarray:
    """The partner's joint (of a left/right pair) on this hand's side, in this body's frame."""
    a, b = p.partner[:, :, left], p.partner[:, :, right]
    s = SIDE_SIGN[side]
    return np.where((a[..., :1] * s > b[..., :1] * s), a, b)


def _partner(kind: str) -> Callable[[Pose, int, Motion], np.ndarray]:
    def point(p: Pose, side: int, m: Motion) -> np.ndarray:
        if p.partner is None:
            raise ValueError(f"anchor partner/{kind} used in a one-person program")
        f = p.partner_forward
        if kind == "head":
            return p.partner[:, :, HEAD] + 0.10 * f
        if kind == "chest":
            return p.partner[:, :, SPINE_SHOULDER] + vec(0, -0.12, 0) + 0.13 * f
        if kind == "belly":
            return p.partner[:, :, SPINE_MID] + 0.13 * f
        if kind == "shoulder":
            return _nearest(p, side, ARM[0][0], ARM[1][0]) + 0.06 * f + vec(0, 0.02, 0)
        if kind == "back":
            return _nearest(p, side, ARM[0][0], ARM[1][0]) - 0.12 * f + vec(0, -0.06, 0)
        if kind == "pocket":
            return _nearest(p, side, LEG[0][0], LEG[1][0]) + 0.06 * f + vec(0, -0.08, 0)
        middle = (p.joints[:, :, SPINE_SHOULDER] + p.partner[:, :, SPINE_SHOULDER]) / 2
        return middle + vec(0, 0.28 if kind == "meet_high" else -0.28, 0)

    return point


# name -> (position of the wrist target, preferred elbow direction for a left hand; x mirrors for the right)
ANCHORS: dict[str, tuple[Callable[[Pose, int, Motion], np.ndarray], tuple[float, float, float]]] = {
    "mouth": (_head(0.03, -0.07, 0.10), (0.6, -1.0, 0.1)),
    "nose": (_head(0.02, -0.02, 0.11), (0.6, -1.0, 0.1)),
    "face": (_head(0.05, -0.02, 0.10), (0.8, -1.0, 0.0)),
    "forehead": (_head(0.06, 0.06, 0.08), (1.0, -0.3, 0.2)),
    "temple": (_head(0.09, 0.04, 0.03), (1.0, -0.3, 0.0)),
    "ear": (_head(0.10, -0.01, 0.0), (1.0, -0.5, 0.0)),
    "head_top": (_head(0.04, 0.13, 0.0), (1.0, 0.0, 0.0)),
    "head_up": (_head(0.10, 0.30, 0.05), (1.0, 0.0, 0.0)),
    "head_back": (_head(0.06, 0.03, -0.11), (1.0, 0.0, 0.3)),
    "neck": (_torso(NECK, 0.05, 0.0, -0.02), (1.0, -0.5, 0.3)),
    "chest": (_torso(SPINE_SHOULDER, 0.06, -0.13, 0.12), (0.6, -1.0, -0.2)),
    "hold": (_torso(SPINE_SHOULDER, 0.12, -0.20, 0.32), (0.6, -1.0, -0.3)),
    "mid": (_torso(SPINE_SHOULDER, 0.03, -0.17, 0.30), (1.0, -1.0, -0.2)),
    "cross": (_torso(SPINE_SHOULDER, -0.10, -0.15, 0.28), (0.6, -1.0, 0.0)),
    "arm_other": (_torso(SPINE_SHOULDER, -0.15, -0.17, 0.10), (0.3, -0.5, 1.0)),
    "belly": (_torso(SPINE_MID, 0.06, -0.02, 0.14), (0.7, -1.0, -0.3)),
    "low_back": (_torso(SPINE_MID, 0.10, -0.10, -0.14), (1.0, -0.5, -0.5)),
    "waist": (_torso(SPINE_BASE, 0.13, 0.05, 0.30), (0.5, -1.0, -0.3)),
    "low": (_torso(SPINE_BASE, 0.10, -0.15, 0.25), (0.4, -1.0, -0.3)),
    "pocket": (_limb(lambda side: LEG[side][0], 0.05, -0.08, 0.07), (0.5, -1.0, -0.5)),
    "hip": (_limb(lambda side: LEG[side][0], 0.08, 0.10, -0.08), (1.0, 0.0, -0.5)),
    "knee": (_limb(lambda side: LEG[side][1], 0.0, 0.08, 0.05), (0.5, -0.5, -1.0)),
    "foot": (_limb(lambda side: LEG[1][2], 0.06, 0.06, 0.06), (0.5, -1.0, 0.0)),
    "toe_other": (_limb(lambda side: LEG[1 - side][3], 0.0, 0.04, 0.0), (0.5, -1.0, 0.0)),
    "floor": (_ground(0.15, 0.06, 0.40), (0.3, -1.0, 0.0)),
    "front": (_reach(-0.05, -0.03, 0.97), (0.2, -1.0, 0.0)),
    "front_low": (_reach(0.0, -0.5, 0.8), (0.2, -1.0, 0.0)),
    "front_up": (_reach(0.0, 0.6, 0.75), (0.4, -1.0, 0.0)),
    "up": (_reach(0.1, 0.98, 0.1), (1.0, 0.0, 0.0)),
    "side": (_reach(0.98, 0.0, 0.05), (0.0, -0.3, -1.0)),
    "side_low": (_reach(0.6, -0.75, 0.1), (0.3, -1.0, -0.5)),
    "behind": (_reach(0.15, -0.75, -0.6), (0.3, -1.0, 0.3)),
    "wave": (_reach(0.35, 0.75, 0.15), (1.0, -1.0, 0.0)),
    "shoulder_front": (_reach(0.05, 0.0, 0.45), (0.4, -1.0, 0.0)),
    "back_shoulder": (_reach(0.05, 0.3, -0.25), (1.0, 0.3, 0.3)),
    "bent": (_reach(0.05, -0.55, 0.35), (0.2, -1.0, -1.0)),
    "partner_head": (_partner("head"), (0.2, -1.0, 0.0)),
    "partner_chest": (_partner("chest"), (0.3, -1.0, 0.0)),
    "partner_belly": (_partner("belly"), (0.3, -1.0, 0.0)),
    "partner_shoulder": (_partner("shoulder"), (0.5, -1.0, 0.0)),
    "partner_back": (_partner("back"), (0.5, -0.5, 0.0)),
    "partner_pocket": (_partner("pocket"), (0.3, -1.0, 0.0)),
    "meet": (_partner("meet"), (0.3, -1.0, 0.0)),
    "meet_high": (_partner("meet_high"), (0.8, -1.0, 0.0)),
}


def mirror(v: tuple[float, float, float] | np.ndarray, side: int) -> np.ndarray:
    """A left-hand vector for the given side (x flips for the right)."""
    v = np.asarray(v, float)
    return v * np.array([SIDE_SIGN[side], 1.0, 1.0])


def pose_arms(p: Pose, m: Motion) -> None:
    """Compose each hand's target from its layers, then solve the arm by IK from the posed shoulder."""
    sh = m.shape
    spread, elbow_out = sh.style["arm_spread"][:, None], sh.style["elbow_out"][:, None, None]
    for side, s in enumerate(SIDE_SIGN):
        shoulder, elbow, wrist, hand, tip, thumb = ARM[side]
        target = p.joints[:, :, shoulder] + vec(s * spread * sh.arm, -0.96 * sh.arm, 0.06 * sh.arm)
        pole = np.broadcast_to(mirror(REST_POLE, side), target.shape).copy()
        for layer in (layer for layer in m.layers if layer.side == side):
            where, own_pole = ANCHORS[layer.anchor]
            w = layer.weight[..., None]
            target += w * (where(p, side, m) + layer.offset - target)
            want = (mirror(own_pole, side) if layer.pole is None else layer.pole) + elbow_out * vec(s, 0, 0)
            pole += w * (want - pole)
        target = target + m.hand[:, :, side]
        target[..., 1] = np.maximum(target[..., 1], 0.03)
        j = p.joints
        j[:, :, elbow], j[:, :, wrist] = two_bone(j[:, :, shoulder], target, sh["upper_arm"], sh["forearm"], pole)
        direction = unit(j[:, :, wrist] - j[:, :, elbow] + m.wrist[:, :, side])
        j[:, :, hand] = j[:, :, wrist] + sh["hand"][..., None] * direction
        j[:, :, tip] = j[:, :, hand] + sh["hand_tip"][..., None] * direction
        toward = np.array([-0.5 * s, 0.3, 1.0])
        side_dir = toward - np.sum(toward * direction, -1, keepdims=True) * direction
        j[:, :, thumb] = (
            j[:, :, wrist]
            + 0.6 * sh["hand"][..., None] * direction
            + sh["thumb"][..., None] * unit(side_dir + 1e-3 * E_Z)
        )


def to_scene(m: Motion, body_points: np.ndarray) -> np.ndarray:
    """Body frame -> scene frame: turn by the body's yaw, move to its root."""
    c, s = np.cos(m.yaw)[:, :, None], np.sin(m.yaw)[:, :, None]
    x, y, z = body_points[..., 0], body_points[..., 1], body_points[..., 2]
    return np.stack([c * x + s * z, y, c * z - s * x], -1) + m.root[:, :, None]


def render(sc: Scene) -> np.ndarray:
    """All bodies of the scene as joints (S, T, M, 25, 3) in scene coordinates (y up, metres)."""
    poses = [pose_trunk(m) for m in sc.bodies]
    if len(poses) == 2:
        for me, other in ((0, 1), (1, 0)):
            a, b = sc.bodies[me], sc.bodies[other]
            back = rot_y(-a.yaw)
            poses[me].partner = apply(back[:, :, None], to_scene(b, poses[other].joints) - a.root[:, :, None])
            poses[me].partner_forward = apply(back, apply(rot_y(b.yaw), apply(poses[other].torso, E_Z)))
    for p, m in zip(poses, sc.bodies):
        pose_arms(p, m)
    return np.stack([to_scene(m, p.joints) for p, m in zip(poses, sc.bodies)], axis=2)

"""Render every class program for every sample, then film it: camera view, sensor noise, lost joints.

Determinism: subjects come from `seed`; class c draws everything else from its own generator seeded by
(seed, c), so a class's clips do not depend on which other classes are generated (synthetic60 is the
first 60 classes of synthetic120, sample for sample).
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.settings import SyntheticConfig
from pipeline.skeleton.synthetic.body import Shape, make_subjects, rot_x, rot_y
from pipeline.skeleton.synthetic.primitives import fidget
from pipeline.skeleton.synthetic.programs import PROGRAMS
from pipeline.skeleton.synthetic.render import render
from pipeline.skeleton.synthetic.scene import Scene

SUBJECT_STREAM = 1_000_000  # seed-sequence tag of the subjects' generator, apart from every class index
CAMERA_YAW = {1: -45.0, 2: 0.0, 3: 45.0}  # NTU's three cameras (degrees about the vertical)
FLAKY_JOINTS = (21, 22, 23, 24)  # hand tips and thumbs drop out most often, as on a Kinect
# NTU-25 joint order with left and right swapped: a left-handed performance of a right-handed program.
MIRROR = (0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14, 15, 20, 23, 24, 21, 22)
LEFT_HANDED = 0.1


def train_subjects(cfg: SyntheticConfig) -> tuple[int, ...]:
    """The training side of the synthetic cross-subject protocol: the odd performer ids (1, 3, 5, ...)."""
    return tuple(range(1, cfg.subjects + 1, 2))


def _check(num_classes: int, cfg: SyntheticConfig) -> None:
    problems = []
    if not 1 <= num_classes <= len(PROGRAMS):
        problems.append(f"classes must be 1..{len(PROGRAMS)} (got {num_classes})")
    if cfg.subjects < 2:
        problems.append(f"subjects must be >= 2 for a train/test split (got {cfg.subjects})")
    if cfg.samples_per_class < 1:
        problems.append(f"samples_per_class must be >= 1 (got {cfg.samples_per_class})")
    if cfg.frames < 2:
        problems.append(f"frames must be >= 2 (got {cfg.frames})")
    if cfg.noise < 0 or not 0 <= cfg.dropout < 0.5:
        problems.append(f"noise must be >= 0 and dropout in [0, 0.5) (got {cfg.noise}, {cfg.dropout})")
    if problems:
        raise PipelineError("skeleton.synthetic: " + "; ".join(problems))


def _film(joints: np.ndarray, cameras: np.ndarray, rng: np.random.Generator, cfg: SyntheticConfig) -> np.ndarray:
    """Scene (S, T, M, J, 3) -> Kinect-like camera coordinates with noise and NaN for lost joints."""
    n, t, m, j, _ = joints.shape
    yaw = np.pi + np.radians(np.vectorize(CAMERA_YAW.get)(cameras) + rng.uniform(-10, 10, n))
    tilt = np.radians(rng.uniform(-5, 5, n))
    view = rot_x(tilt) @ rot_y(yaw)
    place = np.stack([rng.uniform(-0.4, 0.4, n), -rng.uniform(0.8, 1.1, n), rng.uniform(2.6, 3.4, n)], -1)
    out = (joints.reshape(n, -1, 3) @ view.transpose(0, 2, 1)).reshape(joints.shape) + place[:, None, None, None]
    out += rng.normal(0.0, 1.0, out.shape) * (cfg.noise * rng.uniform(0.5, 1.5, n))[:, None, None, None, None]
    rate = cfg.dropout * rng.uniform(0.0, 2.0, (n, 1, 1, 1)) * np.ones((1, 1, 1, j))
    rate[..., list(FLAKY_JOINTS)] *= 3
    lost = rng.random((n, t, m, j)) < rate
    lost[:, 1:] |= lost[:, :-1]  # a lost joint stays lost for a few frames
    lost[:, 2:] |= lost[:, :-2]
    out[lost] = np.nan
    return out.astype(np.float32)


def generate_clips(num_classes: int, cfg: SyntheticConfig) -> list[Clip]:
    """`samples_per_class` clips of each of the first `num_classes` NTU classes, spread over the subjects.

    Sample j of a class: subject j % subjects + 1, camera (j // subjects) % 3 + 1, replication
    j // (3 * subjects) + 1, named like NTU (`S001C002P003R001A010`).
    """
    _check(num_classes, cfg)
    subjects = make_subjects(np.random.default_rng([cfg.seed, SUBJECT_STREAM]), cfg.subjects)
    n = cfg.samples_per_class
    j = np.arange(n)
    subject_idx = j % cfg.subjects
    cameras = (j // cfg.subjects) % 3 + 1
    reps = j // (3 * cfg.subjects) + 1
    t = np.linspace(0.0, 1.0, cfg.frames)
    clips = []
    for label in range(num_classes):
        rng = np.random.default_rng([cfg.seed, label])
        partner_idx = (subject_idx + rng.integers(1, cfg.subjects, n)) % cfg.subjects
        shape = Shape([subjects[i] for i in subject_idx], rng.normal(1.0, 0.01, n))
        partner = Shape([subjects[i] for i in partner_idx], rng.normal(1.0, 0.01, n))
        speed = shape.style["speed"] * rng.uniform(0.85, 1.15, n)
        warp = t[None, :] ** rng.uniform(0.8, 1.25, (n, 1))
        u = (warp - 0.5) * speed[:, None] + 0.5 + rng.uniform(-0.1, 0.1, (n, 1))
        scene = Scene(u, rng, shape.style["amplitude"] * rng.uniform(0.75, 1.25, n), shape, partner)
        for step in (fidget(), *PROGRAMS[label]):
            step(scene)
        joints = render(scene)
        mirrored = rng.random(n) < LEFT_HANDED
        joints[mirrored] = joints[mirrored][..., MIRROR, :] * np.array([-1.0, 1.0, 1.0])
        if joints.shape[2] == 2:  # which person the sensor lists first is arbitrary
            swap = rng.random(n) < 0.5
            joints[swap] = joints[swap][:, :, ::-1]
        data = _film(joints, cameras, rng, cfg)
        for k in range(n):
            sid = f"S001C{cameras[k]:03d}P{subject_idx[k] + 1:03d}R{reps[k]:03d}A{label + 1:03d}"
            clips.append(
                Clip(
                    sample_id=sid,
                    data=data[k],
                    label=label,
                    subject=int(subject_idx[k]) + 1,
                    view=int(cameras[k]),
                    setup=1,
                )
            )
    return clips

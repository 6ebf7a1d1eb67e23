"""NTU RGB+D 60/120 raw `.skeleton` files -> `Clip`s.

A file is: the frame count; per frame a body count; per body a line of 10 body fields (the first is the
tracking id), the joint count (25) and 25 lines of 12 numbers (x y z first). A sample can hold more
bodies than people (Kinect's noise bodies), so each file keeps the two most active bodies: the ones whose
joint positions vary most (summed variance over the frames in which the body appears), most active
first. A body absent from a frame is zeros there, and a missing second body is zeros throughout, as in
the released NTU preprocessing; frames with neither body are dropped.

The name `SsssCcccPpppRrrrAaaa` gives setup, camera (-> `view`), performer (-> `subject`), replication
and action (-> `label = action - 1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.console import warn
from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.readers.parallel import parallel_map

NUM_JOINTS = 25
BODY_FIELDS = 10
JOINT_FIELDS = 12
MAX_BODIES = 2

# Cross-subject protocol: performers whose samples form the training set (all others are the test set).
NTU60_XSUB_TRAIN: tuple[int, ...] = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
NTU120_XSUB_TRAIN: tuple[int, ...] = NTU60_XSUB_TRAIN + (
    45,
    46,
    47,
    49,
    50,
    52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    70,
    74,
    78,
    80,
    81,
    82,
    83,
    84,
    85,
    86,
    89,
    91,
    92,
    93,
    94,
    95,
    97,
    98,
    100,
    103,
)

NAME_RE = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


@dataclass(frozen=True)
class NtuName:
    setup: int
    camera: int
    performer: int
    replication: int
    action: int


def parse_ntu_name(name: str, where: str | Path | None = None) -> NtuName:
    """Split `S001C002P003R002A013` into its numbers (1-based, as in the name)."""
    match = NAME_RE.fullmatch(name)
    if not match:
        raise PipelineError(f"{where or name}: name {name!r} does not follow NTU's SsssCcccPpppRrrrAaaa pattern")
    s, c, p, r, a = (int(g) for g in match.groups())
    if a == 0 or p == 0:
        raise PipelineError(f"{where or name}: action and performer numbers start at 1 (got {name!r})")
    return NtuName(setup=s, camera=c, performer=p, replication=r, action=a)


class _Lines:
    """Line cursor over one file, so every structural error can name the line it found."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.rstrip().split("\n")
        self.end = len(self.lines)
        self.pos = 0

    def fail(self, problem: str, line: int | None = None) -> PipelineError:
        return PipelineError(f"{self.path} line {(self.pos if line is None else line) + 1}: {problem}")

    def count(self, what: str, frame: int, n_frames: int) -> int:
        if self.pos >= self.end:
            raise PipelineError(
                f"{self.path}: truncated: the file ends in frame {frame + 1} of {n_frames} "
                f"(expected a {what} at line {self.pos + 1})"
            )
        text = self.lines[self.pos].strip()
        try:
            value = int(text)
        except ValueError:
            raise self.fail(f"expected a {what} (an integer), found {text[:40]!r}") from None
        if value < 0:
            raise self.fail(f"negative {what} {value}")
        self.pos += 1
        return value


def _parse(path: Path, text: str) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """The x y z of every body block (B, 25, 3), each block's frame, its body id, and the frame count."""
    cur = _Lines(path, text)
    if not text.strip():
        raise PipelineError(f"{path}: empty file")
    n_frames = cur.count("frame count", 0, 1)
    starts: list[int] = []
    frames: list[int] = []
    ids: list[str] = []
    for frame in range(n_frames):
        n_bodies = cur.count("body count", frame, n_frames)
        for _ in range(n_bodies):
            if cur.pos >= cur.end:
                raise PipelineError(f"{path}: truncated: the file ends in frame {frame + 1} of {n_frames}")
            fields = cur.lines[cur.pos].split()
            if len(fields) != BODY_FIELDS:
                raise cur.fail(f"expected a body line of {BODY_FIELDS} fields, found {len(fields)}")
            cur.pos += 1
            n_joints = cur.count("joint count", frame, n_frames)
            if n_joints != NUM_JOINTS:
                raise cur.fail(f"joint count {n_joints}, expected {NUM_JOINTS}", cur.pos - 1)
            if cur.pos + NUM_JOINTS > cur.end:
                raise PipelineError(
                    f"{path}: truncated: the file ends inside the joints of frame {frame + 1} of {n_frames}"
                )
            starts.append(cur.pos)
            frames.append(frame)
            ids.append(fields[0])
            cur.pos += NUM_JOINTS
    if cur.pos < cur.end:
        raise cur.fail(f"unexpected content after the last of {n_frames} frames")
    xyz = _joint_numbers(cur, starts)
    return xyz, np.asarray(frames, dtype=np.int64), ids, n_frames


def _joint_numbers(cur: _Lines, starts: list[int]) -> np.ndarray:
    """x y z of every joint line, converted in one numpy call (the other 9 fields are never parsed)."""
    index = [i for s in starts for i in range(s, s + NUM_JOINTS)]
    rows = [cur.lines[i].split() for i in index]
    if rows and not min(map(len, rows)) == max(map(len, rows)) == JOINT_FIELDS:
        k = next(k for k, r in enumerate(rows) if len(r) != JOINT_FIELDS)
        raise cur.fail(f"expected a joint line of {JOINT_FIELDS} numbers, found {len(rows[k])}", index[k])
    try:
        xyz = np.array([v for r in rows for v in r[:3]], dtype=np.float64).reshape(len(starts), NUM_JOINTS, 3)
    except ValueError:
        for k, r in enumerate(rows):
            try:
                [float(v) for v in r[:3]]
            except ValueError:
                raise cur.fail(f"bad number in joint line: {' '.join(r)[:60]!r}", index[k]) from None
        raise
    if not np.isfinite(xyz).all():
        k = int(np.flatnonzero(~np.isfinite(xyz).reshape(-1, 3).all(axis=1))[0])
        raise cur.fail("non-finite joint coordinate", index[k])
    return xyz


def _keep_active_bodies(xyz: np.ndarray, frames: np.ndarray, ids: list[str], n_frames: int) -> np.ndarray:
    """(T, 2, 25, 3): the two bodies with the most motion, zeros where a body is absent."""
    unique = list(dict.fromkeys(ids))
    id_arr = np.asarray(ids)
    energy = [float(xyz[id_arr == body].var(axis=0).sum()) for body in unique]
    order = sorted(range(len(unique)), key=lambda k: -energy[k])[:MAX_BODIES]
    data = np.zeros((n_frames, MAX_BODIES, NUM_JOINTS, 3), dtype=np.float32)
    for slot, k in enumerate(order):
        blocks = np.flatnonzero(id_arr == unique[k])
        data[frames[blocks], slot] = xyz[blocks]
    present = np.zeros(n_frames, dtype=bool)
    for k in order:
        present[frames[id_arr == unique[k]]] = True
    return data[present]


def read_ntu_skeleton(path: str | Path) -> Clip:
    """One `.skeleton` file as a Clip of shape (T, 2, 25, 3)."""
    path = Path(path)
    name = parse_ntu_name(path.stem, path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    xyz, frames, ids, n_frames = _parse(path, text)
    if not ids:
        raise PipelineError(
            f"{path}: no body in any of its {n_frames} frames; NTU lists such samples in "
            "samples_with_missing_skeletons.txt (set skeleton.prepare.missing_list to skip them)"
        )
    data = _keep_active_bodies(xyz, frames, ids, n_frames)
    return Clip(
        sample_id=path.stem,
        data=data,
        label=name.action - 1,
        subject=name.performer,
        view=name.camera,
        setup=name.setup,
    )


def read_missing_list(path: str | Path) -> set[str]:
    """Sample names in NTU's list of samples without skeletons (one per line; other lines ignored)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read the missing-skeleton list: {exc}") from None
    names = {m.group(0) for m in NAME_RE.finditer(text)}
    if not names:
        raise PipelineError(f"{path}: no NTU sample names (SsssCcccPpppRrrrAaaa) in the missing-skeleton list")
    return names


def read_ntu_folder(
    folder: str | Path, missing_list: str | Path | None = None, workers: int = 0, max_action: int | None = None
) -> list[Clip]:
    """Every `.skeleton` file under `folder` (sorted by name), skipping listed missing samples and, for
    NTU-60 out of an NTU-120 folder, actions above `max_action`. Parsed on `workers` processes (0 = all)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PipelineError(f"{folder}: not a folder of NTU .skeleton files")
    paths = sorted(folder.rglob("*.skeleton"), key=lambda p: p.name)
    if not paths:
        raise PipelineError(f"{folder}: no .skeleton files found")
    missing = read_missing_list(missing_list) if missing_list else set()
    listed = [p for p in paths if p.stem not in missing]
    keep = [p for p in listed if max_action is None or parse_ntu_name(p.stem, p).action <= max_action]
    if not keep:
        raise PipelineError(
            f"{folder}: all {len(paths)} .skeleton files were skipped (missing list or action filter)"
        )
    if len(keep) < len(listed):
        warn(
            f"{folder}: {len(listed) - len(keep)} .skeleton file(s) of actions above {max_action} skipped "
            f"(NTU-120 samples; use --dataset ntu120 to read them)"
        )
    return parallel_map(read_ntu_skeleton, keep, workers, "reading NTU skeletons")

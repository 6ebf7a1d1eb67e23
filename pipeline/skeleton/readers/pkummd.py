"""PKU-MMD (phase 1, 51 classes, Kinect v2, 25 joints): long videos cut into their labelled actions.

A skeleton file `<video>.txt` holds one frame per line: 150 numbers = 2 bodies x 25 joints x (x y z); a
missing second body is zeros (kept as zeros, as for NTU). A label file of the same name holds lines
`label,start,end,confidence` with 1-based labels; `start`/`end` are taken as 0-based frame rows and
inclusive, and an `end` past the last frame is clipped to it. Each labelled segment becomes one clip
`<video>_<k>` (k = 0-based row in the label file), with `label - 1` as its class.

Video names `0002-L` give the group and the view: the number (2) becomes `subject` and L/M/R become
views 1/2/3. The number identifies one recording session (its three cameras share it), which is what
PKU-MMD's cross-subject list splits on, so the three views of a session always fall on the same side.
A name in another style gets the 1-based position of the video in name order as its group, view 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.readers.parallel import parallel_map

NUM_JOINTS = 25
BODIES = 2
FRAME_VALUES = BODIES * NUM_JOINTS * 3
NUM_CLASSES = 51
VIEWS = {"L": 1, "M": 2, "R": 3}
VIDEO_RE = re.compile(r"(\d+)-([LMR])")


@dataclass(frozen=True)
class _Video:
    name: str
    skeleton: Path
    labels: Path
    subject: int
    view: int
    num_classes: int


def parse_video_name(name: str) -> tuple[int, int] | None:
    """(subject group, view) of a `0002-L`-style name, or None for another style."""
    match = VIDEO_RE.fullmatch(name)
    return (int(match.group(1)), VIEWS[match.group(2)]) if match else None


def read_frames(path: Path) -> np.ndarray:
    """(T, 2, 25, 3) float32 frames of one skeleton file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").rstrip()
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    if not text:
        raise PipelineError(f"{path}: empty skeleton file")
    lines = text.split("\n")
    rows = [line.split() for line in lines]
    bad = next((i for i, r in enumerate(rows) if len(r) != FRAME_VALUES), None)
    if bad is not None:
        raise PipelineError(
            f"{path} line {bad + 1}: expected {FRAME_VALUES} numbers (2 bodies x 25 joints x 3), "
            f"found {len(rows[bad])}"
        )
    try:
        values = np.array(rows, dtype=np.float32)
    except ValueError:
        for i, r in enumerate(rows):
            try:
                [float(v) for v in r]
            except ValueError:
                raise PipelineError(f"{path} line {i + 1}: bad number in {lines[i].strip()[:60]!r}") from None
        raise
    frames = values.reshape(len(rows), BODIES, NUM_JOINTS, 3)
    if not np.isfinite(frames).all():
        row = int(np.flatnonzero(~np.isfinite(frames).all(axis=(1, 2, 3)))[0])
        raise PipelineError(f"{path} line {row + 1}: non-finite coordinate")
    return frames


def read_segments(path: Path, num_classes: int = NUM_CLASSES) -> list[tuple[int, int, int]]:
    """(0-based label, start, end) of every line of a label file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        try:
            label, start, end = (int(float(f)) for f in fields[:3])
        except ValueError:
            raise PipelineError(
                f"{path} line {n}: expected 'label,start,end,confidence', got {line.strip()!r}"
            ) from None
        if not 1 <= label <= num_classes:
            raise PipelineError(f"{path} line {n}: label {label} out of range 1..{num_classes}")
        if start < 0 or end < start:
            raise PipelineError(f"{path} line {n}: bad frame range {start}..{end}")
        out.append((label - 1, start, end))
    if not out:
        raise PipelineError(f"{path}: no labelled segments")
    return out


def _read_video(video: _Video) -> list[Clip]:
    segments = read_segments(video.labels, video.num_classes)
    frames = read_frames(video.skeleton)
    clips = []
    for k, (label, start, end) in enumerate(segments):
        if start >= len(frames):
            raise PipelineError(
                f"{video.labels} segment {k + 1}: starts at frame {start} but "
                f"{video.skeleton} has {len(frames)} frames"
            )
        clips.append(
            Clip(
                sample_id=f"{video.name}_{k:03d}",
                data=frames[start : end + 1].copy(),
                label=label,
                subject=video.subject,
                view=video.view,
            )
        )
    return clips


def read_pkummd(
    skeleton_dir: str | Path, label_dir: str | Path, workers: int = 0, num_classes: int = NUM_CLASSES
) -> list[Clip]:
    """Every labelled segment of every video that has a label file, videos in name order."""
    skeleton_dir, label_dir = Path(skeleton_dir), Path(label_dir)
    for folder in (skeleton_dir, label_dir):
        if not folder.is_dir():
            raise PipelineError(f"{folder}: missing; PKU-MMD needs a skeleton/ and a label/ folder of <video>.txt")
    label_files = sorted(label_dir.glob("*.txt"))
    if not label_files:
        raise PipelineError(f"{label_dir}: no label files (<video>.txt)")
    videos = []
    for position, labels in enumerate(label_files, start=1):
        skeleton = skeleton_dir / labels.name
        if not skeleton.is_file():
            raise PipelineError(f"{skeleton}: missing; {labels} labels a video without a skeleton file")
        subject, view = parse_video_name(labels.stem) or (position, 0)
        videos.append(_Video(labels.stem, skeleton, labels, subject, view, num_classes))
    per_video = parallel_map(_read_video, videos, workers, "reading PKU-MMD videos")
    return [clip for clips in per_video for clip in clips]


def read_cross_subject(path: str | Path) -> tuple[int, ...]:
    """Training groups of PKU-MMD's `cross-subject.txt`: the video names listed before its validation list."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    parts = re.split(r"(?im)^\s*valid", text, maxsplit=1)
    if len(parts) < 2:
        raise PipelineError(f"{path}: expected a 'Training videos:' list followed by a 'Validation videos:' list")
    groups = sorted({int(m.group(1)) for m in VIDEO_RE.finditer(parts[0])})
    if not groups:
        raise PipelineError(f"{path}: no training videos (names like 0002-L) before the validation list")
    return tuple(groups)

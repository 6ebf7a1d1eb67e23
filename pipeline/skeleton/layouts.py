"""Skeleton layouts: joint names, bones and the centre joint. The GCN's graph is built from a layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class Layout:
    """A skeleton layout; `edges` are 0-based joint pairs, `shoulders`/`hips` fix the canonical view."""

    name: str
    joints: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    center: int
    shoulders: tuple[int, int] | None = None
    hips: tuple[int, int] | None = None

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "joints": list(self.joints),
            "edges": [list(e) for e in self.edges],
            "center": self.center,
            "shoulders": list(self.shoulders) if self.shoulders else None,
            "hips": list(self.hips) if self.hips else None,
        }


NTU25 = Layout(
    name="ntu25",
    joints=(
        "spine_base",
        "spine_mid",
        "neck",
        "head",
        "left_shoulder",
        "left_elbow",
        "left_wrist",
        "left_hand",
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "left_hip",
        "left_knee",
        "left_ankle",
        "left_foot",
        "right_hip",
        "right_knee",
        "right_ankle",
        "right_foot",
        "spine_shoulder",
        "left_hand_tip",
        "left_thumb",
        "right_hand_tip",
        "right_thumb",
    ),
    edges=(
        (0, 1),
        (1, 20),
        (20, 2),
        (2, 3),
        (20, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 21),
        (7, 22),
        (20, 8),
        (8, 9),
        (9, 10),
        (10, 11),
        (11, 23),
        (11, 24),
        (0, 12),
        (12, 13),
        (13, 14),
        (14, 15),
        (0, 16),
        (16, 17),
        (17, 18),
        (18, 19),
    ),
    center=1,
    shoulders=(4, 8),
    hips=(12, 16),
)

MSR20 = Layout(
    name="msr20",
    joints=(
        "left_shoulder",
        "right_shoulder",
        "neck",
        "spine",
        "left_hip",
        "right_hip",
        "hip_center",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
        "left_hand",
        "right_hand",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
        "left_foot",
        "right_foot",
        "head",
    ),
    edges=(
        (2, 0),
        (2, 1),
        (2, 3),
        (3, 6),
        (6, 4),
        (6, 5),
        (0, 7),
        (7, 9),
        (9, 11),
        (1, 8),
        (8, 10),
        (10, 12),
        (4, 13),
        (13, 15),
        (15, 17),
        (5, 14),
        (14, 16),
        (16, 18),
        (2, 19),
    ),
    center=3,
    shoulders=(0, 1),
    hips=(4, 5),
)

BUILTIN_LAYOUTS = {layout.name: layout for layout in (NTU25, MSR20)}


def get_layout(spec: str | dict[str, Any], where: str = "layout") -> Layout:
    """A built-in layout by name, or a custom one from a `[layout]` table of a dataset.toml."""
    if isinstance(spec, str):
        if spec not in BUILTIN_LAYOUTS:
            raise PipelineError(
                f"{where}: unknown layout {spec!r}; built-in: {', '.join(BUILTIN_LAYOUTS)}, "
                "or give a [layout] table with joints, edges and center"
            )
        return BUILTIN_LAYOUTS[spec]
    try:
        joints = tuple(str(j) for j in spec["joints"])
        edges = tuple((int(a), int(b)) for a, b in spec["edges"])
        center = int(spec["center"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PipelineError(
            f"{where}: a [layout] table needs joints (names), edges (pairs of 0-based "
            f"indices) and center (an index): {exc}"
        ) from None
    bad = [e for e in edges if not (0 <= e[0] < len(joints) and 0 <= e[1] < len(joints))]
    if bad or not 0 <= center < len(joints):
        raise PipelineError(f"{where}: edge or center index out of range 0..{len(joints) - 1}: {bad or center}")

    def pair(name: str) -> tuple[int, int] | None:
        value = spec.get(name)
        if not value:
            return None
        try:
            a, b = (int(v) for v in value)
        except (TypeError, ValueError):
            raise PipelineError(
                f"{where}: {name} must be a pair of 0-based joint indices, got {value!r}"
            ) from None
        if not (0 <= a < len(joints) and 0 <= b < len(joints)):
            raise PipelineError(f"{where}: {name} {[a, b]} out of range 0..{len(joints) - 1}")
        return a, b

    return Layout(
        name=str(spec.get("name", "custom")),
        joints=joints,
        edges=edges,
        center=center,
        shoulders=pair("shoulders"),
        hips=pair("hips"),
    )

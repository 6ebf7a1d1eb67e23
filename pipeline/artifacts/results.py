"""The results of `zssar train`: one JSON per trained seed, an .npz of latents beside it.

Files: `<results>/<dataset>/<split slug>/<method>/<preset>_<config hash>_seed<seed>.json`; the record
holds the headline figures (`zsl_top1`, `gzsl`), the selection, per-cycle figures, per-class accuracies,
the resolved config and `results_version`. Written here (`write_result`) and read back tolerantly here
(`load_runs`): one bad file costs a warning, never the whole report.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import console
from pipeline.store.atomic import atomic_path, write_json

RESULTS_VERSION = 1
REPORT_CONFIG = "report.config.json"

_FILE_NAME = re.compile(r"^(?P<preset>.+)_(?P<hash>[0-9a-f]{8})_seed(?P<seed>-?\d+)$")
LATENTS_SUFFIX = ".latents.npz"
EVALUATIONS_DIR = "evaluations"  # zssar evaluate's tables (pipeline/stages/evaluate.py), not run results

# Where each reported metric lives in a run record.
METRIC_PATHS: dict[str, tuple[str, ...]] = {
    "zsl_top1": ("zsl_top1",),
    "gzsl_seen": ("gzsl", "seen"),
    "gzsl_unseen": ("gzsl", "unseen"),
    "gzsl_h": ("gzsl", "h"),
    "test_zsl_top1": ("test_selected", "zsl_top1"),
    "test_gzsl_h": ("test_selected", "gzsl_h"),
    "cycle_avg_zsl_top1": ("cycle_average", "zsl_top1"),
}


def results_dir(root: str | Path, dataset: str, split_slug: str, method: str) -> Path:
    return Path(root) / dataset / split_slug / method


def result_stem(preset: str, config_hash: str, seed: int) -> str:
    """`<preset>_<config hash (8 hex)>_seed<seed>`: the name of a seed's files without their suffix."""
    return f"{preset}_{config_hash}_seed{seed}"


def latents_name(stem: str) -> str:
    return stem + LATENTS_SUFFIX


def write_latents(out_dir: Path, stem: str, latents: dict[str, np.ndarray]) -> None:
    with atomic_path(out_dir / latents_name(stem)) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **latents)


def write_result(out_dir: Path, stem: str, record: dict[str, Any]) -> Path:
    """The record, atomically; it must carry `results_version` = RESULTS_VERSION."""
    path = out_dir / f"{stem}.json"
    write_json(path, record)
    return path


def read_result(out_dir: Path, stem: str) -> dict[str, Any] | None:
    """A seed's record when its file exists and holds a valid result, else None (train it again)."""
    path = out_dir / f"{stem}.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        parse_run(path, record)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return record


@dataclass(frozen=True)
class Run:
    """One trained seed: the parsed record plus the fields the report groups and names files by."""

    path: Path
    record: dict[str, Any]
    dataset: str
    split: str
    split_info: dict[str, Any] | None
    method: str
    preset: str
    seed: int
    synthetic: bool
    config_hash: str

    @property
    def created(self) -> str:
        return str(self.record.get("created") or "")

    @property
    def selection_rule(self) -> str:
        selection = self.record.get("selection")
        return str(selection.get("rule", "")) if isinstance(selection, dict) else ""

    @property
    def protocol(self) -> str:
        return str(self.record.get("protocol") or "")

    def metric(self, name: str) -> float | None:
        """A percent figure, or None where the run has none (e.g. GZSL without a validation carve)."""
        value: Any = self.record
        for key in METRIC_PATHS[name]:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        return float(value)

    def section(self, name: str) -> dict[str, Any]:
        value = self.record.get(name)
        return value if isinstance(value, dict) else {}

    def latents_path(self) -> Path | None:
        rel = self.record.get("latents")
        return self.path.parent / rel if isinstance(rel, str) and rel else None


def parse_run(path: Path, record: Any) -> Run:
    """Check one record against the results contract; ValueError says what is wrong."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    version = record.get("results_version")
    if version != RESULTS_VERSION:
        raise ValueError(f"results_version is {version!r}, expected {RESULTS_VERSION}")
    missing = [k for k in ("dataset", "split", "method", "preset", "seed") if record.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    split = record["split"]
    split_info = split if isinstance(split, dict) else None
    split_name = split_info.get("name") if split_info is not None else split
    if not isinstance(split_name, str) or not split_name:
        raise ValueError("split has no name")
    try:
        seed = int(record["seed"])
    except (TypeError, ValueError):
        raise ValueError(f"seed {record['seed']!r} is not an integer") from None
    dataset = str(record["dataset"])
    match = _FILE_NAME.match(path.stem)
    return Run(
        path=path,
        record=record,
        dataset=dataset,
        split=split_name,
        split_info=split_info,
        method=str(record["method"]),
        preset=str(record["preset"]),
        seed=seed,
        synthetic=bool(record.get("synthetic")) or dataset.startswith("synthetic"),
        config_hash=match["hash"] if match else "",
    )


def _candidates(root: Path) -> list[Path]:
    """Every JSON under root except hidden temp files (atomic writes in flight) and the report's own."""
    return [
        p
        for p in sorted(root.rglob("*.json"))
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.relative_to(root).parts[0] != EVALUATIONS_DIR
        and p != root / REPORT_CONFIG
    ]


def load_runs(root: Path) -> list[Run]:
    """All valid run records under root; each file skipped is named in a warning with the reason."""
    runs = []
    for path in _candidates(root):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            runs.append(parse_run(path, record))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            console.warn(f"{path}: skipped, not readable JSON ({exc})")
        except ValueError as exc:
            console.warn(f"{path}: skipped, not a run result ({exc})")
    return runs

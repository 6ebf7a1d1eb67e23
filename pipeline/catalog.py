"""Class lists and seen/unseen splits.

Built-in datasets share NTU's class indices (synthetic60/120 mirror ntu60/120), so the SynSE splits apply
to them unchanged. A user's dataset is a folder with a `classes.csv`; its splits are random or explicit.
"""

from __future__ import annotations

import csv
import functools
import json
import random
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pipeline.errors import PipelineError

BUILTIN_CLASS_COUNTS = {"ntu60": 60, "ntu120": 120, "pkummd51": 51, "synthetic60": 60, "synthetic120": 120}
SYNSE_SPLITS = {"55_5": "ntu60", "48_12": "ntu60", "110_10": "ntu120", "96_24": "ntu120"}


@dataclass(frozen=True)
class Dataset:
    """A dataset the pipeline knows: a built-in name, or a user's folder (`path` set)."""

    name: str
    labels: tuple[str, ...]
    path: Path | None = None
    layout: str = "ntu25"

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    @property
    def synthetic(self) -> bool:
        return self.name.startswith("synthetic")

    @property
    def text_source(self) -> str:
        """Which class texts describe this dataset (synthetic sets reuse NTU's)."""
        if self.path is not None:
            return self.name
        return {"synthetic60": "ntu60", "synthetic120": "ntu120"}.get(self.name, self.name)


@dataclass(frozen=True)
class Split:
    """Seen/unseen classes plus the validation carve (pseudo-seen/pseudo-unseen among the seen classes)."""

    name: str
    unseen: tuple[int, ...]
    seen: tuple[int, ...]
    val_unseen: tuple[int, ...]
    val_seen: tuple[int, ...]
    note: str = field(default="", compare=False)

    @property
    def slug(self) -> str:
        """A name safe for folders: `random:5:0` -> `random-5-0`."""
        return self.name.replace(":", "-").replace(",", "_")

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unseen": list(self.unseen),
            "seen": list(self.seen),
            "val_unseen": list(self.val_unseen),
            "val_seen": list(self.val_seen),
        }


def _data_file(name: str) -> str:
    return resources.files("pipeline.data").joinpath(name).read_text(encoding="utf-8")


def _read_class_csv(text: str, where: str) -> tuple[str, ...]:
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "idx" not in rows[0] or "label" not in rows[0]:
        raise PipelineError(f"{where}: expected a header 'idx,label'")
    labels: dict[int, str] = {}
    for line, row in enumerate(rows, start=2):
        try:
            idx = int(row["idx"])
        except (TypeError, ValueError):
            raise PipelineError(f"{where} line {line}: idx {row['idx']!r} is not an integer") from None
        label = (row["label"] or "").strip()
        if not label:
            raise PipelineError(f"{where} line {line}: empty label")
        if idx in labels:
            raise PipelineError(f"{where} line {line}: duplicate idx {idx}")
        twin = next((i for i, other in labels.items() if other.lower() == label.lower()), None)
        if twin is not None:
            raise PipelineError(
                f"{where} line {line}: label {label!r} is also class {twin}; each class needs its own label"
            )
        labels[idx] = label
    if sorted(labels) != list(range(len(labels))):
        raise PipelineError(f"{where}: idx must run 0..{len(labels) - 1} without gaps")
    return tuple(labels[i] for i in range(len(labels)))


@functools.cache
def _builtin_labels(name: str) -> tuple[str, ...]:
    if name == "pkummd51":
        return _read_class_csv(_data_file("pkummd51_classes.csv"), "pkummd51_classes.csv")
    labels = _read_class_csv(_data_file("ntu120_classes.csv"), "ntu120_classes.csv")
    return labels[: BUILTIN_CLASS_COUNTS[name]]


def read_folder_dataset(path: Path) -> Dataset:
    """A user's dataset folder: `dataset.toml` (name, layout) and `classes.csv` (idx,label)."""
    from pipeline.textfiles import read_text, read_toml

    classes = path / "classes.csv"
    if not classes.is_file():
        raise PipelineError(f"{classes}: missing; a dataset folder needs classes.csv with 'idx,label'")
    name, layout = path.name, "ntu25"
    toml_file = path / "dataset.toml"
    if toml_file.is_file():
        meta = read_toml(toml_file)
        name = str(meta.get("name", name))
        layout = meta["layout"] if isinstance(meta.get("layout"), str) else "custom"
    return Dataset(
        name=name, labels=_read_class_csv(read_text(classes), str(classes)), path=path.resolve(), layout=layout
    )


def get_dataset(name_or_path: str) -> Dataset:
    """Resolve a dataset name or folder, with an error listing the valid names."""
    if name_or_path in BUILTIN_CLASS_COUNTS:
        return Dataset(name=name_or_path, labels=_builtin_labels(name_or_path))
    path = Path(name_or_path)
    if path.is_dir():
        return read_folder_dataset(path)
    valid = ", ".join(BUILTIN_CLASS_COUNTS)
    raise PipelineError(f"unknown dataset {name_or_path!r}: valid names are {valid}, or a dataset folder path")


@functools.cache
def synse_splits() -> dict[str, dict[str, dict[str, list[int]]]]:
    data = json.loads(_data_file("synse_splits.json"))
    data.pop("_about", None)
    return data


def _carve(seen: list[int], n_val: int, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(f"val:{seed}")
    val_unseen = sorted(rng.sample(seen, n_val))
    return val_unseen, [c for c in seen if c not in set(val_unseen)]


def _draw(family: str, n: int, k: int, seed: int) -> list[int]:
    """The unseen classes of a seeded split. `numpy` is the convention of other zero-shot tools
    (`numpy.random.default_rng(seed).choice(n, k, replace=False)`), so their splits can be run here."""
    if family == "numpy":
        import numpy as np

        return [int(c) for c in np.random.default_rng(seed).choice(n, k, replace=False)]
    return random.Random(f"split:{seed}").sample(range(n), k)


def get_split(dataset: Dataset, spec: str) -> Split:
    """Parse a split name: a SynSE name, `random:<n_unseen>:<seed>`, `numpy:<n_unseen>:<seed>` or
    `unseen:<i>,<j>,...`."""
    n = dataset.num_classes
    if spec in SYNSE_SPLITS:
        family = SYNSE_SPLITS[spec]
        if dataset.path is not None or BUILTIN_CLASS_COUNTS.get(dataset.name) != BUILTIN_CLASS_COUNTS[family]:
            raise PipelineError(
                f"split {spec!r} is a SynSE split of {family} ({BUILTIN_CLASS_COUNTS[family]} "
                f"classes); dataset {dataset.name!r} has {n} classes; use random:<n>:<seed>"
            )
        s = synse_splits()[family][spec]
        unseen = sorted(s["unseen"])
        seen = [c for c in range(n) if c not in set(unseen)]
        return Split(
            spec,
            tuple(unseen),
            tuple(seen),
            tuple(sorted(s["val_unseen"])),
            tuple(sorted(s["val_seen"])),
            note="SynSE split, validation carve as released",
        )
    if spec.startswith(("random:", "numpy:")):
        family, *parts = spec.split(":")
        try:
            if len(parts) != 2:
                raise ValueError(spec)
            k, seed = int(parts[0]), int(parts[1])
        except ValueError:
            raise PipelineError(
                f"split {spec!r}: expected {family}:<n_unseen>:<seed>, e.g. {family}:5:0"
            ) from None
        if not 0 < k < n // 2:
            raise PipelineError(f"split {spec!r}: n_unseen must be between 1 and {n // 2 - 1} for {n} classes")
        unseen = sorted(_draw(family, n, k, seed))
        seen = [c for c in range(n) if c not in set(unseen)]
        val_unseen, val_seen = _carve(seen, k, seed)
        return Split(spec, tuple(unseen), tuple(seen), tuple(val_unseen), tuple(val_seen))
    if spec.startswith("unseen:"):
        try:
            listed = [int(v) for v in spec[len("unseen:") :].split(",") if v.strip()]
        except ValueError:
            raise PipelineError(
                f"split {spec!r}: expected unseen:<i>,<j>,... with 0-based class indices"
            ) from None
        unseen = sorted(set(listed))
        if len(unseen) < len(listed):
            raise PipelineError(f"split {spec!r}: a class is listed twice")
        bad = [c for c in unseen if not 0 <= c < n]
        if bad or not unseen:
            raise PipelineError(f"split {spec!r}: class indices must be in 0..{n - 1} (got {bad or 'none'})")
        seen = [c for c in range(n) if c not in set(unseen)]
        if len(seen) < 2 * len(unseen):
            raise PipelineError(f"split {spec!r}: too many unseen classes to carve a validation split")
        val_unseen, val_seen = _carve(seen, len(unseen), 0)
        return Split(spec, tuple(unseen), tuple(seen), tuple(val_unseen), tuple(val_seen))
    valid = ", ".join(SYNSE_SPLITS)
    raise PipelineError(
        f"unknown split {spec!r}: valid are {valid}, random:<n_unseen>:<seed>, numpy:<n_unseen>:<seed>, "
        f"unseen:<i>,<j>,..."
    )

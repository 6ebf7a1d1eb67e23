"""Import a released SynSE / MSF / SA-DVAE feature dump as the skeleton features of a split.

A dump folder holds pooled backbone features and labels per set, optionally the backbone's logits:

| file(s)                                | part          |
|----------------------------------------|---------------|
| `train.npy`, `train_label.npy`         | `train`       |
| `ztest.npy`, `z_label.npy`             | `test_unseen` |
| `gtest.npy`, `g_label.npy` (seen rows) | `test_seen`   |
| `<stem>_out.npy` (e.g. `gtest_out.npy`)| that set's logits |

`gtest` is the GZSL test set (seen and unseen samples mixed); its rows of seen classes are the seen test
set, its unseen rows repeat `ztest` and are dropped (they stand in for `ztest` only when the folder has
none). A folder without `gtest` may give the seen test set as `val.npy` / `val_label.npy`, SynSE's name
for it in its validation folders. A `val/` subfolder with the same files is the validation carve (a
backbone trained on the pseudo-seen classes only): its train -> `val_train`, its unseen test ->
`val_test_unseen`, its seen test -> `val_test_seen`, with the split's `val_seen`/`val_unseen` classes.

Labels: the released dumps store dataset class indices (0-based). A label file whose labels all belong
to the classes expected for its set is read that way; otherwise, if they all lie in 0..n-1 for the n
classes of that set, they are read as positions in the sorted class list (`sorted(split.seen)[label]`),
which is how some re-exports number them. Anything else is an error. The choice per file is recorded in
the artifact's info (`label_mapping`). Logits with one column per dataset class are cut to the seen
classes; logits with one column per seen class are taken to be in sorted seen-class order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifacts.feature_sets import Part, write_part
from pipeline.artifacts.kinds import SKELETON_FEATURES as KIND
from pipeline.artifacts.kinds import feature_ref
from pipeline.catalog import Dataset, Split
from pipeline.config import Config
from pipeline.console import summary
from pipeline.errors import PipelineError
from pipeline.skeleton.readers.arrays import load_numeric_npy
from pipeline.store import Store, file_sha256, hash_spec


@dataclass(frozen=True)
class _Classes:
    """The classes one dump folder is about: the split itself, or its validation carve."""

    seen: tuple[int, ...]
    unseen: tuple[int, ...]
    n_dataset: int

    @property
    def all(self) -> tuple[int, ...]:
        return tuple(sorted(self.seen + self.unseen))


class _Folder:
    """Reads the .npy files of one dump folder, remembering which files (and label readings) it used."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.used: dict[str, Path] = {}
        self.mapping: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def load(self, name: str) -> np.ndarray:
        path = self.folder / name
        array = load_numeric_npy(path)
        self.used[self.prefix + name] = path
        return array

    def features(self, name: str) -> np.ndarray:
        x = self.load(name)
        if x.ndim != 2 or len(x) == 0:
            raise PipelineError(
                f"{self.folder / name}: expected features of shape (N, D) with N > 0, got {x.shape}"
            )
        if not np.isfinite(x).all():
            raise PipelineError(f"{self.folder / name}: non-finite feature values")
        return x.astype(np.float32)

    def labels(self, name: str, n: int, classes: tuple[int, ...]) -> np.ndarray:
        path = self.folder / name
        y = self.load(name)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != n:
            raise PipelineError(f"{path}: expected {n} labels (one per feature row), got shape {y.shape}")
        if not (np.isfinite(y).all() and (y == np.round(y)).all()):
            raise PipelineError(f"{path}: labels must be integers")
        y = y.astype(np.int64)
        present = set(np.unique(y).tolist())
        if present <= set(classes):
            self.mapping[self.prefix + name] = "dataset"
            return y
        if present <= set(range(len(classes))):
            self.mapping[self.prefix + name] = "relative"
            return np.asarray(sorted(classes), dtype=np.int64)[y]
        bad = sorted(present - set(classes))[:8]
        raise PipelineError(
            f"{path}: labels {bad} are neither dataset indices of the expected classes "
            f"{list(classes)[:12]}{' ...' if len(classes) > 12 else ''} nor positions "
            f"0..{len(classes) - 1} in that list"
        )

    def logits(self, stem: str, n: int, cls: _Classes) -> np.ndarray | None:
        name = f"{stem}_out.npy"
        if not self.has(name):
            return None
        z = self.load(name)
        path = self.folder / name
        if z.ndim != 2 or len(z) != n:
            raise PipelineError(
                f"{path}: expected logits of shape ({n}, classes) matching {stem}.npy, got {z.shape}"
            )
        if not np.isfinite(z).all():
            raise PipelineError(f"{path}: non-finite logits")
        if z.shape[1] == cls.n_dataset:
            return z[:, list(cls.seen)].astype(np.float32)
        if z.shape[1] == len(cls.seen):
            return z.astype(np.float32)
        raise PipelineError(
            f"{path}: {z.shape[1]} logit columns; expected {cls.n_dataset} (every class) or "
            f"{len(cls.seen)} (the seen classes)"
        )

    def set(
        self,
        stem: str,
        label_name: str,
        classes: tuple[int, ...],
        cls: _Classes,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """Features, dataset-index labels, optional seen-class logits and sample ids of one set."""
        x = self.features(f"{stem}.npy")
        y = self.labels(label_name, len(x), classes)
        ids = np.asarray([f"{self.prefix}{stem}_{i:06d}" for i in range(len(x))])
        return x, y, self.logits(stem, len(x), cls), ids


def _part(
    x: np.ndarray, y: np.ndarray, z: np.ndarray | None, ids: np.ndarray, rows: np.ndarray, seen: tuple[int, ...]
) -> Part:
    return Part(
        sample_id=ids[rows],
        class_idx=y[rows],
        feature=x[rows],
        logits=None if z is None else z[rows],
        seen_classes=seen,
    )


def _read_folder(reader: _Folder, cls: _Classes, names: tuple[str, str, str]) -> dict[str, Part]:
    """The train / seen-test / unseen-test parts of one folder, under the given part names."""
    folder = reader.folder
    if not reader.has("train.npy"):
        raise PipelineError(
            f"{folder}: no train.npy; a dump folder holds train.npy, train_label.npy, ztest.npy, "
            "z_label.npy, gtest.npy, g_label.npy (see `zssar skeleton import-dump --help`)"
        )
    x, y, z, ids = reader.set("train", "train_label.npy", cls.seen, cls)
    parts = {names[0]: _part(x, y, z, ids, np.arange(len(y)), cls.seen)}
    gtest = reader.set("gtest", "g_label.npy", cls.all, cls) if reader.has("gtest.npy") else None
    if gtest is not None:
        seen_rows = np.flatnonzero(np.isin(gtest[1], cls.seen))
        if not len(seen_rows):
            raise PipelineError(f"{folder / 'g_label.npy'}: no sample of a seen class in the GZSL test set")
        parts[names[1]] = _part(*gtest, seen_rows, cls.seen)
    elif reader.has("val.npy"):
        x, y, z, ids = reader.set("val", "val_label.npy", cls.seen, cls)
        parts[names[1]] = _part(x, y, z, ids, np.arange(len(y)), cls.seen)
    else:
        raise PipelineError(
            f"{folder}: no seen-class test set: expected gtest.npy + g_label.npy (or val.npy + val_label.npy)"
        )
    if reader.has("ztest.npy"):
        x, y, z, ids = reader.set("ztest", "z_label.npy", cls.unseen, cls)
        parts[names[2]] = _part(x, y, z, ids, np.arange(len(y)), cls.seen)
    elif gtest is not None and np.isin(gtest[1], cls.unseen).any():
        parts[names[2]] = _part(*gtest, np.flatnonzero(np.isin(gtest[1], cls.unseen)), cls.seen)
    else:
        raise PipelineError(f"{folder}: no unseen-class test set: expected ztest.npy + z_label.npy")
    return parts


def _check_dims(parts: dict[str, Part], folder: Path) -> int:
    dims = {name: p.feature.shape[1] for name, p in parts.items()}
    if len(set(dims.values())) != 1:
        raise PipelineError(f"{folder}: feature sizes differ between parts: {dims}")
    return next(iter(dims.values()))


def import_dump(folder: Path, dataset: Dataset, split: Split, cfg: Config) -> str:
    """Import the dump as a `skeleton-features` artifact, point the split's feature ref at it, return its key."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PipelineError(f"{folder}: not a folder; pass a SynSE/MSF/SA-DVAE split folder of .npy files")
    main = _Folder(folder, "")
    parts = _read_folder(
        main, _Classes(split.seen, split.unseen, dataset.num_classes), ("train", "test_seen", "test_unseen")
    )
    readers = [main]
    if (folder / "val").is_dir():
        val = _Folder(folder / "val", "val/")
        parts |= _read_folder(
            val,
            _Classes(split.val_seen, split.val_unseen, dataset.num_classes),
            ("val_train", "val_test_seen", "val_test_unseen"),
        )
        readers.append(val)
    dim = _check_dims(parts, folder)

    files = {name: file_sha256(path) for r in readers for name, path in sorted(r.used.items())}
    spec = {"origin": "dump", "dataset": dataset.name, "split": split.to_dict(), "files": files}
    key = hash_spec(KIND, spec)
    store = Store(cfg.store)
    counts = ", ".join(f"{name} {len(p)}" for name, p in parts.items())
    if not store.has(KIND, key):
        mapping = {name: m for r in readers for name, m in r.mapping.items()}
        info = {
            "origin": "dump",
            "folder": str(folder.resolve()),
            "dataset": dataset.name,
            "split": split.name,
            "feature_dim": dim,
            "label_mapping": mapping,
            "counts": {n: len(p) for n, p in parts.items()},
            "logits": {n: p.logits is not None for n, p in parts.items()},
            "config": cfg.to_dict(),
        }
        with store.writer(KIND, key, spec, info) as tmp:
            for name, part in parts.items():
                write_part(tmp, name, part, {"origin": "dump"})
        verb = "imported"
    else:
        verb = "already imported"
    store.set_ref(feature_ref(dataset.name, split.slug), KIND, key)
    summary(f"{verb} {folder} -> {KIND} {key} ({dataset.name} {split.name}, {dim}-d: {counts})")
    return key

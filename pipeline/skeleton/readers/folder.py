"""A bring-your-own dataset folder -> `Clip`s and its `Layout`.

```
my_dataset/
  dataset.toml     name = "..."; layout = "ntu25" | "msr20", or a [layout] table (joints, edges, center)
  classes.csv      idx,label          (0-based idx, no gaps)
  samples.csv      sample_id,file,class_idx,subject[,view]
  skeletons/*.npy  float32 (T, J, 3) for one body or (T, M, J, 3); NaN marks a missing joint
  (or, instead of samples.csv and skeletons/, one pyskl annotation *.pkl: see readers/pyskl.py)
  descriptions.jsonl   optional class texts (see `zssar describe`)
```
`file` is a path relative to the folder (`skeletons/a01.npy`); a bare name is also looked up in
`skeletons/`. Without dataset.toml the layout is ntu25.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.catalog import read_folder_dataset
from pipeline.console import track
from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.layouts import Layout, get_layout
from pipeline.skeleton.readers.arrays import check_coordinates, load_numeric_npy
from pipeline.textfiles import read_csv_rows, read_toml

REQUIRED_COLUMNS = ("sample_id", "file", "class_idx", "subject")


def folder_layout(folder: Path) -> Layout:
    """The layout named or described in dataset.toml (ntu25 when there is none)."""
    toml_file = folder / "dataset.toml"
    if not toml_file.is_file():
        return get_layout("ntu25")
    return get_layout(read_toml(toml_file).get("layout", "ntu25"), where=str(toml_file))


def folder_annotations(folder: Path) -> Path | None:
    """The pyskl annotation pickle a folder ships instead of samples.csv (None when it has samples.csv)."""
    if (folder / "samples.csv").is_file():
        return None
    pickles = sorted(p for p in folder.glob("*.pkl") if p.is_file())
    if len(pickles) > 1:
        raise PipelineError(
            f"{folder}: {len(pickles)} .pkl files ({', '.join(p.name for p in pickles)}) and no "
            f"samples.csv; keep one annotation pickle, or list the clips in samples.csv"
        )
    return pickles[0] if pickles else None


def _int(row: dict[str, str], column: str, where: str) -> int:
    value = (row.get(column) or "").strip()
    try:
        return int(value)
    except ValueError:
        raise PipelineError(f"{where}: {column} {value!r} is not an integer") from None


def _resolve(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file() and (folder / "skeletons" / name).is_file():
        return folder / "skeletons" / name
    return path


def _load(path: Path, layout: Layout, where: str) -> np.ndarray:
    if not path.is_file():
        raise PipelineError(f"{where}: file {path} not found")
    data = load_numeric_npy(path, "a numeric array of shape (T, J, 3) or (T, M, J, 3)")
    if data.ndim == 3:
        data = data[:, None]
    if data.ndim != 4 or data.shape[-1] != 3 or data.shape[2] != layout.num_joints:
        raise PipelineError(
            f"{path}: shape {data.shape} does not match layout {layout.name!r}: expected "
            f"(T, {layout.num_joints}, 3) or (T, M, {layout.num_joints}, 3)"
        )
    if data.shape[0] < 1 or data.shape[1] < 1:
        raise PipelineError(f"{path}: no frames (shape {data.shape})")
    check_coordinates(data, path)
    data = data.astype(np.float32)
    if np.isnan(data).all():
        raise PipelineError(f"{path}: every joint is NaN")
    return data


def read_folder_dataset_clips(folder: str | Path) -> tuple[list[Clip], Layout]:
    """All samples listed in samples.csv, checked against classes.csv and the layout."""
    folder = Path(folder)
    dataset = read_folder_dataset(folder)
    layout = folder_layout(folder)
    samples = folder / "samples.csv"
    if not samples.is_file():
        raise PipelineError(
            f"{samples}: missing; a dataset folder needs samples.csv with '{','.join(REQUIRED_COLUMNS)}[,view]'"
        )
    rows = read_csv_rows(samples)
    if not rows:
        raise PipelineError(f"{samples}: no samples")
    absent = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
    if absent:
        raise PipelineError(f"{samples}: missing columns {absent}; expected '{','.join(REQUIRED_COLUMNS)}[,view]'")
    clips, seen = [], set()
    for line, row in enumerate(track(rows, "reading skeletons", total=len(rows)), start=2):
        where = f"{samples} line {line}"
        sample_id = (row["sample_id"] or "").strip()
        if not sample_id:
            raise PipelineError(f"{where}: empty sample_id")
        if sample_id in seen:
            raise PipelineError(f"{where}: duplicate sample_id {sample_id!r}")
        seen.add(sample_id)
        label = _int(row, "class_idx", where)
        if not 0 <= label < dataset.num_classes:
            raise PipelineError(
                f"{where}: class_idx {label} out of range 0..{dataset.num_classes - 1} "
                f"(classes.csv has {dataset.num_classes} classes)"
            )
        view = _int(row, "view", where) if (row.get("view") or "").strip() else 0
        data = _load(_resolve(folder, (row["file"] or "").strip()), layout, where)
        clips.append(
            Clip(sample_id=sample_id, data=data, label=label, subject=_int(row, "subject", where), view=view)
        )
    return clips, layout

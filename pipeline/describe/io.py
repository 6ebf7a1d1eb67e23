"""Reading and validating descriptions files (`descriptions/<dataset>.jsonl` or a dataset folder's own)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.artifacts.text_features import FIELDS
from pipeline.catalog import Dataset
from pipeline.errors import MissingArtifactError, PipelineError


@dataclass(frozen=True)
class Descriptions:
    """Per-class texts of a dataset, in class order, plus the hash that keys everything downstream."""

    records: tuple[dict, ...]
    path: Path
    sha256: str

    def texts(self, field: str) -> list[str]:
        return [r[field] for r in self.records]


def default_path(dataset: Dataset, descriptions_dir: str | Path) -> Path:
    """Where `describe` writes and `embed` reads: the folder's own file, else `<dir>/<text source>.jsonl`."""
    if dataset.path is not None:
        return dataset.path / "descriptions.jsonl"
    return Path(descriptions_dir) / f"{dataset.text_source}.jsonl"


def candidate_paths(dataset: Dataset, descriptions_dir: str | Path) -> list[Path]:
    """ntu60 is covered by ntu120's file (the first 60 classes), so look there too."""
    first = default_path(dataset, descriptions_dir)
    if dataset.text_source == "ntu60":
        return [first, Path(descriptions_dir) / "ntu120.jsonl"]
    return [first]


def parse_records(path: Path) -> list[dict]:
    records = []
    from pipeline.textfiles import read_text

    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{path} line {n}: not valid JSON: {exc}") from None
        if not isinstance(rec, dict):
            raise PipelineError(f"{path} line {n}: expected a JSON object")
        for key in ("idx", *FIELDS):
            if key not in rec:
                raise PipelineError(f"{path} line {n}: missing field {key!r}")
        for key in FIELDS:
            if not isinstance(rec[key], str) or not rec[key].strip():
                raise PipelineError(f"{path} line {n}: field {key!r} must be a non-empty string")
        records.append(rec)
    return records


def load_descriptions(dataset: Dataset, descriptions_dir: str | Path) -> Descriptions:
    """The descriptions of every class of the dataset, checked against its class list."""
    dirs = search_dirs(descriptions_dir) if dataset.path is None else [Path(descriptions_dir)]
    paths = [p for d in dirs for p in candidate_paths(dataset, d)]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise MissingArtifactError(
            f"{paths[0]}: no descriptions for {dataset.name}; run `zssar describe "
            f"--dataset {dataset.path or dataset.name}` (make descriptions)"
        )
    by_idx = {int(r["idx"]): r for r in parse_records(path)}
    missing = [i for i in range(dataset.num_classes) if i not in by_idx]
    if missing:
        raise PipelineError(
            f"{path}: no description for class indices {missing[:10]}"
            f"{' ...' if len(missing) > 10 else ''}; run `zssar describe`"
        )
    records = tuple(by_idx[i] for i in range(dataset.num_classes))
    for i, (rec, label) in enumerate(zip(records, dataset.labels)):
        if rec["label"].strip().lower() != label.strip().lower():
            raise PipelineError(f"{path}: class {i} is {label!r} in the class list but {rec['label']!r} here")
    canon = json.dumps([{k: r[k] for k in ("idx", *FIELDS)} for r in records], sort_keys=True)
    return Descriptions(records=records, path=path, sha256=hashlib.sha256(canon.encode()).hexdigest())


def search_dirs(path: str | Path) -> list[Path]:
    """A relative folder may be meant from the current dir or from the repo (shipped prompts and files)."""
    path = Path(path).expanduser()
    if path.is_absolute():
        return [path]
    import pipeline

    repo = Path(pipeline.__file__).resolve().parent.parent
    first, second = Path.cwd() / path, repo / path
    return [first] if first.resolve() == second.resolve() else [first, second]

"""`zssar evaluate`: the whole pipeline over several splits and seeds, every method side by side.

Seed sensitivity is the field's first complaint, and one small split moves several points per clip, so a
figure worth reporting is a mean over splits and seeds with its spread, split by split. Each split's
features are extracted once (cached), each method trains every seed on them (a seed whose result file
with the same configuration exists is read back, not retrained), and the table goes to the terminal and
to `<results>/evaluations/`, which `zssar report` includes.
"""

from __future__ import annotations

import copy
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts.results import EVALUATIONS_DIR
from pipeline.catalog import Dataset, get_split
from pipeline.config import Config
from pipeline.console import summary, track, warn
from pipeline.errors import PipelineError
from pipeline.store import Store, hash_spec
from pipeline.store.atomic import write_json, write_text


@dataclass
class Cell:
    """One method on one split: the seeds' figures."""

    zsl: list[float] = field(default_factory=list)
    h: list[float | None] = field(default_factory=list)  # None: no GZSL figure for that seed
    val: list[float | None] = field(default_factory=list)  # the validation carve's ZSL of the pick
    models: list[str | None] = field(default_factory=list)  # the seed's saved model
    features: list[str] = field(default_factory=list)  # the feature set it trained on


def expand_splits(specs: list[str]) -> list[str]:
    """Split names, a `<family>:<n>:<a>-<b>` range standing for the seeds a..b (`random:5:0-4`)."""
    out: list[str] = []
    for spec in specs:
        head, _, last = spec.rpartition(":")
        if head and "-" in last and head.split(":")[0] in ("random", "numpy"):
            lo, _, hi = last.partition("-")
            if not (lo.isdigit() and hi.isdigit() and int(lo) <= int(hi)):
                raise PipelineError(
                    f"split range {spec!r}: expected <family>:<n_unseen>:<first>-<last>, e.g. random:5:0-4"
                )
            out += [f"{head}:{s}" for s in range(int(lo), int(hi) + 1)]
        else:
            out.append(spec)
    if len(set(out)) != len(out):
        raise PipelineError(f"splits {specs}: a split is listed twice")
    return out


def evaluate(
    dataset: Dataset, cfg: Config, splits: list[str], methods: list[str], backbone_seeds: int = 1
) -> dict[str, Any]:
    """Run every method on every split for cfg.train.seeds seeds on each of `backbone_seeds` backbones
    per split (text features, skeleton data, backbones and features made or found first); print and
    write the table. The backbone dominates the spread on small data, and a closed-form method gives
    the same figure for every seed of one backbone, so its spread is only seen over backbone seeds."""
    if backbone_seeds < 1:
        raise PipelineError(f"--backbone-seeds {backbone_seeds}: must be at least 1")
    from pipeline.stages.embed import embed_dataset
    from pipeline.stages.skeleton import extract_features, prepare_dataset
    from pipeline.stages.train import train_split
    from pipeline.zsl.methods import get_method

    names = expand_splits(splits)
    parsed = [get_split(dataset, name) for name in names]  # every name checked before any work
    for method in methods:
        get_method(method)
    embed_dataset(dataset, cfg)
    if dataset.synthetic or dataset.path is not None:  # NTU and PKU-MMD are prepared once, from their --source
        prepare_dataset(dataset, cfg)
    cells: dict[tuple[str, str], Cell] = {}
    jobs = [(split, b, method) for split in parsed for b in range(backbone_seeds) for method in methods]
    extracted: dict[tuple[str, int], str] = {}  # (split, backbone) -> feature-set key
    for split, b, method in track(jobs, f"evaluate {dataset.name}", total=len(jobs)):
        run = copy.deepcopy(cfg)
        run.seed = backbone_seed(cfg.seed, b)
        if (split.name, b) not in extracted:
            extracted[(split.name, b)] = extract_features(dataset, split, run)
        run.train.method = method
        cell = cells.setdefault((split.name, method), Cell())
        for result in train_split(dataset, split, run, features=extracted[(split.name, b)], reuse=True):
            cell.zsl.append(result["zsl_top1"])
            cell.h.append(result["gzsl"]["h"] if result["gzsl"] else None)
            cell.val.append((result.get("selection") or {}).get("val_zsl_top1"))
            cell.models.append(result.get("model_key"))
            cell.features.append(result["feature_key"])
    if len(methods) > 1:
        _carve_selected(names, methods, cells)
    from pipeline.stages.ensemble import ensemble_members

    members = ensemble_members(methods)
    if members:
        from pipeline.stages.train import train_device

        _ensembled(Store(cfg.store), names, members, cells, train_device(cfg))
    record = _record(dataset, cfg, names, methods, cells, backbone_seeds)
    _write(cfg, record)
    return record


def backbone_seed(seed: int, b: int) -> int:
    """The run seed of a split's b-th backbone: its methods' seeds follow it (seed + i), so seeds stay
    distinct for up to 1000 seeds per backbone, and b = 0 is the plain run."""
    return seed + 1000 * b


CARVE_ROW = "best on carve"


def _carve_selected(splits: list[str], methods: list[str], cells: dict[tuple[str, str], Cell]) -> None:
    """The row a researcher would report without looking at the unseen classes: for every split and
    seed, the method whose pick scored best on the validation carve (the first listed on a tie), with
    its test figures. Absent where a method has no carve figure."""
    for split in splits:
        row = cells.setdefault((split, CARVE_ROW), Cell())
        for i in range(min(len(cells[(split, m)].zsl) for m in methods)):
            scores = [cells[(split, m)].val[i] for m in methods]
            if any(score is None for score in scores):
                continue
            best = cells[(split, methods[scores.index(max(scores))])]
            row.zsl.append(best.zsl[i])
            row.h.append(best.h[i])
            row.val.append(best.val[i])


def _ensembled(
    store: Store, splits: list[str], members: list[str], cells: dict[tuple[str, str], Cell], device: Any
) -> None:
    """The ensemble row (stages/ensemble.py): for every split and seed, the members' models scored
    together; absent where a member saved no model. The columns its members read are computed on the
    training device, as training computed them."""
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.skeleton.computed import with_computed
    from pipeline.stages.ensemble import ENSEMBLE_ROW, ensemble_scores
    from pipeline.zsl.methods import get_method

    reads = [get_method(m).inputs for m in members]

    parts = {}  # feature-set key -> its test parts, read once for every seed of the split
    for split in splits:
        row = cells.setdefault((split, ENSEMBLE_ROW), Cell())
        for i in range(min(len(cells[(split, m)].zsl) for m in members)):
            models = [cells[(split, m)].models[i] for m in members]
            if all(models):
                key = cells[(split, members[0])].features[i]
                if key not in parts:
                    fs = with_computed(store, load_feature_set(store, key), reads, device)
                    parts[key] = (fs["test_seen"], fs["test_unseen"])
                zsl, gzsl = ensemble_scores(store, models, *parts[key])
                row.zsl.append(round(zsl, 2))
                row.h.append(round(gzsl["h"], 2) if gzsl is not None else None)


def _stats(values: list[float | None]) -> dict[str, float | int | None]:
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None, "std": None, "n": 0}
    return {
        "mean": round(statistics.fmean(values), 2),
        "std": round(statistics.stdev(values), 2) if len(values) > 1 else 0.0,
        "n": len(values),
    }


def _record(
    dataset: Dataset,
    cfg: Config,
    splits: list[str],
    methods: list[str],
    cells: dict[tuple[str, str], Cell],
    backbone_seeds: int = 1,
) -> dict[str, Any]:
    rows = []
    from pipeline.stages.ensemble import ENSEMBLE_ROW

    extra = [row for row in (CARVE_ROW, ENSEMBLE_ROW) if (splits[0], row) in cells]
    for method in [*methods, *extra]:
        per_split = {s: {"zsl": _stats(cells[(s, method)].zsl), "h": _stats(cells[(s, method)].h)} for s in splits}
        split_means = [v["zsl"]["mean"] for v in per_split.values() if v["zsl"]["mean"] is not None]
        h_means = [v["h"]["mean"] for v in per_split.values() if v["h"]["mean"] is not None]
        rows.append(
            {
                "method": method,
                "splits": per_split,
                "zsl": _stats([x for s in splits for x in cells[(s, method)].zsl]),
                "h": _stats([x for s in splits for x in cells[(s, method)].h]),
                "zsl_over_splits": _stats(split_means),
                "h_over_splits": _stats(h_means),
            }
        )
    config = cfg.to_dict()
    return {
        "dataset": dataset.name,
        "synthetic": dataset.synthetic,
        "splits": splits,
        "methods": methods,
        "seeds": cfg.train.seeds,
        "backbone_seeds": backbone_seeds,
        "preset": cfg.train.preset,
        "rows": rows,
        "config": config,
        "key": hash_spec(
            "zssar-evaluate",
            {"dataset": dataset.name, "splits": splits, "methods": methods, "config": config}
            | ({"backbone_seeds": backbone_seeds} if backbone_seeds > 1 else {}),
        )[:8],
    }


def _fmt(s: dict[str, Any]) -> str:
    return "–" if s["mean"] is None else f"{s['mean']:.1f} ± {s['std']:.1f}"


def markdown(record: dict[str, Any]) -> str:
    """Two tables (ZSL top-1, GZSL H): a row per method, a column per split (mean ± std over seeds), and
    the mean ± std over all runs and over the split means."""
    lines = [
        f"### {record['dataset']}: {len(record['splits'])} splits x {record['seeds']} seeds"
        + (f" x {record['backbone_seeds']} backbones" if record.get("backbone_seeds", 1) > 1 else "")
        + " "
        f"(preset {record['preset']}, evaluation {record['key']})"
        + (" — synthetic data" if record["synthetic"] else ""),
        "",
    ]
    for metric, title in (("zsl", "ZSL top-1"), ("h", "GZSL H")):
        head = ["method", *record["splits"], "all runs", "over splits"]
        lines += [
            f"{title} (%; mean ± std over seeds per split)",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for row in record["rows"]:
            cells = [_fmt(row["splits"][s][metric]) for s in record["splits"]]
            lines.append(
                "| "
                + " | ".join([row["method"], *cells, _fmt(row[metric]), _fmt(row[f"{metric}_over_splits"])])
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def _write(cfg: Config, record: dict[str, Any]) -> None:
    folder = Path(cfg.results) / EVALUATIONS_DIR
    stem = f"{record['dataset']}-{record['key']}"
    text = markdown(record)
    write_json(folder / f"{stem}.json", record)
    write_text(folder / f"{stem}.md", text)
    print(text, flush=True)
    best = max(record["rows"], key=lambda r: r["zsl"]["mean"] if r["zsl"]["mean"] is not None else -1)
    summary(
        f"evaluate {record['dataset']}: {len(record['splits'])} splits x {record['seeds']} seeds, best ZSL "
        f"{best['method']} {_fmt(best['zsl'])} -> {folder / stem}.md"
    )


def load_evaluations(results: str) -> list[str]:
    """The evaluation tables under a results folder, oldest first, for the report."""
    folder = Path(results) / EVALUATIONS_DIR
    out = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        try:
            out.append(markdown(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warn(f"{path}: skipped, not an evaluation record ({exc})")
    return out

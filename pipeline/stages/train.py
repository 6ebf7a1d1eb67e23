"""`zssar train`: FS-VAE, CADA-VAE, MSF, SA-DVAE, the ridge baseline, its late fusion or the direct
classifier of a text-trained backbone on a split's cached features, one
result per seed (the protocol: pipeline/zsl/protocol.py; the files: pipeline/artifacts/results.py), and
each seed's model saved for `zssar predict` (pipeline/artifacts/saved_models.py).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet, load_feature_set
from pipeline.artifacts.kinds import SKELETON_FEATURES as KIND
from pipeline.artifacts.kinds import feature_ref
from pipeline.artifacts.results import (
    RESULTS_VERSION,
    latents_name,
    read_result,
    result_stem,
    results_dir,
    write_latents,
    write_result,
)
from pipeline.bodyparts import BODY_PARTS
from pipeline.catalog import Dataset, Split
from pipeline.config import Config
from pipeline.console import info, summary
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.hardware import resolve_device, torch_threads
from pipeline.stages.saved_model import save_trained_model
from pipeline.store import Store, hash_spec
from pipeline.store.sync import pull_if_configured, pull_ref_if_configured
from pipeline.zsl.methods import METHODS, revision_key
from pipeline.zsl.presets import Hyper, candidates, resolve

if TYPE_CHECKING:
    from pipeline.zsl.protocol import SeedOutcome


class TextTable(Protocol):
    """What training needs of text features (TextFeatures, or a stand-in): the key and the fused table."""

    key: str
    encoder: str
    descriptions_sha256: str

    def fused(self, fields: list[str]) -> np.ndarray: ...


def train_split(
    dataset: Dataset,
    split: Split,
    cfg: Config,
    features: str | None = None,
    text: TextTable | None = None,
    reuse: bool = False,
) -> list[dict[str, Any]]:
    """Train cfg.train.seeds seeds on the split and write their results; `features` is a feature-set key
    or a SynSE-format dump folder (default: the split's extracted features); `text` overrides the cached
    text features of cfg.embed.encoder (anything with key, encoder, descriptions_sha256 and fused()). With
    `reuse`, a seed whose result (same configuration hash) is on disk is read back instead of trained."""
    from pipeline.zsl.protocol import run_seed

    grid = candidates(cfg.train, dataset)
    hp = grid[0] if grid else resolve(cfg.train, dataset)
    store = Store(cfg.store)
    fs, origin = _feature_set(store, dataset, split, cfg, features, temporal=hp.frequency == "temporal")
    device = train_device(cfg)
    own_text = text is None
    if text is None:
        from pipeline.stages.embed import text_features_for

        text = text_features_for(dataset, cfg)
    spec = {"train": _keyed(hp, fs, cfg, dataset), "feature_key": fs.key, "text_key": text.key}
    spec |= revision_key(hp.method)
    if len(grid) > 1:
        spec["candidates"] = [c.to_dict() for c in grid]
    config_hash = hash_spec("zssar-train", spec)[:8]
    out_dir = results_dir(cfg.results, dataset.name, split.slug, hp.method)
    protocol = _protocol(fs, origin)

    results = []
    table: np.ndarray | None = None  # with ridge_table, set on the first seed that trains
    ridge_table = None
    trained = METHODS[hp.method].trained
    work = f"{hp.cycles} x {hp.steps_per_cycle} steps" if trained else f"closed form, {hp.cycles} candidate(s)"
    info(
        f"train {hp.method} ({hp.preset}) on {dataset.name}{' (synthetic data)' if dataset.synthetic else ''} "
        f"{split.name}: {work}, {len(split.seen)}/{len(split.unseen)} seen/unseen, {device}"
    )
    with torch_threads(cfg.train.threads):
        for i in range(cfg.train.seeds):
            seed = cfg.seed + i
            stem = result_stem(hp.preset, config_hash, seed)
            if reuse and (done := read_result(out_dir, stem)) is not None:
                info(_table_line(done) + " (cached)")
                results.append(done)
                continue
            if table is None:  # a cache hit computes no column and embeds no text
                fs, text, table, ridge_table = _training_inputs(
                    store, dataset, split, cfg, hp, fs, text, own_text, device
                )
            start = time.perf_counter()
            outcome = run_seed(fs, table, split, hp, device, seed, cfg.train.processes, grid, ridge_table)
            result = json.loads(
                json.dumps(
                    _result(
                        dataset,
                        split,
                        cfg,
                        outcome.hp,
                        fs,
                        text,
                        protocol,
                        seed,
                        outcome,
                        stem,
                        time.perf_counter() - start,
                    )
                )
            )  # exactly what the file holds
            write_latents(out_dir, stem, outcome.latents)
            path = write_result(out_dir, stem, result)
            # then the trained model, kept in the store for `zssar predict`
            result["model_key"] = save_trained_model(
                store, dataset, split, outcome.hp, fs, text, table, outcome, result, path
            )
            write_result(out_dir, stem, result)
            info(_table_line(result))
            results.append(result)
    saved = [r["model_key"] for r in results if r["model_key"]]
    summary(_summary_line(dataset, split, hp, results, out_dir) + (f"; model {', '.join(saved)}" if saved else ""))
    return results


def _training_inputs(
    store: Store,
    dataset: Dataset,
    split: Split,
    cfg: Config,
    hp: Hyper,
    fs: FeatureSet,
    text: TextTable,
    own_text: bool,
    device: Any,
) -> tuple[FeatureSet, TextTable, np.ndarray, np.ndarray | None]:
    """What a seed trains on, checked: the feature set with the columns the method reads computed, the text
    features with its body-part fields embedded (`text` is the dataset's own, not an override, when
    `own_text`), the fused table of hp.fields and, where that adds body-part fields, the whole-body table
    ridge and a gate that reads ridge read."""
    from pipeline.skeleton.computed import with_computed
    from pipeline.zsl.protocol import check_feature_set

    fs = with_computed(store, fs, [METHODS[hp.method].inputs], device)
    if own_text and METHODS[hp.method].part_texts:
        from pipeline.stages.embed import with_part_fields

        text = with_part_fields(text, cfg)
    table = np.asarray(text.fused(list(hp.fields)), dtype=np.float32)
    if table.shape[0] != dataset.num_classes:
        raise PipelineError(
            f"text features {text.key}: {table.shape[0]} classes, dataset {dataset.name} has "
            f"{dataset.num_classes}; re-run `zssar embed --dataset {dataset.name}`"
        )
    check_feature_set(fs, split, hp)
    whole = [f for f in hp.fields if f not in BODY_PARTS]  # what ridge reads, and a gate that reads ridge
    ridge_table = np.asarray(text.fused(whole), dtype=np.float32) if len(whole) < len(hp.fields) else None
    return fs, text, table, ridge_table


GATE_SETTINGS = ("gate", "gate_temperature", "gate_threshold", "gate_input")


def train_device(cfg: Config) -> Any:
    """Where training runs and its computed columns are made: train.device, or the global device."""
    return resolve_device(cfg.train.device if cfg.train.device != "auto" else cfg.device)


def _keyed(hp: Hyper, fs: FeatureSet, cfg: Config, dataset: Dataset) -> dict[str, Any]:
    """The values a result's key holds. A run without a GZSL gate (no carve, or no seen test part:
    skeleton.seen_train = all) is keyed with the preset's gate values, so a gate setting does not retrain
    it; `gate_input` enters the key only when it is not `own`, the behaviour before it existed, so older
    results stay valid."""
    from pipeline.zsl.protocol import gated

    values = hp.to_dict()
    if not gated(fs):
        unset = dataclasses.replace(cfg.train, **dict.fromkeys(GATE_SETTINGS))
        preset = resolve(unset, dataset).to_dict()
        values |= {k: preset[k] for k in GATE_SETTINGS}
    if values["gate_input"] == "own":
        del values["gate_input"]
    return values


def _feature_set(
    store: Store, dataset: Dataset, split: Split, cfg: Config, features: str | None, temporal: bool
) -> tuple[FeatureSet, str]:
    if features is not None and Path(features).is_dir():
        from pipeline.skeleton.dumps import import_dump

        return load_feature_set(store, import_dump(Path(features), dataset, split, cfg), temporal), "dump"
    if features is not None:
        if not pull_if_configured(store, cfg.remote, KIND, features):
            raise MissingArtifactError(
                f"{store.path(KIND, features)}: no feature set with key {features!r} (and "
                f"no such dump folder); list them with `zssar cache ls --kind {KIND}`"
            )
        key = features
    else:
        ref = pull_ref_if_configured(store, cfg.remote, feature_ref(dataset.name, split.slug))
        if ref is None:
            raise MissingArtifactError(
                f"no skeleton features for {dataset.name} split {split.name} in {store.root}: "
                f"run `zssar skeleton extract --dataset {dataset.path or dataset.name} "
                f"--split {split.name}` (make features)"
            )
        key = ref[1]
    fs = load_feature_set(store, key, temporal)
    return fs, fs.meta.get("info", {}).get("origin") or fs.meta.get("spec", {}).get("origin") or "store"


def _protocol(fs: FeatureSet, origin: str) -> str:
    """The feature set's own statement, else what its origin implies: an extracted set trains the backbone
    on the training subjects and tests the seen classes on the others; its unseen test part takes the test
    subjects or every subject (skeleton.unseen_test, docs/architecture.md)."""
    meta_info = fs.meta.get("info", {})
    if meta_info.get("protocol"):
        return str(meta_info["protocol"])
    if origin == "dump":
        return "imported dump"
    if "data" not in meta_info:
        return "unspecified"
    parts = fs.meta.get("spec", {}).get("parts", {})
    if parts.get("train", {}).get("subjects") == "all":
        return "every subject's seen clips trained on (ZSL only); unseen test: all subjects"
    subjects = parts.get("test_unseen", {}).get("subjects", "test")
    return "cross-subject (extracted)" + ("; unseen test: all subjects" if subjects == "all" else "")


def _result(
    dataset: Dataset,
    split: Split,
    cfg: Config,
    hp: Hyper,
    fs: FeatureSet,
    text: TextTable,
    protocol: str,
    seed: int,
    o: SeedOutcome,
    stem: str,
    wall: float,
) -> dict[str, Any]:
    from pipeline.zsl.evaluate import confusion, per_class_accuracy

    main = o.branch
    sel = o.chosen
    config = cfg.to_dict()
    config["train"] = {
        **hp.to_dict(),
        "seeds": cfg.train.seeds,
        "carve_search": cfg.train.carve_search,
        "device": cfg.train.device,
        "threads": cfg.train.threads,
        "processes": cfg.train.processes,
    }
    gzsl = per_class_gzsl = conf = None
    if o.gzsl is not None:
        gzsl = {"seen": round(o.gzsl["seen"], 2), "unseen": round(o.gzsl["unseen"], 2), "h": round(o.gzsl["h"], 2)}
        true = np.concatenate([main.test_seen["class_idx"], main.test_unseen["class_idx"]])
        pred = np.concatenate([o.gzsl["pred_seen"], o.gzsl["pred_unseen"]])
        per_class_gzsl = {str(c): a for c, a in per_class_accuracy(pred, true).items()}
        conf = confusion(true, pred)
    per_class_zsl = {str(c): a for c, a in per_class_accuracy(sel.zsl_pred, main.test_unseen["class_idx"]).items()}
    rule = (
        _averaged_rule(o)
        if o.selected is None
        else "validation carve"
        if o.val is not None
        else "last cycle (no validation carve)"
    )
    return {
        "dataset": dataset.name,
        "synthetic": dataset.synthetic,
        "split": {**split.to_dict(), "slug": split.slug},
        "method": hp.method,
        "preset": hp.preset,
        "seed": seed,
        "protocol": protocol,
        "zsl_top1": round(sel.zsl_top1, 2),
        "gzsl": gzsl,
        "selection": {
            "rule": rule,
            "cycle": o.selected,
            "val_zsl_top1": round(o.val_chosen.zsl_top1, 2) if o.val_chosen is not None else None,
        },
        "tuning": o.tuning,
        "cycle_average": _cycle_average(o),
        "test_selected": {
            "zsl_top1": round(o.main[o.test_selected].zsl_top1, 2),
            "gzsl_h": round(o.gzsl_test_selected["h"], 2) if o.gzsl_test_selected else None,
            "cycle": o.test_selected,
            "note": "selected on test; for comparison only",
        },
        "gate": o.gate.describe() if o.gate is not None else None,
        "notes": []
        if o.val is not None
        else [
            "feature set has no validation parts: no GZSL gate (GZSL fields "
            "null) and no validation-based model selection"
        ],
        "cycles": [
            {
                "cycle": c,
                "loss": round(e.loss, 5),
                "zsl_top1": round(e.zsl_top1, 2),
                "val_zsl_top1": round(o.val[c].zsl_top1, 2) if o.val is not None else None,
            }
            for c, e in enumerate(o.main)
        ],
        "per_class": {"zsl": per_class_zsl, "gzsl": per_class_gzsl},
        "confusion": conf,
        "latents": latents_name(stem),
        "config": config,
        "feature_key": fs.key,
        "text_key": text.key,
        "encoder": text.encoder,
        "descriptions_sha256": text.descriptions_sha256,
        "wall_time_s": round(wall, 2),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "results_version": RESULTS_VERSION,
    }


def _cycle_average(o: SeedOutcome) -> dict[str, Any]:
    """ZSL top-1 of the cycles' models at once (every candidate, for a closed form; cycles.ensemble; the
    cycles after `train.burn_in` with select = average), on the test and on the validation carve: a figure no
    selection can make lucky or unlucky."""
    first = o.first_averaged
    return {
        "zsl_top1": round(o.average.zsl_top1, 2),
        "val_zsl_top1": round(o.val_average.zsl_top1, 2) if o.val_average is not None else None,
        "cycles": len(o.main) - first,
        "from_cycle": first,
        "note": f"log-probabilities averaged over {_averaged_rule(o).removesuffix(' averaged')}; not selected",
    }


def _averaged_rule(o: SeedOutcome) -> str:
    first = o.first_averaged
    last = len(o.main) - 1
    if first == 0:
        return "every cycle averaged"
    return f"cycles {first}-{last} averaged" if first < last else f"cycle {last} only (after the burn-in)"


def _table_line(r: dict[str, Any]) -> str:
    g = r["gzsl"]
    gz = f"S {g['seen']:5.1f} U {g['unseen']:5.1f} H {g['h']:5.1f}" if g else "GZSL n/a"
    rule, cycle = r["selection"]["rule"], r["selection"]["cycle"]
    picked = rule if cycle is None else f"cycle {cycle} ({'val' if rule == 'validation carve' else 'last'})"
    return (
        f"  seed {r['seed']}  ZSL {r['zsl_top1']:5.1f}  {gz}  {picked} "
        f"(test-selected ZSL {r['test_selected']['zsl_top1']:.1f})  {r['wall_time_s']:.0f}s"
    )


def _summary_line(dataset: Dataset, split: Split, hp: Hyper, results: list[dict[str, Any]], out_dir: Path) -> str:
    zsl = np.array([r["zsl_top1"] for r in results])
    hs = [r["gzsl"]["h"] for r in results if r["gzsl"]]
    h = f", GZSL H {np.mean(hs):.1f} +- {np.std(hs):.1f}" if hs else ""
    tag = " (synthetic data)" if dataset.synthetic else ""
    return (
        f"train {hp.method} ({hp.preset}) {dataset.name} {split.name}: {len(results)} seed(s), ZSL top-1 "
        f"{zsl.mean():.1f} +- {zsl.std():.1f}{h}{tag} -> {out_dir}"
    )

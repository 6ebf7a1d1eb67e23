"""The train-and-select protocol of every trained method, one seed at a time.

Per seed, two models train (as the released four-stage scripts do): the main model on the split's seen
classes, and a validation model on the validation carve's pseudo-seen classes (its own backbone's
features); on the CPU the validation model trains in a second process (`train.processes`). After every
cycle each gets a fresh ZSL classifier and is evaluated: the main model on the test parts, the validation
model on the carve's test parts.

- Model selection (`train.select`): `carve`, the cycle where the validation model's ZSL accuracy on its
  pseudo-unseen classes is highest, and the result reports the main model's test figures at that cycle;
  or `average`, every cycle's models at once (their ZSL log-probabilities averaged, cycles.ensemble), for
  the main and the validation model alike: a carve of a few dozen clips picks a lucky or an unlucky cycle,
  an average has nothing to pick (`train.burn_in` leaves the first cycles out of it). The cycle that is
  best on the unseen test set (the released code's choice) is reported beside it as `test_selected`,
  labelled; its GZSL figure uses the same gate, as the released scripts do.
- The `tuned` preset first chooses a few values on the validation carve (pipeline/zsl/tuning.py): only the
  validation model trains for each candidate, and the chosen candidate's validation run is the one kept.
- GZSL gate: fit on the validation model's outputs at the selected cycle (or their average; never on
  unseen classes or test data), then applied to the main model's test outputs; with `train.gate_input =
  ridge` it reads a ridge map's probabilities on both branches instead (gate.py), the map's penalty the
  one the carve picks for `--method ridge`.
- Without validation parts there is no honest selection or gate: the last cycle is reported and the GZSL
  fields are null.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet, Part
from pipeline.catalog import Split
from pipeline.errors import PipelineError
from pipeline.zsl.cycles import (
    CycleEval,
    SelectedModel,
    averaged,
    derive,
    ensemble,
    train_branch,
    train_branches,
)
from pipeline.zsl.methods import METHODS
from pipeline.zsl.presets import Hyper

LATENTS_PER_CLASS = 100


@dataclass
class Branch:
    """One model's world: the split (main) or its validation carve (val)."""

    data: Any  # TrainData
    seen_classes: np.ndarray  # columns of the seen logits
    unseen_classes: np.ndarray  # sorted; the ZSL classifier's classes
    unseen_text: Any  # (n_unseen, d_t) tensor
    test_seen: dict[str, Any]  # class_idx, inputs (tensor), seen_logits
    test_unseen: dict[str, Any]
    streams: int = 1  # backbone networks whose features lie side by side in a feature row (FeatureSet.streams)
    fields: int = 1  # text fields fused side by side in a row of `text` (train.fields)
    # a closed form's fits, by what they read: the seed's evaluations and its saved tensors share one fit
    # (kernel maps of an NTU-sized split take minutes on a CPU); a replaced branch starts empty
    fits: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass
class SeedOutcome:
    main: list[CycleEval]
    val: list[CycleEval] | None
    branch: Branch
    hp: Hyper  # the values trained with: the preset's, or the tuned search's choice
    chosen: CycleEval  # what the seed reports: the selected cycle's evaluation, or `average`
    val_chosen: CycleEval | None
    average: CycleEval  # every cycle's models at once (cycles.ensemble), whatever the selection
    val_average: CycleEval | None
    selected: int | None  # the selected cycle; None when every cycle is averaged
    test_selected: int
    gate: Any
    gzsl: dict[str, Any] | None
    gzsl_test_selected: dict[str, Any] | None
    latents: dict[str, np.ndarray]
    models: list[SelectedModel]  # the selected cycle's model, or every cycle's; none for ridge and direct
    val_branch: Branch | None = None  # the validation carve's data, when there is one
    tuning: dict[str, Any] | None = None  # the tuned preset's search on the carve
    first_averaged: int = 0  # the first cycle in `average` (train.burn_in, with select = average)
    gate_ridge: int | None = None  # train.gate_input = ridge: the penalty (index into ridge.PENALTIES) it reads
    ridge_branch: Branch | None = None  # the main branch as that ridge map reads it (_whole_body)
    ridge_table: np.ndarray | None = None  # its text table, where the method's own adds body-part fields


def gated(fs: FeatureSet) -> bool:
    """Whether a run on these features has a GZSL gate: it needs the carve's seen test part to be fitted
    and the split's to be applied (neither exists with skeleton.seen_train = all)."""
    return bool(fs.has_validation and len(fs["val_test_seen"].class_idx) and len(fs["test_seen"].class_idx))


def run_seed(
    fs: FeatureSet,
    table: np.ndarray,
    split: Split,
    hp: Hyper,
    device: Any,
    seed: int,
    processes: int = 1,
    candidates: list[Hyper] | None = None,
    ridge_table: np.ndarray | None = None,
) -> SeedOutcome:
    """Train the main and the validation model, evaluate each after every cycle, select, gate; with several
    `candidates` (the tuned preset), first choose between them on the validation carve. `ridge_table` is
    the whole-body fields' table where `table` adds body-part fields (`bodyparts`): what a gate's ridge reads."""
    from pipeline.zsl.gate import FOLDS, GateData, fit_gate

    main = _branch(
        fs, ("train", "test_seen", "test_unseen"), split.seen, split.unseen, table, hp, device, seed, fs.streams
    )
    val_parts = ("val_train", "val_test_seen", "val_test_unseen")
    build_val = (
        functools.partial(
            _branch,
            {name: fs[name] for name in val_parts},
            val_parts,
            split.val_seen,
            split.val_unseen,
            table,
            hp,
            device,
            seed,
            fs.streams,
        )
        if fs.has_validation
        else None
    )
    val = build_val() if build_val is not None else None
    sample = _latent_subsample(main.test_unseen["class_idx"], seed)
    method = METHODS[hp.method]
    tuning = None
    if method.outputs is not None:  # a closed form: its candidates stand in for the cycles
        main_evals, states = method.outputs(main, sample), []
        val_evals = method.outputs(val, None) if val is not None else None
    elif candidates and len(candidates) > 1 and val is not None and build_val is not None:
        from pipeline.zsl.tuning import search

        hp, val_evals, tuning = search(val, build_val, candidates, seed, processes)
        main_evals, states = train_branch("main", main, hp, seed, sample, keep=True)
    else:
        (main_evals, states), val_evals = train_branches(main, val, build_val, hp, seed, sample, processes)

    test_selected = int(np.argmax([e.zsl_top1 for e in main_evals]))
    kept = averaged(len(main_evals), hp.burn_in if hp.select == "average" else 0.0)
    average = ensemble(main_evals[kept], main.test_unseen["class_idx"], main.unseen_classes)
    val_average = (
        ensemble(val_evals[kept], val.test_unseen["class_idx"], val.unseen_classes)
        if val is not None and val_evals is not None
        else None
    )
    selected: int | None
    if hp.select == "average":
        selected, chosen, val_chosen, models = None, average, val_average, states[kept]
    else:  # without a carve the last cycle; with one, its first best cycle
        selected = len(main_evals) - 1 if val_evals is None else int(np.argmax([e.zsl_top1 for e in val_evals]))
        chosen = main_evals[selected]
        val_chosen = val_evals[selected] if val_evals is not None else None
        models = [states[selected]] if states else []
    gate = gzsl = gzsl_test_selected = gate_ridge = ridge_main = None
    if gated(fs) and val is not None and val_chosen is not None:
        val_read, main_read = val_chosen, None  # whose probabilities the gate reads; None: each evaluation's own
        if hp.gate_input == "ridge" and hp.method != "ridge":
            ridge_main, ridge_val = _whole_body(main, ridge_table), _whole_body(val, ridge_table)
            gate_ridge, val_read, main_read = _ridge_reading(ridge_main, ridge_val)
        gate = fit_gate(
            GateData(val.test_seen["class_idx"], val.test_seen["seen_logits"], val_read.probs_seen),
            GateData(val.test_unseen["class_idx"], val.test_unseen["seen_logits"], val_read.probs_unseen),
            k=min(len(split.unseen), len(split.val_unseen), len(val.seen_classes)),
            forbidden=split.unseen,
            seed=derive(seed, "gate", "split"),
            temperature=hp.gate_temperature,
            threshold=hp.gate_threshold,
            balanced=hp.gate != "released",
            folds=FOLDS if hp.gate == "crossval" else 0,
        )
        if gate_ridge is not None:
            gate = dataclasses.replace(gate, reads="ridge")
        gzsl = _gzsl(gate, main, chosen, main_read)
        gzsl_test_selected = _gzsl(gate, main, main_evals[test_selected], main_read)
    return SeedOutcome(
        main_evals,
        val_evals,
        main,
        hp,
        chosen,
        val_chosen,
        average,
        val_average,
        selected,
        test_selected,
        gate,
        gzsl,
        gzsl_test_selected,
        _latents(main, chosen, sample),
        models,
        val_branch=val,
        tuning=tuning,
        first_averaged=kept.start,
        gate_ridge=gate_ridge,
        ridge_branch=ridge_main,
        ridge_table=ridge_table if ridge_main is not None else None,
    )


def _gzsl(gate: Any, b: Branch, e: CycleEval, read: Any = None) -> dict[str, Any]:
    """GZSL of evaluation `e`, its gate reading `read`'s probabilities (default: e's own)."""
    from pipeline.zsl.evaluate import gzsl_scores

    read = read if read is not None else e
    seen = {**b.test_seen, "zsl_probs": e.probs_seen, "gate_probs": read.probs_seen}
    unseen = {**b.test_unseen, "zsl_probs": e.probs_unseen, "gate_probs": read.probs_unseen}
    return gzsl_scores(gate, seen, unseen, b.seen_classes, b.unseen_classes)


def _whole_body(b: Branch, table: np.ndarray | None) -> Branch:
    """The branch with the text rows of `table`, the whole-body fields' f_t (None: the branch's own): what
    ridge, and so a gate that reads ridge, reads for every method, whatever body-part fields a method's
    table adds (`bodyparts`). The same table as the other methods', so the same gate to the last digit."""
    if table is None:
        return b
    import torch

    def rows(classes: Any) -> Any:
        return torch.as_tensor(table[list(classes)], dtype=torch.float32, device=b.unseen_text.device)

    data = dataclasses.replace(b.data, text=rows(b.data.classes))
    return dataclasses.replace(b, data=data, unseen_text=rows(b.unseen_classes))


def _ridge_reading(main: Branch, val: Branch) -> tuple[int, CycleEval, CycleEval]:
    """What a ridge gate reads: `--method ridge`'s evaluations on both branches at the penalty it selects
    (the best ZSL on the carve), with that penalty's index."""
    ridge = METHODS["ridge"].outputs
    assert ridge is not None
    on_val = ridge(val, None)
    pick = int(np.argmax([e.zsl_top1 for e in on_val]))
    return pick, on_val[pick], ridge(main, None)[pick]


def _branch(
    fs: FeatureSet,
    names: tuple[str, str, str],
    seen: tuple[int, ...],
    unseen: tuple[int, ...],
    table: np.ndarray,
    hp: Hyper,
    device: Any,
    seed: int,
    streams: int = 1,
) -> Branch:
    """Move one branch's training data and test parts to the device, with the seen logits they need."""
    import torch

    from pipeline.zsl.classifier import fit_seen_classifier
    from pipeline.zsl.train import TrainData

    train, test_seen, test_unseen = (fs[n] for n in names)
    reads = METHODS[hp.method].inputs
    temporal = hp.frequency == "temporal" and reads == "feature"
    own = temporal or reads != "feature"  # its inputs are not the pooled features ridge and the gate read

    def inputs(part: Part) -> Any:
        if temporal:
            x = part.temporal.transpose(0, 2, 1)
        else:  # `feature`, `projection`, `descriptor` or `bodyparts`: the part's column of that name
            x = getattr(part, reads)
        return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32, device=device)

    def pooled(part: Part) -> Any:
        return torch.as_tensor(part.feature, dtype=torch.float32, device=device)

    classes = tuple(sorted(seen))
    rows = np.searchsorted(np.asarray(classes), train.class_idx)
    features = pooled(train)
    data = TrainData(
        inputs=inputs(train) if own else features,
        features=features,
        rows=torch.as_tensor(rows, device=device),
        text=torch.as_tensor(table[list(classes)], device=device),
        classes=classes,
    )

    if test_seen.logits is not None and test_unseen.logits is not None:
        seen_classes, fallback = np.asarray(test_seen.seen_classes or classes), None
    else:  # no backbone logits: a linear classifier on this backbone's training features stands in
        seen_classes = np.asarray(classes)
        fallback = fit_seen_classifier(
            train.feature, train.class_idx, classes, device, derive(seed, names[0], "seen-classifier")
        )

    def part_dict(part: Part) -> dict[str, Any]:
        if fallback is not None:
            with torch.no_grad():
                logits = fallback(torch.as_tensor(part.feature, dtype=torch.float32, device=device)).cpu().numpy()
        else:
            logits = np.asarray(part.logits, dtype=np.float32)
        x = inputs(part)
        return {
            "class_idx": np.asarray(part.class_idx, dtype=np.int64),
            "inputs": x,
            "features": pooled(part) if own else x,  # what ridge reads (also as a gate)
            "seen_logits": logits,
        }

    return Branch(
        data,
        seen_classes,
        np.asarray(sorted(unseen)),
        torch.as_tensor(table[sorted(unseen)], device=device),
        part_dict(test_seen),
        part_dict(test_unseen),
        streams=streams,
        fields=len(hp.fields),
    )


def _latent_subsample(class_idx: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(derive(seed, "latents", "subsample"))
    picks = [rng.permutation(np.flatnonzero(class_idx == c))[:LATENTS_PER_CLASS] for c in np.unique(class_idx)]
    return np.sort(np.concatenate(picks)) if picks else np.zeros(0, np.int64)


def _latents(b: Branch, e: CycleEval, sample: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "skeleton_mu": e.skeleton_mu,
        "skeleton_label": b.test_unseen["class_idx"][sample],
        "text_mu": e.text_mu,
        "text_label": b.unseen_classes,
    }


def check_feature_set(fs: FeatureSet, split: Split, hp: Hyper) -> None:
    """The feature set must be about this split, and carry what the configured mode needs."""
    expect = {
        "train": split.seen,
        "test_seen": split.seen,
        "test_unseen": split.unseen,
        "val_train": split.val_seen,
        "val_test_seen": split.val_seen,
        "val_test_unseen": split.val_unseen,
    }
    where = f"feature set {fs.key} ({fs.meta.get('info', {}).get('split', '?')})"
    for name, part in fs.parts.items():
        stray = sorted(set(np.unique(part.class_idx).tolist()) - set(expect[name]))
        if stray:
            raise PipelineError(
                f"{where}: part {name} has classes {stray[:10]} outside split {split.name}'s "
                f"{'unseen' if 'unseen' in name else 'seen'} classes; extract features for this split"
            )
        declared = fs.meta.get("spec", {}).get("parts", {}).get(name, {}).get("subjects")
        if len(part) == 0 and declared != "none":  # `none`: no seen test part (skeleton.seen_train = all)
            raise PipelineError(f"{where}: part {name} is empty")
        backbone_seen = split.val_seen if name.startswith("val_") else split.seen
        if part.logits is not None and sorted(part.seen_classes or backbone_seen) != sorted(backbone_seen):
            raise PipelineError(
                f"{where}: part {name}'s logits are over classes {list(part.seen_classes)[:10]}..., "
                f"not the backbone's seen classes"
            )
        if part.logits is not None and part.logits.shape[1] != len(backbone_seen):
            raise PipelineError(
                f"{where}: part {name} has {part.logits.shape[1]} logit columns for "
                f"{len(backbone_seen)} seen classes"
            )
        if part.feature.shape[1] % fs.streams:
            raise PipelineError(
                f"{where}: part {name} has {part.feature.shape[1]} feature columns, which do not split into "
                f"the {fs.streams} backbone networks its info records (`streams`); extract the features again"
            )
        if METHODS[hp.method].inputs == "projection" and part.projection is None:
            raise PipelineError(
                f"{where}: part {name} has no projection column, which method {hp.method} scores; "
                f"extract with skeleton.backbone.objective=text or both"
            )
        reads = METHODS[hp.method].inputs
        if reads in ("descriptor", "bodyparts") and getattr(part, reads) is None:
            raise PipelineError(
                f"{where}: part {name} carries no {reads} column, which method {hp.method} reads; it is "
                f"computed from the feature set's prepared clips when `zssar train` loads them"
            )
        if hp.frequency == "temporal" and part.temporal is None and METHODS[hp.method].inputs == "feature":
            raise PipelineError(
                f"{where}: part {name} has no time-resolved features, which train.frequency="
                f"temporal needs; extract with skeleton.backbone.temporal_features=true or use "
                f"train.frequency=feature"
            )
    val_unseen = set(split.val_unseen)
    if val_unseen & set(split.unseen):
        raise PipelineError(f"split {split.name}: its validation carve overlaps the unseen classes")

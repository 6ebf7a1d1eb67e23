"""Hyperparameter presets, and the resolution of a `TrainConfig` against them.

The FS-VAE paper's table and its released scripts disagree, so both are offered (docs/architecture.md, "Presets"):
`released` reproduces the scripts and `paper` the values the papers state (each method's module names
its sources). A preset is chosen per method, preset name and dataset size (NTU-120 values for datasets of 120 or
more classes); a field the user set (not None) wins.

`tuned` is the project's own, for small real datasets: the released values (or those of the preset a method
names in `Method.tuned_base`) with a few changed (methods/common.TUNED_VALUES, and a method's own
`Method.tuned`) as if the user had set them; with
`train.carve_search`, also a small grid of candidates (`candidates`, methods/common.TUNED_GRID) that the
protocol chooses from on the validation carve.

Each method's value tables and schedule live in its own module (pipeline/zsl/methods/).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline.artifacts.text_features import FIELDS
from pipeline.bodyparts import BODY_PARTS
from pipeline.catalog import Dataset
from pipeline.errors import PipelineError
from pipeline.zsl.methods import METHODS, get_method
from pipeline.zsl.methods.common import TUNED_GRID, TUNED_VALUES
from pipeline.zsl.schedule import Ramp
from pipeline.zsl.settings import TrainConfig

FREQUENCY_MODES = ("feature", "temporal", "off")
SAMPLERS = ("replacement", "fresh", "epoch")
GATES = ("balanced", "crossval", "released")
GATE_INPUTS = ("own", "ridge")
SELECTIONS = ("carve", "average")
SCORERS = ("classifier", "text")
TUNED = "tuned"


@dataclass(frozen=True)
class Hyper:
    """Every training value resolved: the preset's, overridden by the user's."""

    method: str
    preset: str
    fields: tuple[str, ...]
    frequency: str
    calibrated: bool
    bands: int
    strength: float
    phi: int | None
    latent_dim: int
    hidden_dim: int
    standardise: bool  # the skeleton encoder's input standardised (model.Encoder)
    batch_size: int
    sampler: str  # replacement | fresh (a new permutation every step) | epoch (see train.py)
    lr: float
    weight_decay: float
    cycles: int
    steps_per_cycle: int
    calibrated_steps: int
    lam: float
    skeleton_negative: bool  # the calibrated loss's skeleton side has a negative (paper) or not (released)
    alpha: float
    irrelevant_dim: int  # SA-DVAE: size of the skeleton latent's semantic-irrelevant part z_v
    discriminator_every: int  # SA-DVAE: steps between updates of the total-correlation discriminator
    discriminator_always: bool  # SA-DVAE: D steps on its turn even while its weight is 0 (as released)
    select: str  # carve | average (see protocol.py)
    burn_in: float  # with select = average: the share of the first cycles left out (cycles.averaged)
    classifier_samples: int
    classifier_epochs: int
    classifier_lr: float
    classifier_relu: bool  # the ZSL classifier's logits pass a ReLU (the released MLP) or stay linear
    scorer: str  # classifier | text (see classifier.py)
    gate: str  # balanced | crossval | released (see gate.py)
    gate_temperature: float
    gate_threshold: float
    gate_input: str  # own | ridge: whose ZSL probabilities the gate reads (see gate.py)
    recon: str  # mse (mean over elements) | l1 (summed over features, CADA-VAE)
    text_decoder_relu: bool  # the text decoder's output passes a ReLU (as released) or stays linear (model.py)
    schedule: dict[str, Ramp]  # beta_s, beta_t, align, cross, da; tc (SA-DVAE)

    def weights(self, cycle: int, step: int) -> dict[str, float]:
        return {name: r.at(cycle, step, self.steps_per_cycle, self.cycles) for name, r in self.schedule.items()}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def resolve(train: TrainConfig, dataset: Dataset) -> Hyper:
    """The preset's values for this method and dataset, overridden by every field the user set."""
    method = get_method(train.method)
    names = (*method.presets, TUNED)
    if train.preset not in names:
        raise PipelineError(f"train.preset {train.preset!r}: choose one of {', '.join(names)}")
    base = method.tuned_base if train.preset == TUNED else train.preset
    small, large = method.presets[base]
    preset = large if dataset.num_classes >= 120 else small
    if train.preset == TUNED and method.trained:
        unset = {k: v for k, v in (TUNED_VALUES | (method.tuned or {})).items() if getattr(train, k) is None}
        train = dataclasses.replace(train, **unset)
    v = dict(preset)
    for name in preset:
        if name != "recon" and getattr(train, name) is not None:
            v[name] = getattr(train, name)
    if train.steps_per_cycle is not None and train.calibrated_steps is None:
        v["calibrated_steps"] = round(
            preset["calibrated_steps"] * v["steps_per_cycle"] / preset["steps_per_cycle"]
        )
    if v["frequency"] == "temporal" and train.phi is None:
        v["phi"] = None  # the preset's phi is a feature-axis coefficient index; on the time axis split at b//2
    if v["gate"] == "released":
        t, th = method.released_gate[dataset.num_classes >= 120]
        v["gate_temperature"] = t if train.gate_temperature is None else train.gate_temperature
        v["gate_threshold"] = th if train.gate_threshold is None else train.gate_threshold
    _check(v, train)
    return Hyper(
        method=train.method,
        preset=train.preset,
        fields=tuple(train.fields) + (BODY_PARTS if method.part_texts else ()),
        schedule=method.schedule(base, v, preset["steps_per_cycle"]),
        **v,
    )


def candidates(train: TrainConfig, dataset: Dataset) -> list[Hyper]:
    """The tuned preset's candidates when train.carve_search is on: each point of TUNED_GRID resolved over
    the preset, a value the user set kept (so setting one drops that axis of the search); none otherwise,
    and none for the other presets and the closed forms, whose own candidates are their cycles."""
    if train.preset != TUNED or not train.carve_search or not get_method(train.method).trained:
        return []
    out: list[Hyper] = []
    for point in TUNED_GRID:
        hp = resolve(
            dataclasses.replace(train, **{k: v for k, v in point.items() if getattr(train, k) is None}), dataset
        )
        if hp not in out:
            out.append(hp)
    return out


def _check(v: dict[str, Any], train: TrainConfig) -> None:
    choices = {
        "frequency": FREQUENCY_MODES,
        "sampler": SAMPLERS,
        "select": SELECTIONS,
        "scorer": SCORERS,
        "gate": GATES,
        "gate_input": GATE_INPUTS,
    }
    for name, allowed in choices.items():
        if v[name] not in allowed:
            raise PipelineError(f"train.{name} {v[name]!r}: choose one of {', '.join(allowed)}")
    if v["select"] == "average" and not METHODS[train.method].trained:
        raise PipelineError(
            f"train.select = average: method {train.method} trains no cycles (its candidates are chosen on "
            f"the validation carve); leave train.select unset"
        )
    if v["scorer"] == "text" and not METHODS[train.method].trained:
        raise PipelineError(
            f"train.scorer = text: method {train.method} has no text decoder (it scores in the text space "
            f"already); leave train.scorer unset"
        )
    if train.seeds < 1:
        raise PipelineError(f"train.seeds = {train.seeds}: must be at least 1")
    bad = [f for f in train.fields if f not in FIELDS]
    if bad or not train.fields or len(set(train.fields)) != len(train.fields):
        raise PipelineError(f"train.fields {list(train.fields)}: a non-empty subset of {', '.join(FIELDS)}")
    for name in (
        "bands",
        "latent_dim",
        "batch_size",
        "cycles",
        "steps_per_cycle",
        "classifier_samples",
        "classifier_epochs",
    ):
        if int(v[name]) < 1:
            raise PipelineError(f"train.{name} = {v[name]}: must be at least 1")
    for name in ("lr", "lam", "classifier_lr"):
        if v[name] <= 0:
            raise PipelineError(f"train.{name} = {v[name]}: must be positive")
    if v["hidden_dim"] < 0 or v["alpha"] < 0 or v["strength"] < 0 or v["weight_decay"] < 0:
        raise PipelineError(
            "train.hidden_dim, train.alpha, train.strength and train.weight_decay must not be negative"
        )
    if not 0 <= v["calibrated_steps"] <= v["steps_per_cycle"]:
        raise PipelineError(
            f"train.calibrated_steps = {v['calibrated_steps']}: must be between 0 and "
            f"train.steps_per_cycle ({v['steps_per_cycle']})"
        )
    if not 0 <= v["burn_in"] < 1:
        raise PipelineError(
            f"train.burn_in = {v['burn_in']}: the share of the first cycles left out of the average, in [0, 1)"
        )
    if v["phi"] is not None and v["phi"] < 0:
        raise PipelineError(f"train.phi = {v['phi']}: a DCT coefficient index, at least 0")
    if METHODS[train.method].inputs == "projection" and tuple(train.fields) != tuple(FIELDS):
        raise PipelineError(
            f"train.fields {list(train.fields)}: method {train.method} scores the text its backbone learned "
            f"against, fused over every field; leave train.fields at {list(FIELDS)}"
        )
    split = METHODS[train.method].split_latent
    if split and (v["irrelevant_dim"] < 1 or v["discriminator_every"] < 1):
        raise PipelineError(
            f"train.irrelevant_dim = {v['irrelevant_dim']}, train.discriminator_every = "
            f"{v['discriminator_every']}: SA-DVAE needs both at least 1"
        )
    if not split and (v["irrelevant_dim"] or v["discriminator_every"]):
        raise PipelineError(
            f"train.irrelevant_dim and train.discriminator_every are SA-DVAE's; method "
            f"{train.method} has no semantic-irrelevant latent (leave them unset)"
        )
    if v["gate_temperature"] < 0 or not 0 <= v["gate_threshold"] < 1:
        raise PipelineError("train.gate_temperature must be >= 0 and train.gate_threshold in [0, 1) (0: search)")

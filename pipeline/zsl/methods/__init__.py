"""The zero-shot methods, one module each, behind one small interface: a `Method` in `METHODS`.

A method brings its presets (each a pair of value tables: for datasets under 120 classes and for the
larger ones), its loss-weight schedule, the released scripts' gate, and what kind of model it trains.
The trainer, the protocol, the presets' resolution and predict ask the registry, never the method's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError
from pipeline.zsl.schedule import Ramp

Values = dict[str, Any]
# A method that trains nothing: (branch, latent subsample or None) -> one CycleEval per "cycle"
# (protocol.py), and (branch, selected "cycle") -> the tensors it saves for `zssar predict`.
Outputs = Callable[[Any, Any], list[Any]]
Weights = Callable[[Any, int], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    name: str
    presets: dict[str, tuple[Values, Values]]  # preset -> (values under 120 classes, 120 and over)
    schedule: Callable[[str, Values, int], dict[str, Ramp]]  # (preset, resolved values, preset's cycle length)
    released_gate: tuple[tuple[float, float], tuple[float, float]]  # (t, th) of the scripts, small and large
    trained: bool = True  # False: a closed form (ridge, direct), whose "cycles" index its candidates
    split_latent: bool = False  # SA-DVAE: skeleton latent z_r + z_v, and a total-correlation discriminator
    # what of a feature part it reads: the pooled `feature`, the `projection`, the `descriptor` or `bodyparts`
    inputs: str = "feature"
    # its text table adds a field per body part (pipeline.bodyparts) after train.fields (method `bodyparts`)
    part_texts: bool = False
    outputs: Outputs | None = None  # trained=False: its evaluations (see Outputs)
    weights: Weights | None = None  # trained=False: what it saves (see Weights)
    tuned: Values | None = None  # the `tuned` preset's values where this method departs from common.TUNED_VALUES
    tuned_base: str = "released"  # the preset whose values and schedule `tuned` starts from


def _registry() -> dict[str, Method]:
    from pipeline.zsl.methods import bodyparts, cadavae, descriptor, direct, fsvae, fusion, msf, ridge, sadvae

    methods = (
        fsvae.METHOD,
        cadavae.METHOD,
        msf.METHOD,
        sadvae.METHOD,
        ridge.METHOD,
        direct.METHOD,
        fusion.METHOD,
        descriptor.METHOD,
        bodyparts.METHOD,
    )
    return {m.name: m for m in methods}


METHODS: dict[str, Method] = _registry()


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise PipelineError(f"train.method {name!r}: choose one of {', '.join(METHODS)}")
    return METHODS[name]

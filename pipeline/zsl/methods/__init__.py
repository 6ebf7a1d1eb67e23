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
    # raised when what the method computes changes under the same settings: past 1 it enters the keys of
    # its results and saved models (`revision_key`), so that no cached result of the old code is served
    revision: int = 1


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


def revision_key(name: str) -> dict[str, int]:
    """What a method's revision adds to its result and model keys: nothing at revision 1, so that the keys
    of every method whose code never changed stay those of their cached results."""
    revision = get_method(name).revision
    return {"revision": revision} if revision > 1 else {}


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise PipelineError(f"train.method {name!r}: choose one of {', '.join(METHODS)}")
    return METHODS[name]

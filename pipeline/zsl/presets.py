"""Hyperparameter presets, and the resolution of a `TrainConfig` against them.

The FS-VAE paper's table and its released scripts disagree, so both are offered (docs/architecture.md, "Presets"):
`released` reproduces the scripts (wenhanwu95/FS-VAE: fsvae_60.sh, fsvae_120.sh, train.py, model.py) and
`paper` the values the paper states. For `cadavae`, `released` is the CADA-VAE authors' released code
(edgarschnfld/CADA-VAE-PyTorch, single_experiment.py) and `paper` the SynSE script behind the CADA-VAE rows
of the skeleton tables (skelemoa/synse-zsl, cada_vae/cada_vae_training.py). For `msf`, `released` is
EHZ9NIWI7/MSF-GZSSAR (train.py, run60.sh, run120.sh) and `paper` adds the distribution alignment the MSF paper
(ICIG 2023) describes; for `sadvae`, `released` is pha123661/SA-DVAE (train.py, model.py,
scripts/train_eval_synse_split.sh), which the paper (ECCV 2024) describes without stating other values. A
preset is chosen per method, preset name and dataset size (NTU-120 values for datasets of 120 or more
classes); a field the user set (not None) wins.

Loss weights follow schedules (`Ramp`) written as fractions of a cycle (or of the whole run), so a
shortened schedule (`train.steps_per_cycle=200`, as the demo uses) keeps the released shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline.artifacts.text_features import FIELDS
from pipeline.catalog import Dataset
from pipeline.errors import PipelineError
from pipeline.zsl.ridge import PENALTIES
from pipeline.zsl.settings import TrainConfig

METHODS = ("fsvae", "cadavae", "msf", "sadvae", "ridge")
PRESETS = ("released", "paper")
FREQUENCY_MODES = ("feature", "temporal", "off")
SAMPLERS = ("replacement", "fresh", "epoch")
GATES = ("balanced", "released")


@dataclass(frozen=True)
class Ramp:
    """A loss weight: 0 until `on`, then rising linearly from 0 at `start` to `value` at `end` (a step to
    `value` when end <= start). Positions are fractions of a cycle (`per="cycle"`, restarting every
    cycle) or of the whole run (`per="run"`); the weight is 0 in cycles before `from_cycle`."""

    value: float
    start: float = 0.0
    end: float = 0.0
    on: float | None = None
    per: str = "cycle"
    from_cycle: int = 0

    def at(self, cycle: int, step: int, steps_per_cycle: int, cycles: int) -> float:
        if self.value == 0.0 or cycle < self.from_cycle:
            return 0.0
        x = step / steps_per_cycle if self.per == "cycle" else (cycle * steps_per_cycle + step) / (
            cycles * steps_per_cycle)
        if x <= (self.start if self.on is None else self.on) + 1e-9:  # at the switch-on step itself: still off
            return 0.0
        if self.end <= self.start:
            return self.value
        return self.value * min(max((x - self.start) / (self.end - self.start), 0.0), 1.0)


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
    batch_size: int
    sampler: str                    # replacement | fresh (a new permutation every step) | epoch (see train.py)
    lr: float
    cycles: int
    steps_per_cycle: int
    calibrated_steps: int
    lam: float
    skeleton_negative: bool         # the calibrated loss's skeleton side has a negative (paper) or not (released)
    alpha: float
    irrelevant_dim: int             # SA-DVAE: size of the skeleton latent's semantic-irrelevant part z_v
    discriminator_every: int        # SA-DVAE: steps between updates of the total-correlation discriminator
    discriminator_always: bool      # SA-DVAE: D steps on its turn even while its weight is 0 (as released)
    classifier_samples: int
    classifier_epochs: int
    classifier_lr: float
    classifier_relu: bool           # the ZSL classifier's logits pass a ReLU (the released MLP) or stay linear
    gate: str                       # balanced | released (see gate.py)
    gate_temperature: float
    gate_threshold: float
    recon: str                      # mse (mean over elements) | l1 (summed over features, CADA-VAE)
    schedule: dict[str, Ramp]       # beta_s, beta_t, align, cross, da; tc (SA-DVAE)

    def weights(self, cycle: int, step: int) -> dict[str, float]:
        return {name: r.at(cycle, step, self.steps_per_cycle, self.cycles) for name, r in self.schedule.items()}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# Where a paper states nothing about these, the `paper` presets keep this trainer's own choices: batches drawn
# with replacement, the symmetric calibrated loss, a linear ZSL classifier, a discriminator idle while its weight
# is 0. The `released` presets set each as their script does.
TRAINER_CHOICES = dict(sampler="replacement", skeleton_negative=True, classifier_relu=False,
                       discriminator_always=False)

# --- FS-VAE -------------------------------------------------------------------------------------------
FSVAE_RELEASED_60 = dict(
    frequency="feature",       # model.py Encoder.dct_enhance, on the input of both encoders
    calibrated=True,           # fsvae_60.sh --use_cr_fact 1
    bands=30,                  # model.py num_freq_bands=30
    strength=0.3,              # model.py k=0.3 (learned, times per-band weights initialised to 1)
    phi=30,                    # model.py split_freq=30: a band is low when its last coefficient index <= 30
    latent_dim=100,            # fsvae_60.sh ls=100
    hidden_dim=0,              # train.py Encoder([256, latent]): no hidden layer
    batch_size=64,             # train.py get_train_loader(64, 0)
    sampler="fresh",           # train.py 169: next(iter(train_loader)), shuffle=True: 64 distinct samples a step
    lr=1e-4,                   # train.py Adam lr 0.0001
    cycles=10,                 # fsvae_60.sh nc=10
    steps_per_cycle=1700,      # fsvae_60.sh nepc=1700 (one batch per "epoch")
    calibrated_steps=300,      # train.py cr_fact_epoch = 1400 for 1700-step cycles
    lam=100.0,                 # fsvae_60.sh --lmd 100
    skeleton_negative=False,   # train.py 223-235: s_cali has no negative pair (s_perm drawn, unused)
    alpha=0.5,                 # fsvae_60.sh --alpha 0.5
    irrelevant_dim=0,          # no semantic-irrelevant latent (SA-DVAE only)
    discriminator_every=0,     # no discriminator (SA-DVAE only)
    discriminator_always=False,
    classifier_samples=500,    # train.py train_classifier: 500 latents per unseen class
    classifier_epochs=300,     # train.py: 300 full-batch steps
    classifier_lr=1e-3,        # train.py: Adam lr 0.001
    classifier_relu=True,      # train.py 287 MLP([latent, ss]), model.py 92-105: Linear + ReLU
    gate="balanced",           # `train.gate=released` gives gating_train.py's gate, t=2, th=50 (fsvae_60.sh)
    gate_temperature=0.0,      # searched (gating_train.py searches 1..9 when --t 0; fsvae_60.sh fixes t=2)
    gate_threshold=0.0,        # searched (0.25..0.74 when --th 0; fsvae_60.sh fixes th=50)
    recon="mse",               # train.py nn.MSELoss()
)
FSVAE_RELEASED_120 = FSVAE_RELEASED_60 | dict(
    latent_dim=200,            # fsvae_120.sh ls=200
    steps_per_cycle=1900,      # fsvae_120.sh nepc=1900
    calibrated_steps=400,      # train.py cr_fact_epoch = 1500 otherwise
    alpha=0.1,                 # fsvae_120.sh --alpha 0.1
)
FSVAE_PAPER_60 = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(
    steps_per_cycle=1900,      # paper: 1900 steps per cycle
    calibrated_steps=400,      # the released code's value for 1900-step cycles
    alpha=0.1,                 # paper: alpha = 0.1
    phi=35,                    # paper: phi = 35, read as a DCT coefficient index like split_freq
)
FSVAE_PAPER_120 = FSVAE_RELEASED_120 | TRAINER_CHOICES | dict(phi=35)  # paper: phi = 35

# --- CADA-VAE -----------------------------------------------------------------------------------------
CADAVAE_RELEASED_60 = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(
    frequency="off", calibrated=False,
    sampler="fresh",           # data_loader.py next_batch: torch.randperm(ntrain)[0:batch_size] every step
    recon="l1",                # single_experiment.py 'loss': 'l1' (summed; here per sample, averaged)
)
# NTU-120: CADA-VAE's code has no NTU-120 setting; the latent size and cycle length are those every
# NTU-120 script of this family uses (fsvae_120.sh ls=200 nepc=1900, train.py cr_fact_epoch=1500), so the
# methods compare on equal budgets.
CADAVAE_RELEASED_120 = CADAVAE_RELEASED_60 | dict(latent_dim=200, steps_per_cycle=1900, calibrated_steps=400)
# cada_vae_training.py: the same 1700-step cycles, latent size and optimiser as the FS-VAE scripts
CADAVAE_PAPER_60 = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(frequency="off", calibrated=False)
CADAVAE_PAPER_120 = CADAVAE_PAPER_60 | dict(latent_dim=200, steps_per_cycle=1900, calibrated_steps=400)

# MSF-GZSSAR and SA-DVAE: no frequency module, no calibrated loss (their train.py aligns by
# cross-reconstruction); the band settings are FS-VAE's, for `train.frequency=feature` ablations.
CROSS_RECONSTRUCTION_PAIR = dict(frequency="off", calibrated=False, bands=30, strength=0.3, phi=30)

# --- MSF-GZSSAR ---------------------------------------------------------------------------------------
# A VAE pair trained like SynSE's CADA-VAE script, on three kinds of class text: label, action description
# (our GD) and motion description (our LD), i.e. the default fused text, train.fields = label, local, global.
MSF_RELEASED_60 = CROSS_RECONSTRUCTION_PAIR | dict(
    latent_dim=100,            # run60.sh ls=100
    hidden_dim=0,              # train.py Encoder([256, latent_size]): no hidden layer
    batch_size=64,             # train.py get_train_loader(64, 0)
    sampler="fresh",           # train.py: next(iter(train_loader)) every step, as FS-VAE's
    lr=1e-4,                   # train.py Adam lr 0.0001
    cycles=10,                 # run60.sh nc=10
    steps_per_cycle=1700,      # run60.sh nepc=1700 (one batch per "epoch")
    calibrated_steps=300,      # train.py cr_fact_epoch = 1400: cross-reconstruction in the last 300 steps
    lam=100.0,                 # unused (calibrated off); FS-VAE's value, for `train.calibrated=true` ablations
    skeleton_negative=True,    # unused, as lam: the paper's symmetric loss for those ablations
    alpha=0.5,                 # unused, as lam
    irrelevant_dim=0,          # SA-DVAE only
    discriminator_every=0,     # SA-DVAE only
    discriminator_always=False,
    classifier_samples=500,    # train.py train_classifier: 500 latents per unseen class
    classifier_epochs=300,     # train.py: 300 full-batch steps
    classifier_lr=1e-3,        # train.py: Adam lr 0.001
    # train.py MLP([latent_size, ss]) from a model.py the repository lacks; FS-VAE's train.py, which is this one
    # plus the calibrated loss, imports the same name from its model.py 92-99: Linear + ReLU
    classifier_relu=True,
    gate="balanced",           # `train.gate=released`: gating_train.py's gate with run60.sh's t=2, th=50
    gate_temperature=0.0,      # searched, as for every method (run60.sh fixes t=2)
    gate_threshold=0.0,        # searched (run60.sh fixes th=50)
    recon="mse",               # train.py nn.MSELoss()
)
MSF_RELEASED_120 = MSF_RELEASED_60 | dict(
    latent_dim=200,            # run120.sh ls=200
    steps_per_cycle=1900,      # run120.sh nepc=1900
    calibrated_steps=400,      # train.py cr_fact_epoch = 1500 otherwise
)
# The paper's generative module is CADA-VAE's: cross-reconstruction plus distribution alignment (the released
# train.py has no alignment term). It states no weight for it that we could source: MSF_PAPER_DELTA, in the
# cross-reconstruction's window and with its weight (1), stands in until a stated value replaces it.
MSF_PAPER_60 = MSF_RELEASED_60 | TRAINER_CHOICES
MSF_PAPER_120 = MSF_RELEASED_120 | TRAINER_CHOICES
MSF_PAPER_DELTA = 1.0

# --- SA-DVAE ------------------------------------------------------------------------------------------
# The values of scripts/train_eval_synse_split.sh (the SynSE splits). Its text is the label alone, embedded
# by stsb-bert-large (tm=lb); here the fused text of train.fields is the default, as for every method.
SADVAE_RELEASED_60 = CROSS_RECONSTRUCTION_PAIR | dict(
    latent_dim=160,            # ntu60 ls=160: z_r, and the text latent z_t
    irrelevant_dim=8,          # ntu60 ils=8: z_v
    hidden_dim=0,              # train.py Encoder([256, ls + ils]): no hidden layer
    batch_size=32,             # ntu60 batch_size=32
    sampler="epoch",           # train.py: for i, (inputs, target) in enumerate(train_loader), shuffle=True
    lr=3.389022400898623e-05,  # ntu60 lr (both optimisers: VAEs and discriminator)
    cycles=10,                 # nc=10
    # nepc=1700, the unit of train.py's KL ramps. The released cycle is one pass over the training set
    # (len(train_loader) batches of 32, about a thousand on NTU-60), the ramps rescaled to it; here every
    # method's cycle has a fixed length, so small datasets train as long as NTU does.
    steps_per_cycle=1700,
    calibrated_steps=340,      # train.py cr_fact_iter = int(0.8 * len(train_loader)): the last 20% of a cycle
    lam=100.0,                 # unused (calibrated off); FS-VAE's value, for `train.calibrated=true` ablations
    skeleton_negative=True,    # unused, as lam
    alpha=0.5,                 # unused, as lam
    discriminator_every=5,     # ntu60 dis_step=5
    # train.py 150-196: dis_step counts down every iteration and D's Adam steps on kld_loss_factor_2 * loss_dis,
    # a zero loss (zero gradients, moments decaying, step count rising) before that weight switches on
    discriminator_always=True,
    classifier_samples=500,    # train.py train_classifier: 500 latents per unseen class
    classifier_epochs=300,     # train.py: 300 full-batch steps
    classifier_lr=1e-3,        # train.py: Adam lr 0.001
    classifier_relu=True,      # train.py train_classifier MLP([latent, ss]), model.py MLP: Linear + ReLU
    gate="balanced",           # `train.gate=released`: its gating_train.py with the script's t and th
    gate_temperature=0.0,      # ntu60 t=0: searched
    gate_threshold=0.0,        # ntu60 th=0: searched
    recon="mse",               # train.py nn.MSELoss()
)
SADVAE_RELEASED_120 = SADVAE_RELEASED_60 | dict(
    latent_dim=256,            # ntu120 ls=256
    irrelevant_dim=32,         # ntu120 ils=32
    lr=3.4779964302664534e-05,  # ntu120 lr
    discriminator_every=4,     # ntu120 dis_step=4
    # ntu120 fixes the gate (th=50, t=2); searched here, as for every method
)
# the paper's training is the released one; it states no other values, so the trainer's own choices apply
SADVAE_PAPER_60 = SADVAE_RELEASED_60 | TRAINER_CHOICES
SADVAE_PAPER_120 = SADVAE_RELEASED_120 | TRAINER_CHOICES

# --- ridge baseline (pipeline/zsl/ridge.py): no training; its "cycles" index the penalty grid ----------
RIDGE = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(frequency="off", calibrated=False, cycles=len(PENALTIES))

# `train.gate=released`: the scripts' gate temperature and threshold (0: searched), NTU-60 and NTU-120 values.
# CADA-VAE's code has no gate (one classifier over all classes); its rows use the search, as SynSE's gating does.
RELEASED_GATE = {
    "fsvae": ((2.0, 0.5), (2.0, 0.5)),    # fsvae_60.sh, fsvae_120.sh: th=50 t=2
    "msf": ((2.0, 0.5), (2.0, 0.5)),      # run60.sh, run120.sh: th=50 t=2
    "sadvae": ((0.0, 0.0), (2.0, 0.5)),   # train_eval_synse_split.sh: ntu60 th=0 t=0, ntu120 th=50 t=2
    "cadavae": ((0.0, 0.0), (0.0, 0.0)),
    "ridge": ((0.0, 0.0), (0.0, 0.0)),
}

TABLE = {
    ("fsvae", "released"): (FSVAE_RELEASED_60, FSVAE_RELEASED_120),
    ("fsvae", "paper"): (FSVAE_PAPER_60, FSVAE_PAPER_120),
    ("cadavae", "released"): (CADAVAE_RELEASED_60, CADAVAE_RELEASED_120),
    ("cadavae", "paper"): (CADAVAE_PAPER_60, CADAVAE_PAPER_120),
    ("msf", "released"): (MSF_RELEASED_60, MSF_RELEASED_120),
    ("msf", "paper"): (MSF_PAPER_60, MSF_PAPER_120),
    ("sadvae", "released"): (SADVAE_RELEASED_60, SADVAE_RELEASED_120),
    ("sadvae", "paper"): (SADVAE_PAPER_60, SADVAE_PAPER_120),
    ("ridge", "released"): (RIDGE, RIDGE),
    ("ridge", "paper"): (RIDGE, RIDGE),
}


def _schedule(method: str, preset: str, v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    """The loss-weight schedule; `base_steps` is the preset's cycle length, the unit of its step counts."""
    window = 1.0 - v["calibrated_steps"] / v["steps_per_cycle"]  # the last calibrated_steps of a cycle
    step = 1.0 / base_steps
    if method == "cadavae" and preset == "released":
        # single_experiment.py warm-ups over 100 epochs: beta 0->0.25 over 0-93, cross-reconstruction
        # 0->2.37 over 21-75, distance 0->8.13 over 6-22; the same KL weight for both modalities.
        return {"beta_s": Ramp(0.25, 0.0, 0.93, per="run"), "beta_t": Ramp(0.25, 0.0, 0.93, per="run"),
                "align": Ramp(0.0), "cross": Ramp(2.37, 0.21, 0.75, per="run"),
                "da": Ramp(8.13, 0.06, 0.22, per="run")}
    # train.py / cada_vae_training.py: k_fact = max(0.1 * (j - 1000) / 3000, 0) at step j of a cycle
    beta_s = Ramp(0.1, 1000 * step, 4000 * step)
    align = Ramp(v["alpha"] if v["calibrated"] else 0.0, window, window)
    if method in ("msf", "sadvae"):
        # MSF train.py: k_fact2 = max(0.1 * (j - cr_fact_epoch) / 3000, 0) * (cycle_num > 1), cross-reconstruction
        # cr_fact = 1 * (j > cr_fact_epoch). SA-DVAE train.py: the same in units of len(train_loader) / 1700 (its
        # kld_loss_factor_2 also scales the TC penalty and the discriminator's loss, kld_loss_factor the KL of
        # both skeleton parts z_r and z_v), cross_alignment_loss_factor = 1 * (i > cr_fact_iter).
        text_kl = Ramp(0.1, window, window + 3000 * step, from_cycle=2)
        delta = MSF_PAPER_DELTA if method == "msf" and preset == "paper" else 0.0
        return {"beta_s": beta_s, "beta_t": text_kl, "align": align, "cross": Ramp(1.0, window, window),
                "da": Ramp(delta, window, window), "tc": text_kl if method == "sadvae" else Ramp(0.0)}
    if method == "fsvae":
        return {"beta_s": beta_s,
                # train.py: k_fact2 = max(0.1 * (j - cr_fact_epoch) / 3000, 0) * (cycle_num > 1)
                "beta_t": Ramp(0.1, window, window + 3000 * step, from_cycle=2),
                # train.py: coef = lmd * alpha * cr_fact, cr_fact = 1 * (j > cr_fact_epoch)
                "align": align, "cross": Ramp(0.0), "da": Ramp(0.0)}
    # cada_vae_training.py: k_fact2 = k_fact * (j > cr_fact_epoch); cross-reconstruction weight
    # cr_fact = 1 * (j > cr_fact_epoch); distance weight lw_fact = 0
    return {"beta_s": beta_s, "beta_t": Ramp(0.1, 1000 * step, 4000 * step, on=window),
            "align": align, "cross": Ramp(1.0, window, window), "da": Ramp(0.0)}


def resolve(train: TrainConfig, dataset: Dataset) -> Hyper:
    """The preset's values for this method and dataset, overridden by every field the user set."""
    if train.method not in METHODS:
        raise PipelineError(f"train.method {train.method!r}: choose one of {', '.join(METHODS)}")
    if train.preset not in PRESETS:
        raise PipelineError(f"train.preset {train.preset!r}: choose one of {', '.join(PRESETS)}")
    small, large = TABLE[(train.method, train.preset)]
    preset = large if dataset.num_classes >= 120 else small
    v = dict(preset)
    for name in preset:
        if name != "recon" and getattr(train, name) is not None:
            v[name] = getattr(train, name)
    if train.steps_per_cycle is not None and train.calibrated_steps is None:
        v["calibrated_steps"] = round(preset["calibrated_steps"] * v["steps_per_cycle"] / preset["steps_per_cycle"])
    if v["frequency"] == "temporal" and train.phi is None:
        v["phi"] = None  # the preset's phi is a feature-axis coefficient index; on the time axis split at b//2
    if v["gate"] == "released":
        t, th = RELEASED_GATE[train.method][dataset.num_classes >= 120]
        v["gate_temperature"] = t if train.gate_temperature is None else train.gate_temperature
        v["gate_threshold"] = th if train.gate_threshold is None else train.gate_threshold
    _check(v, train)
    return Hyper(method=train.method, preset=train.preset, fields=tuple(train.fields),
                 schedule=_schedule(train.method, train.preset, v, preset["steps_per_cycle"]), **v)


def _check(v: dict[str, Any], train: TrainConfig) -> None:
    if v["frequency"] not in FREQUENCY_MODES:
        raise PipelineError(f"train.frequency {v['frequency']!r}: choose one of {', '.join(FREQUENCY_MODES)}")
    if v["sampler"] not in SAMPLERS:
        raise PipelineError(f"train.sampler {v['sampler']!r}: choose one of {', '.join(SAMPLERS)}")
    if v["gate"] not in GATES:
        raise PipelineError(f"train.gate {v['gate']!r}: choose one of {', '.join(GATES)}")
    if train.seeds < 1:
        raise PipelineError(f"train.seeds = {train.seeds}: must be at least 1")
    bad = [f for f in train.fields if f not in FIELDS]
    if bad or not train.fields or len(set(train.fields)) != len(train.fields):
        raise PipelineError(f"train.fields {list(train.fields)}: a non-empty subset of {', '.join(FIELDS)}")
    for name in ("bands", "latent_dim", "batch_size", "cycles", "steps_per_cycle", "classifier_samples",
                 "classifier_epochs"):
        if int(v[name]) < 1:
            raise PipelineError(f"train.{name} = {v[name]}: must be at least 1")
    for name in ("lr", "lam", "classifier_lr"):
        if v[name] <= 0:
            raise PipelineError(f"train.{name} = {v[name]}: must be positive")
    if v["hidden_dim"] < 0 or v["alpha"] < 0 or v["strength"] < 0:
        raise PipelineError("train.hidden_dim, train.alpha and train.strength must not be negative")
    if not 0 <= v["calibrated_steps"] <= v["steps_per_cycle"]:
        raise PipelineError(f"train.calibrated_steps = {v['calibrated_steps']}: must be between 0 and "
                            f"train.steps_per_cycle ({v['steps_per_cycle']})")
    if v["phi"] is not None and v["phi"] < 0:
        raise PipelineError(f"train.phi = {v['phi']}: a DCT coefficient index, at least 0")
    if train.method == "sadvae" and (v["irrelevant_dim"] < 1 or v["discriminator_every"] < 1):
        raise PipelineError(f"train.irrelevant_dim = {v['irrelevant_dim']}, train.discriminator_every = "
                            f"{v['discriminator_every']}: SA-DVAE needs both at least 1")
    if train.method != "sadvae" and (v["irrelevant_dim"] or v["discriminator_every"]):
        raise PipelineError(f"train.irrelevant_dim and train.discriminator_every are SA-DVAE's; method "
                            f"{train.method} has no semantic-irrelevant latent (leave them unset)")
    if v["gate_temperature"] < 0 or not 0 <= v["gate_threshold"] < 1:
        raise PipelineError("train.gate_temperature must be >= 0 and train.gate_threshold in [0, 1) (0: search)")

"""Configuration of the zero-shot trainer (`zssar train`).

A field left at None takes its value from the preset (`pipeline.zsl.presets`: `released`, `paper`), chosen
per method and dataset size; a value set in the config file or on the command line wins over the preset.
The resolved values are what every result records.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainConfig:
    method: str = "fsvae"  # fsvae | cadavae | msf | sadvae | ridge | direct | fusion
    preset: str = "released"  # released | paper | tuned
    seeds: int = 1  # runs seed = cfg.seed + i for i < seeds
    fields: list[str] = field(default_factory=lambda: ["label", "local", "global"])  # text fields fused into f_t
    # ablation switches
    frequency: str | None = None  # feature | temporal | off
    calibrated: bool | None = None  # the calibrated alignment loss on/off
    # Frequency Enhanced module
    bands: int | None = None  # b
    strength: float | None = None  # k, initial learned strength
    phi: int | None = None  # low/high split as a DCT coefficient index; none in the preset: b//2 bands
    # VAEs and optimisation
    latent_dim: int | None = None
    hidden_dim: int | None = None  # 0: linear encoders, as released
    standardise: bool | None = None  # the skeleton encoder reads its input standardised per feature by the
    # training inputs' mean and std (as ridge does); off as released
    batch_size: int | None = None
    sampler: str | None = None  # replacement | fresh (a new permutation every step) | epoch (passes)
    lr: float | None = None
    weight_decay: float | None = None  # L2 penalty on every VAE weight, in Adam's gradient (0 as released)
    cycles: int | None = None
    steps_per_cycle: int | None = None
    calibrated_steps: int | None = None  # alignment window: the calibrated loss (FS-VAE) or the cross-
    # reconstruction (MSF, SA-DVAE) is on in a cycle's last this-many steps
    lam: float | None = None  # lambda, temperature of the calibrated loss
    skeleton_negative: bool | None = None  # the calibrated loss's skeleton side has a negative pair (the text side
    # always does): the paper's symmetric loss; the released code has none
    alpha: float | None = None  # weight of L_align
    # SA-DVAE: the skeleton latent's semantic-irrelevant part z_v and its total-correlation discriminator
    irrelevant_dim: int | None = None  # size of z_v (z_r has latent_dim); 0 for the other methods
    discriminator_every: int | None = None  # the discriminator takes a step every this-many steps
    discriminator_always: bool | None = None  # it steps on its turn even while its loss weight is 0 (as released)
    # what a seed reports: carve (the cycle that scores best on the validation carve) | average (the ZSL
    # log-probabilities of every cycle averaged: an ensemble of the cycles' models, no pick at all)
    select: str | None = None
    # with select = average, the share of the first cycles left out of the average (0 <= burn_in < 1; the last
    # cycle always counts): snapshots taken before a method's warm-ups finish are averaged in otherwise
    burn_in: float | None = None
    # the tuned preset's search: per seed, the validation model trains for each point of TUNED_GRID
    # (methods/common.py) and the carve's best is kept. Off by default: under the text scorer the carve
    # cannot tell the points apart, and its picks lost on the unseen test (bench/NOTES.md)
    carve_search: bool = False
    # ZSL classifier
    classifier_samples: int | None = None  # latents sampled per unseen class
    classifier_epochs: int | None = None
    classifier_lr: float | None = None
    classifier_relu: bool | None = None  # a ReLU on the logits (the released MLP), in training and prediction
    # how a skeleton latent is scored against the unseen classes: classifier (the released softmax classifier
    # on sampled text latents) | text (the latent decoded into the text space by the text decoder, cosine with
    # each class's text, both centred on the mean seen-class text; pipeline/zsl/classifier.py)
    scorer: str | None = None
    text_decoder_relu: bool | None = None  # the text decoder's output passes a ReLU, as released; text vectors
    # are signed, so a linear output reconstructs them whole (and the text scorer reads that reconstruction)
    # GZSL gate: 0 searches the value on the validation carve
    # balanced (class-balanced, scored by routing H on a 20% hold-out) | crossval (the same, t and th chosen
    # by 5-fold cross-validation on every carve clip) | released (the scripts')
    gate: str | None = None
    gate_temperature: float | None = None
    gate_threshold: float | None = None
    # whose ZSL probabilities the gate reads: own (the method's, as released) | ridge (a ridge map's on the same
    # features, whatever method classifies the unseen-routed clips; pipeline/zsl/gate.py)
    gate_input: str | None = None
    device: str = "auto"  # auto (cfg.device, then cuda if available), cpu, cuda, cuda:1, ...
    threads: int = 1  # CPU threads for torch; small matmuls run fastest on one (0: torch default)
    processes: int = 2  # CPU: 2 trains the validation-carve model in a second process, 1 in this one

"""SA-DVAE (ECCV 2024): the skeleton latent split into a semantic-related part z_r (aligned with the text by
cross-reconstruction) and a semantic-irrelevant part z_v, kept independent by a total-correlation
discriminator. `released`: pha123661/SA-DVAE (train.py, model.py, scripts/train_eval_synse_split.sh)."""

from __future__ import annotations

from typing import Any

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.common import CROSS_RECONSTRUCTION_PAIR, TRAINER_CHOICES
from pipeline.zsl.methods.msf import pair_schedule
from pipeline.zsl.schedule import Ramp

# The values of scripts/train_eval_synse_split.sh (the SynSE splits). Its text is the label alone, embedded
# by stsb-bert-large (tm=lb); here the fused text of train.fields is the default, as for every method.
SADVAE_RELEASED_60 = CROSS_RECONSTRUCTION_PAIR | dict(
    latent_dim=160,  # ntu60 ls=160: z_r, and the text latent z_t
    irrelevant_dim=8,  # ntu60 ils=8: z_v
    hidden_dim=0,  # train.py Encoder([256, ls + ils]): no hidden layer
    standardise=False,  # the features as they come
    batch_size=32,  # ntu60 batch_size=32
    sampler="epoch",  # train.py: for i, (inputs, target) in enumerate(train_loader), shuffle=True
    lr=3.389022400898623e-05,  # ntu60 lr (both optimisers: VAEs and discriminator)
    weight_decay=0.0,  # train.py: optim.Adam(params, lr) without weight decay
    cycles=10,  # nc=10
    # nepc=1700, the unit of train.py's KL ramps. The released cycle is one pass over the training set
    # (len(train_loader) batches of 32, about a thousand on NTU-60), the ramps rescaled to it; here every
    # method's cycle has a fixed length, so small datasets train as long as NTU does.
    steps_per_cycle=1700,
    calibrated_steps=340,  # train.py cr_fact_iter = int(0.8 * len(train_loader)): the last 20% of a cycle
    lam=100.0,  # unused (calibrated off); FS-VAE's value, for `train.calibrated=true` ablations
    skeleton_negative=True,  # unused, as lam
    alpha=0.5,  # unused, as lam
    discriminator_every=5,  # ntu60 dis_step=5
    # train.py 150-196: dis_step counts down every iteration and D's Adam steps on kld_loss_factor_2 * loss_dis,
    # a zero loss (zero gradients, moments decaying, step count rising) before that weight switches on
    discriminator_always=True,
    select="carve",  # one cycle reported (chosen on the validation carve)
    burn_in=0.0,  # with select=average (the project's, not the scripts'), every cycle averaged
    classifier_samples=500,  # train.py train_classifier: 500 latents per unseen class
    classifier_epochs=300,  # train.py: 300 full-batch steps
    classifier_lr=1e-3,  # train.py: Adam lr 0.001
    classifier_relu=True,  # train.py train_classifier MLP([latent, ss]), model.py MLP: Linear + ReLU
    scorer="classifier",  # train.py train_classifier: a softmax classifier on sampled text latents
    gate="balanced",  # `train.gate=released`: its gating_train.py with the script's t and th
    gate_temperature=0.0,  # ntu60 t=0: searched
    gate_threshold=0.0,  # ntu60 th=0: searched
    gate_input="own",  # the gate reads the method's own ZSL probabilities (gating_train.py)
    recon="mse",  # train.py nn.MSELoss()
    text_decoder_relu=True,  # model.py Decoder: Linear + ReLU, the output too
)
SADVAE_RELEASED_120 = SADVAE_RELEASED_60 | dict(
    latent_dim=256,  # ntu120 ls=256
    irrelevant_dim=32,  # ntu120 ils=32
    lr=3.4779964302664534e-05,  # ntu120 lr
    discriminator_every=4,  # ntu120 dis_step=4
    # ntu120 fixes the gate (th=50, t=2); searched here, as for every method
)
# the paper's training is the released one; it states no other values, so the trainer's own choices apply
SADVAE_PAPER_60 = SADVAE_RELEASED_60 | TRAINER_CHOICES
SADVAE_PAPER_120 = SADVAE_RELEASED_120 | TRAINER_CHOICES


def schedule(preset: str, v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    return pair_schedule(v, base_steps, delta=0.0, tc=True)


METHOD = Method(
    "sadvae",
    {"released": (SADVAE_RELEASED_60, SADVAE_RELEASED_120), "paper": (SADVAE_PAPER_60, SADVAE_PAPER_120)},
    schedule,
    # train_eval_synse_split.sh: ntu60 th=0 t=0 (searched), ntu120 th=50 t=2
    released_gate=((0.0, 0.0), (2.0, 0.5)),
    split_latent=True,
    # its released rate (3.39e-5, set for NTU's 40,000 clips) leaves ten 600-step cycles on a few hundred clips
    # short of the others; the family's 1e-4 (FS-VAE, MSF, CADA-VAE's scripts): 51.9 ZSL on MSR Action3D with
    # the text scorer against 45.8, 1.4 lower on KARD's three splits measured (bench/NOTES.md)
    tuned=dict(lr=1e-4),
)

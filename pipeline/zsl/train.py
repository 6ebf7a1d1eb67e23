"""The training loop of FS-VAE, CADA-VAE, MSF-GZSSAR and SA-DVAE (docs/architecture.md, "Methods"), one model
at a time.

Each step draws a batch of B skeleton features (`cycle_batches`: with replacement, a fresh permutation's first
B as the released `next(iter(loader))` gives, or consecutive batches of passes over the data), pairs each with
its class's text vector f_t, and takes one Adam step on

    L = L_VAE^s + L_VAE^t + alpha * L_align + gamma * L_cross + delta * L_DA (+ tau * L_TC for SA-DVAE)

with the weights of this step from the schedule (`Hyper.weights`): FS-VAE switches L_align on in the last
`calibrated_steps` of every cycle and anneals both KL weights from 0; CADA-VAE and MSF have gamma (and
delta) instead. SA-DVAE's step (`sadvae_step`) first gives its discriminator a step of its own every
`discriminator_every` steps, then adds the total-correlation penalty tau * L_TC to the same objective.
Training is a generator that yields after every cycle, so the caller evaluates each cycle (model
selection on the validation carve) without the loop knowing about evaluation.

All data lives on the device before the first step; batch indices for a whole cycle are drawn at its start
from a seeded generator; nothing in the loop synchronises with the host (no .item()).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from pipeline.errors import PipelineError
from pipeline.zsl.losses import (
    calibrated_alignment,
    discriminator_loss,
    kl_divergence,
    product_of_marginals,
    reconstruction,
    total_correlation,
    wasserstein2,
)
from pipeline.zsl.methods import METHODS
from pipeline.zsl.model import FSVAE, reparameterize
from pipeline.zsl.presets import Hyper
from pipeline.zsl.sadvae import SADVAE


@dataclass
class TrainData:
    """What the loop samples from, already on the device."""

    inputs: torch.Tensor  # skeleton encoder input: (N, D) pooled, or (N, D, T') for the temporal mode
    features: torch.Tensor  # (N, D) pooled skeleton features f_s, the reconstruction target
    rows: torch.Tensor  # (N,) each sample's row of `text`
    text: torch.Tensor  # (C, d_t) f_t of each training class
    classes: tuple[int, ...]  # dataset class index of each row of `text`


def build_model(data: TrainData, hp: Hyper, seed: int) -> FSVAE:
    """A freshly initialised model; the initialisation draws from its own seeded stream."""
    time_steps = data.inputs.shape[-1] if data.inputs.dim() == 3 else None
    kind = SADVAE if METHODS[hp.method].split_latent else FSVAE
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = kind(data.features.shape[1], data.text, hp, time_steps)
    if hp.standardise and len(data.inputs) > 1:  # a model rebuilt for saved weights gets its scale from them
        model.skeleton_encoder.fit_scale(data.inputs)
    return model.to(data.features.device)


def train_cycles(model: FSVAE, data: TrainData, hp: Hyper, seed: int) -> Iterator[tuple[int, float]]:
    """Train for hp.cycles cycles of hp.steps_per_cycle steps; yield (cycle, mean loss) after each cycle."""
    device = data.features.device
    gen = torch.Generator(device=device).manual_seed(seed)
    fused = device.type in ("cpu", "cuda")
    split = isinstance(model, SADVAE)
    optimizer = torch.optim.Adam(
        model.vae_parameters() if split else model.parameters(),
        lr=hp.lr,
        weight_decay=hp.weight_decay,
        fused=fused,
    )
    critic = torch.optim.Adam(model.discriminator.parameters(), lr=hp.lr, fused=fused) if split else None
    n, B, steps = len(data.rows), hp.batch_size, hp.steps_per_cycle
    for cycle in range(hp.cycles):
        model.train()
        batches = cycle_batches(n, steps, B, hp.sampler, gen)
        total = torch.zeros((), device=device)
        for step in range(steps):
            w = hp.weights(cycle, step)
            batch = _batch(data, batches[step])
            if critic is None:
                loss = fsvae_step(model, batch, w, hp, gen)
            else:
                loss = sadvae_step(model, batch, w, hp, gen, critic, (step + 1) % hp.discriminator_every == 0)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        model.eval()
        mean = float(total) / steps
        if not math.isfinite(mean):
            raise PipelineError(
                f"training diverged: mean loss {mean} in cycle {cycle + 1}; try a lower train.lr "
                f"(now {hp.lr}) or train.alpha"
            )
        yield cycle, mean


def cycle_batches(n: int, steps: int, batch_size: int, sampler: str, gen: torch.Generator) -> torch.Tensor:
    """A cycle's (steps, B) batch indices into n samples, B = min(batch_size, n) except with replacement.

    `replacement`: every index drawn independently. `fresh`: each batch B distinct samples, uniformly random
    and independent of the other batches: the first B of a new random permutation, which is what the
    released loops take from a shuffling DataLoader every step (FS-VAE and MSF train.py `next(iter(
    train_loader))`, CADA-VAE data_loader.py `randperm(ntrain)[0:batch_size]`). Drawn as the B largest of n
    uniform keys per step, in chunks of steps, so a cycle costs no per-step call. `epoch`: consecutive
    batches of a permutation, a new one after each full pass, the first pass starting with the cycle: SA-DVAE
    train.py's `for ... in enumerate(train_loader)`, without its last, partial batch."""
    device = gen.device
    if sampler == "replacement":
        return torch.randint(n, (steps, batch_size), generator=gen, device=device)
    b = min(batch_size, n)
    if sampler == "fresh":
        rows = max(1, 2**22 // n)
        return torch.cat(
            [
                torch.rand(min(rows, steps - i), n, generator=gen, device=device).topk(b, dim=1).indices
                for i in range(0, steps, rows)
            ]
        )
    per_pass = n // b
    passes = -(-steps // per_pass)
    perms = torch.stack([torch.randperm(n, generator=gen, device=device) for _ in range(passes)])
    return perms[:, : per_pass * b].reshape(passes * per_pass, b)[:steps]


@dataclass
class Batch:
    x_s: torch.Tensor  # skeleton encoder inputs
    f_s: torch.Tensor  # pooled skeleton features, the reconstruction target
    rows: torch.Tensor  # rows of the text table
    f_t: torch.Tensor  # each sample's class text
    used: tuple[torch.Tensor, torch.Tensor] | None = None  # the rows the batch uses, and each sample's among them


def _batch(data: TrainData, idx: torch.Tensor) -> Batch:
    """The batch's tensors, and on the CPU, when the text table has more rows than the batch, the rows it
    uses, so the text head encodes only those: a batch of B from C classes uses at most a fraction
    1 - exp(-B / C) of them, under 63% for C > B (NTU-120's 110 classes: ~48 of 110 at B = 64, 16% off a
    step; NTU-60's 55: ~38, within the noise; bench/NOTES.md, change 9). On a GPU finding them would wait
    for the device, where the whole table costs no more time anyway."""
    rows = data.rows[idx]
    x_s = data.inputs[idx]
    sparse = rows.device.type == "cpu" and len(data.text) > len(idx)
    used = torch.unique(rows, return_inverse=True) if sparse else None
    return Batch(x_s, x_s if data.inputs is data.features else data.features[idx], rows, data.text[rows], used)


def fsvae_step(model: FSVAE, b: Batch, w: dict[str, float], hp: Hyper, gen: torch.Generator) -> torch.Tensor:
    """FS-VAE, CADA-VAE and MSF: one draw per latent, the objective."""
    eps = torch.randn(2, len(b.rows), 1, generator=gen, device=b.rows.device)
    out = model(b.x_s, b.rows, eps[0], eps[1], cross=w["align"] > 0 or w["cross"] > 0, used=b.used)
    return objective(out, b, w, hp, gen)


def objective(
    out: dict[str, torch.Tensor], b: Batch, w: dict[str, float], hp: Hyper, gen: torch.Generator
) -> torch.Tensor:
    """L_VAE^s + L_VAE^t + alpha * L_align + gamma * L_cross + delta * L_DA from a forward pass, the terms whose
    weight is 0 left out."""
    # L_VAE^s + L_VAE^t: reconstruction plus annealed KL
    loss = reconstruction(b.f_s, out["s_from_s"], hp.recon) + reconstruction(b.f_t, out["t_from_t"], hp.recon)
    if w["beta_s"]:
        loss = loss + w["beta_s"] * kl_divergence(out["mu_s"], out["logvar_s"])
    if w["beta_t"]:
        loss = loss + w["beta_t"] * kl_divergence(out["mu_t"], out["logvar_t"])
    # FS-VAE: alpha * L_align, negatives from a permutation of the batch
    if w["align"]:
        perm = torch.randperm(len(b.rows), generator=gen, device=b.rows.device)
        loss = loss + w["align"] * calibrated_alignment(
            b.f_t, out["t_from_s"], b.f_s, out["s_from_t"], perm, hp.lam, hp.skeleton_negative
        )
    # CADA-VAE, MSF, SA-DVAE: gamma * cross-reconstruction;
    # CADA-VAE (and MSF's paper): delta * distribution alignment
    if w["cross"]:
        loss = loss + w["cross"] * (
            reconstruction(b.f_s, out["s_from_t"], hp.recon) + reconstruction(b.f_t, out["t_from_s"], hp.recon)
        )
    if w["da"]:
        loss = loss + w["da"] * wasserstein2(out["mu_s"], out["logvar_s"], out["mu_t"], out["logvar_t"])
    return loss


def sadvae_step(
    model: SADVAE,
    b: Batch,
    w: dict[str, float],
    hp: Hyper,
    gen: torch.Generator,
    critic: torch.optim.Optimizer,
    critic_turn: bool,
) -> torch.Tensor:
    """SA-DVAE: draws of z_r, z_v, z_t; on the discriminator's turn a step of D (while tau > 0, or always
    with `hp.discriminator_always`, as released: a step on a zero loss still moves D by Adam's momentum and
    advances its step count); then the objective plus tau * L_TC, D's score on the batch's own (z_r, z_v)."""
    eps = torch.randn(3, len(b.rows), 1, generator=gen, device=b.rows.device)
    out = model(b.x_s, b.rows, eps, cross=w["align"] > 0 or w["cross"] > 0, used=b.used)
    if critic_turn and (w["tc"] or hp.discriminator_always):
        discriminator_step(model, out, w["tc"], gen, critic)
    loss = objective(out, b, w, hp, gen)
    if w["tc"]:
        loss = loss + w["tc"] * total_correlation(model.discriminator(out["z_r"], out["z_v"]))
    return loss


def discriminator_step(
    model: SADVAE, out: dict[str, torch.Tensor], weight: float, gen: torch.Generator, critic: torch.optim.Optimizer
) -> None:
    """One Adam step of D on tau * L_D, as released: fresh draws from the batch's Gaussians, the joint pairs
    (z_r, z_v) and (z_t, z_v) against the same pairs shuffled across the batch."""
    eps = torch.randn(4, len(out["mu_r"]), 1, generator=gen, device=out["mu_r"].device)
    with torch.no_grad():
        z_r = reparameterize(out["mu_r"], out["logvar_r"], eps[0])
        z_v = reparameterize(out["mu_v"], out["logvar_v"], eps[1])
        z_t = reparameterize(out["mu_t"], out["logvar_t"], eps[2])
        z_v2 = reparameterize(out["mu_v"], out["logvar_v"], eps[3])
    d = model.discriminator
    loss = sum(
        discriminator_loss(d(z, v), d(*product_of_marginals(z, v, gen))) for z, v in ((z_r, z_v), (z_t, z_v2))
    )
    critic.zero_grad(set_to_none=True)
    (weight * loss / 2).backward()
    critic.step()

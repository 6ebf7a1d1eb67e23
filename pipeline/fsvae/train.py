"""The training loop of FS-VAE and CADA-VAE (DESIGN.md section 5), one model at a time.

Each step draws a batch of B skeleton features with replacement, pairs each with its class's text vector
f_t, and takes one Adam step on

    L = L_VAE^s + L_VAE^t + alpha * L_align + gamma * L_cross + delta * L_DA

with the weights of this step from the schedule (`Hyper.weights`): FS-VAE switches L_align on in the last
`calibrated_steps` of every cycle and anneals both KL weights from 0; CADA-VAE has gamma and delta instead.
Training is a generator that yields after every cycle, so the caller evaluates each cycle (model
selection on the validation carve) without the loop knowing about evaluation.

All data lives on the device before the first step; batch indices for a whole cycle come from one
`torch.randint` of a seeded generator; nothing in the loop synchronises with the host (no .item()).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from pipeline.fsvae.losses import calibrated_alignment, kl_divergence, reconstruction, wasserstein2
from pipeline.fsvae.model import FSVAE
from pipeline.fsvae.presets import Hyper


@dataclass
class TrainData:
    """What the loop samples from, already on the device."""

    inputs: torch.Tensor    # skeleton encoder input: (N, D) pooled, or (N, D, T') for the temporal mode
    features: torch.Tensor  # (N, D) pooled skeleton features f_s, the reconstruction target
    rows: torch.Tensor      # (N,) each sample's row of `text`
    text: torch.Tensor      # (C, d_t) f_t of each training class
    classes: tuple[int, ...]  # dataset class index of each row of `text`


def resolve_device(train_device: str, cfg_device: str = "auto") -> torch.device:
    """train.device, else the top-level device; `auto` is cuda when available."""
    name = train_device if train_device != "auto" else cfg_device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def build_model(data: TrainData, hp: Hyper, seed: int) -> FSVAE:
    """A freshly initialised model; the initialisation draws from its own seeded stream."""
    time_steps = data.inputs.shape[-1] if data.inputs.dim() == 3 else None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = FSVAE(data.features.shape[1], data.text, hp, time_steps)
    return model.to(data.features.device)


def train_cycles(model: FSVAE, data: TrainData, hp: Hyper, seed: int) -> Iterator[tuple[int, float]]:
    """Train for hp.cycles cycles of hp.steps_per_cycle steps; yield (cycle, mean loss) after each cycle."""
    device = data.features.device
    gen = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr, fused=device.type in ("cpu", "cuda"))
    n, B, steps = len(data.rows), hp.batch_size, hp.steps_per_cycle
    for cycle in range(hp.cycles):
        model.train()
        batches = torch.randint(n, (steps, B), generator=gen, device=device)
        total = torch.zeros((), device=device)
        for step in range(steps):
            w = hp.weights(cycle, step)
            idx = batches[step]
            rows = data.rows[idx]
            x_s, f_t = data.inputs[idx], data.text[rows]
            f_s = x_s if data.inputs is data.features else data.features[idx]
            eps = torch.randn(2, B, 1, generator=gen, device=device)
            out = model(x_s, rows, eps[0], eps[1], cross=w["align"] > 0 or w["cross"] > 0)

            # L_VAE^s + L_VAE^t: reconstruction plus annealed KL
            loss = reconstruction(f_s, out["s_from_s"], hp.recon) + reconstruction(f_t, out["t_from_t"], hp.recon)
            if w["beta_s"]:
                loss = loss + w["beta_s"] * kl_divergence(out["mu_s"], out["logvar_s"])
            if w["beta_t"]:
                loss = loss + w["beta_t"] * kl_divergence(out["mu_t"], out["logvar_t"])
            # FS-VAE: alpha * L_align, negatives from a permutation of the batch
            if w["align"]:
                perm = torch.randperm(B, generator=gen, device=device)
                loss = loss + w["align"] * calibrated_alignment(f_t, out["t_from_s"], f_s, out["s_from_t"], perm,
                                                                hp.lam)
            # CADA-VAE: gamma * cross-reconstruction + delta * distribution alignment
            if w["cross"]:
                loss = loss + w["cross"] * (reconstruction(f_s, out["s_from_t"], hp.recon)
                                            + reconstruction(f_t, out["t_from_s"], hp.recon))
            if w["da"]:
                loss = loss + w["da"] * wasserstein2(out["mu_s"], out["logvar_s"], out["mu_t"], out["logvar_t"])

            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        model.eval()
        yield cycle, float(total) / steps

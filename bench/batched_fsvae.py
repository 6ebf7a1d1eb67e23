"""Several seeds of the FS-VAE trainer as one batched model (torch.func), a prototype for `bench_step`.

K models with the same shapes (one per seed) are stacked parameter by parameter
(`torch.func.stack_module_state`); one `vmap` over the pipeline's own `FSVAE.forward` and loss terms gives
the K losses, their sum is differentiated once, and one fused Adam steps the stacked tensors. Adam is
elementwise, so stepping the stack is stepping each model. Every seed keeps its own random stream, drawn
in the order `pipeline.zsl.train.train_cycles` draws it (batch indices per cycle, then per step the
noise and, with the calibrated loss on, the permutation), so the K models are the ones K separate runs
would train, up to floating-point summation order (checked by `bench_step`).

What is shared between seeds rather than stacked: the buffers (the text table and its band split, the
band bookkeeping), which only depend on the data. The text side's band split then meets the K seeds'
gains in one (C d_t, b+1) x (b+1, K) product instead of K matrix-vector products over the same 10 MB.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
from torch.func import functional_call, stack_module_state, vmap

from pipeline.zsl.losses import calibrated_alignment, kl_divergence, reconstruction, wasserstein2


class BatchedTrainer:
    """Train `models` (identically shaped pipeline FSVAEs) on the same data, one random stream per seed."""

    def __init__(self, models: list[torch.nn.Module], data, hp) -> None:
        self.models, self.data, self.hp = models, data, hp
        self.base = copy.deepcopy(models[0]).to("meta")
        self.params, _ = stack_module_state(models)
        self.buffers = dict(models[0].named_buffers())
        self.optimizer = torch.optim.Adam(list(self.params.values()), lr=hp.lr, fused=True)

    def _loss(self, params, idx, eps, perm, w: dict[str, float], cross: bool) -> torch.Tensor:
        """One model's loss: the body of `train_cycles`' step, unchanged."""
        data, hp = self.data, self.hp
        rows = data.rows[idx]
        x_s, f_t = data.inputs[idx], data.text[rows]
        f_s = x_s if data.inputs is data.features else data.features[idx]
        out = functional_call(self.base, (params, self.buffers), (x_s, rows, eps[0], eps[1]), {"cross": cross})
        loss = reconstruction(f_s, out["s_from_s"], hp.recon) + reconstruction(f_t, out["t_from_t"], hp.recon)
        if w["beta_s"]:
            loss = loss + w["beta_s"] * kl_divergence(out["mu_s"], out["logvar_s"])
        if w["beta_t"]:
            loss = loss + w["beta_t"] * kl_divergence(out["mu_t"], out["logvar_t"])
        if w["align"]:
            loss = loss + w["align"] * calibrated_alignment(
                f_t, out["t_from_s"], f_s, out["s_from_t"], perm, hp.lam
            )
        if w["cross"]:
            loss = loss + w["cross"] * (
                reconstruction(f_s, out["s_from_t"], hp.recon) + reconstruction(f_t, out["t_from_s"], hp.recon)
            )
        if w["da"]:
            loss = loss + w["da"] * wasserstein2(out["mu_s"], out["logvar_s"], out["mu_t"], out["logvar_t"])
        return loss

    def cycles(self, seeds: list[int]) -> Iterator[tuple[int, torch.Tensor]]:
        """Train hp.cycles cycles; yield (cycle, the K models' mean losses) after each."""
        hp, device = self.hp, self.data.features.device
        gens = [torch.Generator(device=device).manual_seed(s) for s in seeds]
        n, B, steps = len(self.data.rows), hp.batch_size, hp.steps_per_cycle
        dummy_perm = torch.zeros(len(seeds), B, dtype=torch.long, device=device)
        for cycle in range(hp.cycles):
            batches = torch.stack([torch.randint(n, (steps, B), generator=g, device=device) for g in gens], 1)
            total = torch.zeros(len(seeds), device=device)
            for step in range(steps):
                w = hp.weights(cycle, step)
                eps = torch.stack([torch.randn(2, B, 1, generator=g, device=device) for g in gens])
                perm = (
                    torch.stack([torch.randperm(B, generator=g, device=device) for g in gens])
                    if w["align"]
                    else dummy_perm
                )
                cross = w["align"] > 0 or w["cross"] > 0
                losses = vmap(lambda p, i, e, q, w=w, cross=cross: self._loss(p, i, e, q, w, cross))(
                    self.params, batches[step], eps, perm
                )
                self.optimizer.zero_grad(set_to_none=True)
                losses.sum().backward()
                self.optimizer.step()
                total += losses.detach()
            yield cycle, total / steps

    def unstacked(self) -> list[dict[str, torch.Tensor]]:
        """Each model's parameters, for comparison with separately trained ones."""
        return [{k: v[i].detach() for k, v in self.params.items()} for i in range(len(self.models))]

"""The FS-VAE training step written the way the released code writes it (wenhanwu95/FS-VAE model.py and
train.py), as the baseline of `bench_step`.

What is kept from the released code, because it is what costs time there:
- the Frequency Enhanced module as a Python loop over the 30 bands, scaling slices of the DCT
  coefficients in place, with `.item()` reads of the band count and split index on every band;
- the DCT and its inverse through the `torch-dct` package (`dct.dct(x, norm='ortho')`, FFT-based);
- four separate modules (skeleton and text encoder, two decoders), each encoder with its own mu and
  logvar layers; the text encoder run on every sample's text vector (B x d_t), not on the class table;
- the cross decodes computed on every step and multiplied by a weight of 0 when off;
- `eps` drawn per sample and expanded over the latent dimensions; plain `optim.Adam`; the four
  `.train()` calls, the unused cross-reconstruction losses, a `loss.item()` and a copy of the loss to
  NumPy every step.

The loss is the released one, calibrated alignment included (a negative on the text side only, train.py
193-198 and 223-235), which `--preset released` computes too (`Hyper.skeleton_negative` False); the loss
weights, the batch, the noise and the text side's permutation come from the caller, so both draw nothing
of their own. `from_pipeline` copies a `pipeline.zsl.model.FSVAE`'s weights, so one batch and one draw
of noise give the same loss and gradients in both (checked by `bench_step`).
"""

from __future__ import annotations

import torch
import torch_dct as dct
from torch import nn


class Encoder(nn.Module):
    """model.py Encoder([d_in, latent]) with dct_enhancement on."""

    def __init__(self, d_in: int, latent: int, bands: int, k: float, split_freq: int, freq: bool) -> None:
        super().__init__()
        self.dct_enhancement = nn.Parameter(torch.tensor(1.0 if freq else 0.0))
        self.k = nn.Parameter(torch.tensor(k))
        self.num_freq_bands = nn.Parameter(torch.tensor(bands, dtype=torch.float))
        self.split_freq = nn.Parameter(torch.tensor(split_freq, dtype=torch.float))
        self.m = nn.Parameter(torch.tensor(1.0))
        self.freq_weights = nn.Parameter(torch.ones(bands))
        self.split_points = torch.linspace(0, d_in - 1, bands + 1).long()
        self.model = nn.Sequential()
        self.mu_transformation = nn.Linear(d_in, latent)
        self.logvar_transformation = nn.Linear(d_in, latent)

    def dct_enhance(self, x: torch.Tensor) -> torch.Tensor:
        x_dct = dct.dct(x, norm="ortho")
        num_bands = int(self.num_freq_bands.item())
        for i in range(num_bands):
            start = self.split_points[i]
            end = self.split_points[i + 1]
            freq_weight = self.freq_weights[i]
            if end <= int(self.split_freq.item()):
                decay_factor = 1 - i / num_bands
                x_dct[:, start:end] *= 1 + freq_weight * self.k * decay_factor
            else:
                decay_factor = 1 - (i - num_bands // int(self.m.item())) / num_bands
                x_dct[:, start:end] *= 1 - freq_weight * self.k * decay_factor
        return dct.idct(x_dct, norm="ortho")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.dct_enhancement:
            x = self.dct_enhance(x)
        h = self.model(x)
        return self.mu_transformation(h), self.logvar_transformation(h)


class Decoder(nn.Module):
    """model.py Decoder([latent, d_out]): Linear + ReLU."""

    def __init__(self, latent: int, d_out: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Linear(latent, d_out), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """model.py reparameterize, with the (B, 1) draw passed in rather than drawn on the released GPU."""
    sigma = torch.exp(0.5 * logvar)
    return eps.expand(sigma.size()) * sigma + mu


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """model.py KL_divergence: the negative KL, which train.py subtracts."""
    return 0.5 * (torch.sum(-(mu**2) + 1 + logvar - torch.exp(logvar))) / mu.shape[0]


class ReferenceFSVAE:
    """The four released modules and their optimiser; `step` is one iteration of train.py's loop."""

    def __init__(
        self,
        d_s: int,
        d_t: int,
        latent: int,
        bands: int,
        k: float,
        split_freq: int,
        lam: float,
        lr: float,
        freq: bool = True,
    ) -> None:
        self.sequence_encoder = Encoder(d_s, latent, bands, k, split_freq, freq)
        self.sequence_decoder = Decoder(latent, d_s)
        self.text_encoder = Encoder(d_t, latent, bands, k, split_freq, freq)
        self.text_decoder = Decoder(latent, d_t)
        self.modules = [self.sequence_encoder, self.sequence_decoder, self.text_encoder, self.text_decoder]
        self.lam = lam
        params = [p for m in self.modules for p in m.parameters()]
        self.optimizer = torch.optim.Adam(params, lr=lr)
        self.criterion = nn.MSELoss()
        self.loss_values: list = []

    def loss(
        self,
        s: torch.Tensor,
        t: torch.Tensor,
        eps_s: torch.Tensor,
        eps_t: torch.Tensor,
        perm: torch.Tensor,
        w: dict[str, float],
    ) -> torch.Tensor:
        for m in self.modules:
            m.train()
        smu, slv = self.sequence_encoder(s)
        sz = reparameterize(smu, slv, eps_s)
        sout = self.sequence_decoder(sz)
        tmu, tlv = self.text_encoder(t)
        tz = reparameterize(tmu, tlv, eps_t)
        tout = self.text_decoder(tz)
        sfromt = self.sequence_decoder(tz)
        tfroms = self.text_decoder(sz)
        s_recons = self.criterion(s, sout)
        t_recons = self.criterion(t, tout)
        s_kld = kl_divergence(smu, slv)
        t_kld = kl_divergence(tmu, tlv)
        t_cali_temp0 = torch.sum(torch.square(t - tfroms[perm]), 1) - torch.sum(torch.square(t - tfroms), 1)
        t_cali = torch.mean(1.0 / (1.0 + torch.exp(t_cali_temp0 / self.lam)))
        s_cali_temp0 = -torch.sum(torch.square(s - sfromt), 1)
        s_cali = torch.mean(1.0 / (1.0 + torch.exp(s_cali_temp0 / self.lam)))
        coef = self.lam * w["align"]
        loss = coef * (t_cali + s_cali)
        # train.py computes t_crecons and s_crecons every step and leaves them out of the loss
        self.criterion(t, tfroms), self.criterion(s, sfromt)
        loss = loss + s_recons + t_recons
        return loss - (w["beta_s"] * s_kld + w["beta_t"] * t_kld)

    def step(
        self,
        s: torch.Tensor,
        t: torch.Tensor,
        eps_s: torch.Tensor,
        eps_t: torch.Tensor,
        perm: torch.Tensor,
        w: dict[str, float],
    ) -> float:
        loss = self.loss(s, t, eps_s, eps_t, perm, w)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.loss_values.append(loss.cpu().detach().numpy())  # train.py ce_loss_vals
        return loss.item()

    def named_parameters(self) -> dict[str, torch.nn.Parameter]:
        names = ("sequence_encoder", "sequence_decoder", "text_encoder", "text_decoder")
        return {f"{n}.{k}": p for n, m in zip(names, self.modules) for k, p in m.named_parameters()}


def from_pipeline(model: nn.Module, hp, freq: bool = True) -> ReferenceFSVAE:
    """A reference holding `model`'s weights (a pipeline FSVAE: feature-mode frequency, no hidden layer);
    `pipeline_grads` names the pipeline's gradients the same way, for the comparison."""
    s_enc, t_enc = model.skeleton_encoder, model.text_encoder
    d_s, d_t = s_enc.head.in_features, t_enc.head.in_features
    ref = ReferenceFSVAE(d_s, d_t, hp.latent_dim, hp.bands, hp.strength, hp.phi, hp.lam, hp.lr, freq)
    with torch.no_grad():
        for ours, theirs in ((s_enc, ref.sequence_encoder), (t_enc, ref.text_encoder)):
            w_mu, w_lv = ours.head.weight.chunk(2)
            b_mu, b_lv = ours.head.bias.chunk(2)
            theirs.mu_transformation.weight.copy_(w_mu)
            theirs.mu_transformation.bias.copy_(b_mu)
            theirs.logvar_transformation.weight.copy_(w_lv)
            theirs.logvar_transformation.bias.copy_(b_lv)
            if ours.freq is not None:
                theirs.k.copy_(ours.freq.k)
                theirs.freq_weights.copy_(ours.freq.w)
        for ours, theirs in (
            (model.skeleton_decoder, ref.sequence_decoder),
            (model.text_decoder, ref.text_decoder),
        ):
            theirs.model[0].weight.copy_(ours.net[0].weight)
            theirs.model[0].bias.copy_(ours.net[0].bias)
    return ref


def pipeline_grads(model: nn.Module) -> dict[str, torch.Tensor]:
    """The pipeline model's gradients under the reference's parameter names."""
    out = {}
    for ours, name in ((model.skeleton_encoder, "sequence_encoder"), (model.text_encoder, "text_encoder")):
        g_w, g_b = ours.head.weight.grad.chunk(2), ours.head.bias.grad.chunk(2)
        out[f"{name}.mu_transformation.weight"], out[f"{name}.logvar_transformation.weight"] = g_w
        out[f"{name}.mu_transformation.bias"], out[f"{name}.logvar_transformation.bias"] = g_b
        if ours.freq is not None:
            out[f"{name}.k"], out[f"{name}.freq_weights"] = ours.freq.k.grad, ours.freq.w.grad
    for ours, name in ((model.skeleton_decoder, "sequence_decoder"), (model.text_decoder, "text_decoder")):
        out[f"{name}.model.0.weight"], out[f"{name}.model.0.bias"] = ours.net[0].weight.grad, ours.net[0].bias.grad
    return out

"""The released scripts' formulas, written out independently of `pipeline.zsl`, for the parity tests.

Each function follows the released lines it cites (wenhanwu95/FS-VAE model.py and train.py, pha123661/SA-DVAE
model.py and train.py, edgarschnfld/CADA-VAE-PyTorch model/vaemodel.py) with the random draws passed in, so a
test feeds both sides the same batch, weights and noise. Weights are copied out of a pipeline model into
plain leaf tensors (`released_weights`), so gradients can be compared parameter by parameter.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def dct_matrix(n: int) -> torch.Tensor:
    """The orthonormal DCT-II as a matrix C (torch_dct's `norm='ortho'`): dct(x) = x C^T, idct(X) = X C."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    j = torch.arange(n, dtype=torch.float64)[None, :]
    c = torch.cos(math.pi * (2 * j + 1) * k / (2 * n)) * math.sqrt(2 / n)
    c[0] /= math.sqrt(2)
    return c.float()


def dct_enhance(x: torch.Tensor, k: torch.Tensor, w: torch.Tensor, bands: int, split_freq: int) -> torch.Tensor:
    """FS-VAE model.py Encoder.dct_enhance (45-62): band i = coefficients [e_i, e_{i+1}), e = floor(linspace(0,
    n-1, b+1)); low when e_{i+1} <= split_freq, scaled 1 + w_i k (1 - i/b), else 1 - w_i k (1 - (i - b // m)/b)
    with m = 1; the last coefficient lies in no band."""
    n = x.shape[-1]
    c = dct_matrix(n)
    x_dct = x @ c.T
    points = torch.linspace(0, n - 1, bands + 1).long()
    pieces = []
    for i in range(bands):
        start, end = int(points[i]), int(points[i + 1])
        if end <= split_freq:
            pieces.append(x_dct[:, start:end] * (1 + w[i] * k * (1 - i / bands)))
        else:
            pieces.append(x_dct[:, start:end] * (1 - w[i] * k * (1 - (i - bands // 1) / bands)))
    pieces.append(x_dct[:, int(points[-1]) :])
    return torch.cat(pieces, dim=1) @ c


def encoder(
    p: dict[str, torch.Tensor],
    name: str,
    x: torch.Tensor,
    freq: tuple[int, int] | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """model.py Encoder.forward (64-72), no hidden layer: mu_transformation and logvar_transformation."""
    if freq is not None:
        x = dct_enhance(x, p[f"{name}.k"], p[f"{name}.w"], *freq)
    return x @ p[f"{name}.mu_w"].T + p[f"{name}.mu_b"], x @ p[f"{name}.lv_w"].T + p[f"{name}.lv_b"]


def decoder(p: dict[str, torch.Tensor], name: str, z: torch.Tensor) -> torch.Tensor:
    """model.py Decoder([latent, d]) (74-90): Linear + ReLU."""
    return F.relu(z @ p[f"{name}.w"].T + p[f"{name}.b"])


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """model.py reparameterize (107-111): one N(0, 1) draw per sample, expanded over the latent."""
    sigma = torch.exp(0.5 * logvar)
    return eps.expand(sigma.size()) * sigma + mu


def kl_divergence_released(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """model.py KL_divergence (113-114): minus the KL, summed over the latent, over the batch size."""
    return 0.5 * (torch.sum(-(mu**2) + 1 + logvar - torch.exp(logvar))) / mu.shape[0]


def released_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A pipeline FSVAE / SADVAE's weights under the released module layout, as fresh leaves needing grad."""
    p: dict[str, torch.Tensor] = {}
    for name, enc in (("se", model.skeleton_encoder), ("te", model.text_encoder)):
        (p[f"{name}.mu_w"], p[f"{name}.lv_w"]), (p[f"{name}.mu_b"], p[f"{name}.lv_b"]) = (
            enc.head.weight.chunk(2),
            enc.head.bias.chunk(2),
        )
        if enc.freq is not None:
            p[f"{name}.k"], p[f"{name}.w"] = enc.freq.k, enc.freq.w
    for name, dec in (("sd", model.skeleton_decoder), ("td", model.text_decoder)):
        p[f"{name}.w"], p[f"{name}.b"] = dec.net[0].weight, dec.net[0].bias
    if hasattr(model, "discriminator"):
        net = model.discriminator.net
        p["dis.w1"], p["dis.b1"], p["dis.w2"], p["dis.b2"] = net[0].weight, net[0].bias, net[2].weight, net[2].bias
    return {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}


def pipeline_grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The pipeline model's gradients under `released_weights`' names."""
    g: dict[str, torch.Tensor] = {}
    for name, enc in (("se", model.skeleton_encoder), ("te", model.text_encoder)):
        (g[f"{name}.mu_w"], g[f"{name}.lv_w"]), (g[f"{name}.mu_b"], g[f"{name}.lv_b"]) = (
            enc.head.weight.grad.chunk(2),
            enc.head.bias.grad.chunk(2),
        )
        if enc.freq is not None:
            g[f"{name}.k"], g[f"{name}.w"] = enc.freq.k.grad, enc.freq.w.grad
    for name, dec in (("sd", model.skeleton_decoder), ("td", model.text_decoder)):
        g[f"{name}.w"], g[f"{name}.b"] = dec.net[0].weight.grad, dec.net[0].bias.grad
    return g


def discriminator(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """SA-DVAE model.py Discriminator: Linear(d, d//4), ReLU, Linear(d//4, 1), Sigmoid."""
    return torch.sigmoid(F.relu(x @ p["dis.w1"].T + p["dis.b1"]) @ p["dis.w2"].T + p["dis.b2"])

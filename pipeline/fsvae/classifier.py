"""Classifiers on top of a trained model.

ZSL classifier (DESIGN.md section 5, as released): draw `samples` latents per unseen class from the text
encoder, z = mu_t + sigma_t * eps, train a linear softmax classifier on them with full-batch Adam, and
classify a skeleton sample by its skeleton encoder mean mu_s. (The released MLP puts a ReLU on the
logits; here they stay linear.)

Seen classifier: the GZSL gate and the seen branch use the backbone's seen-class logits. A feature set
without them (a dump without *_out.npy) gets a linear softmax classifier trained on the same backbone's
training features instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pipeline.fsvae.model import FSVAE, reparameterize


def _fit_linear(x: torch.Tensor, y: torch.Tensor, n_classes: int, epochs: int, lr: float,
                gen: torch.Generator) -> nn.Linear:
    linear = nn.Linear(x.shape[1], n_classes).to(x.device)
    with torch.no_grad():
        nn.init.xavier_uniform_(linear.weight, gain=0.5, generator=gen)
        nn.init.zeros_(linear.bias)
    optimizer = torch.optim.Adam(linear.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(linear(x), y).backward()
        optimizer.step()
    return linear.eval()


@dataclass
class ZSLClassifier:
    """Softmax over the unseen classes `classes` (dataset indices), applied to skeleton latents."""

    linear: nn.Linear
    classes: np.ndarray

    @torch.no_grad()
    def probs(self, mu: torch.Tensor) -> np.ndarray:
        return torch.softmax(self.linear(mu), dim=-1).cpu().numpy()

    def predict(self, mu: torch.Tensor) -> np.ndarray:
        return self.classes[self.probs(mu).argmax(1)]


def fit_zsl_classifier(model: FSVAE, text: torch.Tensor, classes: np.ndarray, samples: int, epochs: int,
                       lr: float, gen: torch.Generator) -> ZSLClassifier:
    """Train on `samples` text-encoder latents of each unseen class (rows of `text`, in `classes` order)."""
    with torch.no_grad():
        mu, logvar = (v.repeat(samples, 1) for v in model.text_encoder(text))
        eps = torch.randn(len(mu), 1, generator=gen, device=mu.device)
        z = reparameterize(mu, logvar, eps)
    y = torch.arange(len(classes), device=z.device).repeat(samples)
    return ZSLClassifier(_fit_linear(z, y, len(classes), epochs, lr, gen), np.asarray(classes))


def fit_seen_classifier(features: np.ndarray, class_idx: np.ndarray, classes: tuple[int, ...],
                        device: torch.device, seed: int, epochs: int = 300, lr: float = 1e-2) -> nn.Linear:
    """A linear softmax classifier over `classes` on standardised backbone features, for feature sets
    without the backbone's logits. Returns a module mapping features to logits in `classes` order."""
    x = torch.as_tensor(features, dtype=torch.float32, device=device)
    mean, std = x.mean(0), x.std(0) + 1e-6
    y = torch.as_tensor(np.searchsorted(np.asarray(classes), class_idx), device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    linear = _fit_linear((x - mean) / std, y, len(classes), epochs, lr, gen)
    return nn.Sequential(_Standardise(mean, std), linear).eval()


class _Standardise(nn.Module):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

"""Classifiers on top of a trained model.

ZSL classifier (docs/architecture.md, "Methods"; as released): draw `samples` latents per unseen class from the
text
encoder, z = mu_t + sigma_t * eps, train a softmax classifier on them with full-batch Adam, and classify a
skeleton sample by its skeleton encoder mean mu_s. Its logits are linear, or, where the model's preset says
so (`Hyper.classifier_relu`, the `released` presets of FS-VAE, MSF and SA-DVAE), ReLU(W z + b) as the
released MLP([latent, n_unseen]) computes them (FS-VAE model.py 92-99): in training, prediction and the
softmax the gate reads. A class whose logit is clipped to 0 gets no gradient from that sample.

Text scorer (`train.scorer = text`, the `tuned` preset's): no classifier is trained. A skeleton latent is
decoded into the text space by the model's own text decoder (the cross-decoding g_t^s its alignment loss or
cross-reconstruction trains), and scored by cosine with each class's text, both centred on the mean
seen-class text: softmax(cos / 0.1), as `direct` scores the backbone's projection. The unseen classes are
then described exactly where they live, in the text space, rather than through a text encoder that learned
its map from the seen classes' few texts; on two real Kinect datasets it beat the released classifier for
every VAE method (bench/NOTES.md, "Scoring in the text space").

Seen classifier: the GZSL gate and the seen branch use the backbone's seen-class logits. A feature set
without them (a dump without *_out.npy) gets a linear softmax classifier trained on the same backbone's
training features instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pipeline.zsl.methods.direct import class_weights
from pipeline.zsl.model import FSVAE
from pipeline.zsl.presets import Hyper


def _init_linear(d_in: int, n_classes: int, device: torch.device, gen: torch.Generator) -> nn.Linear:
    """The released classifier's initialisation: Xavier-uniform weights (gain 0.5), zero bias."""
    linear = nn.Linear(d_in, n_classes).to(device)
    with torch.no_grad():
        nn.init.xavier_uniform_(linear.weight, gain=0.5, generator=gen)
        nn.init.zeros_(linear.bias)
    return linear


def _fit_linear(
    x: torch.Tensor, y: torch.Tensor, n_classes: int, epochs: int, lr: float, gen: torch.Generator
) -> nn.Linear:
    linear = _init_linear(x.shape[1], n_classes, x.device, gen)
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
    relu: bool = False  # logits ReLU(W z + b), the released MLP

    def logits(self, mu: torch.Tensor) -> torch.Tensor:
        out = self.linear(mu)
        return torch.relu(out) if self.relu else out

    @torch.no_grad()
    def probs(self, mu: torch.Tensor) -> np.ndarray:
        return torch.softmax(self.logits(mu), dim=-1).cpu().numpy()

    def predict(self, mu: torch.Tensor) -> np.ndarray:
        return self.classes[self.probs(mu).argmax(1)]


def fit_zsl_classifier(
    model: FSVAE,
    text: torch.Tensor,
    classes: np.ndarray,
    samples: int,
    epochs: int,
    lr: float,
    gen: torch.Generator,
) -> ZSLClassifier:
    """Train on `samples` text-encoder latents of each unseen class (rows of `text`, in `classes` order), with
    the logits of the model's preset (`model.classifier_relu`).

    One scalar eps_i is shared by all latent dimensions (as released), so every latent of class c lies on
    the line mu_c + eps sigma_c and its logits are (W mu_c + b) + eps_i (W sigma_c): each epoch needs two
    (C, D) x (D, C) products rather than a (samples C, D) x (D, C) product and its gradient. Autograd
    gives the same gradients up to summation order (bench/NOTES.md, T1: 4.5x faster at 24 classes); the ReLU,
    where the preset has it, applies to those logits."""
    c = len(classes)
    relu = getattr(model, "classifier_relu", False)  # a bare module (no preset behind it): linear logits
    with torch.no_grad():
        mu, logvar = model.text_encoder(text)
        sigma = torch.exp(0.5 * logvar)
        eps = torch.randn(c * samples, 1, generator=gen, device=mu.device)  # row i is class i % c
    y = torch.arange(c, device=mu.device).repeat(samples)
    linear = _init_linear(mu.shape[1], c, mu.device, gen)
    optimizer = torch.optim.Adam(linear.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        centre = linear(mu).repeat(samples, 1)
        slope = (sigma @ linear.weight.T).repeat(samples, 1)
        logits = torch.addcmul(centre, eps, slope)
        optimizer.zero_grad(set_to_none=True)
        loss_fn(torch.relu(logits) if relu else logits, y).backward()
        optimizer.step()
    return ZSLClassifier(linear.eval(), np.asarray(classes), relu)


@dataclass
class TextScorer:
    """Softmax over the classes of cos(decoded latent - centre, class text - centre) / TAU."""

    model: FSVAE
    weight: torch.Tensor  # (C, d_text): each class's text centred, renormalised, over TAU (direct.class_weights)

    def logits(self, mu: torch.Tensor) -> torch.Tensor:
        return decoded_text(self.model, mu) @ self.weight.T

    @torch.no_grad()
    def probs(self, mu: torch.Tensor) -> np.ndarray:
        return torch.softmax(self.logits(mu), dim=-1).cpu().numpy()


def text_center(model: FSVAE) -> torch.Tensor:
    """The mean of the model's training-class texts: what both sides of the text scorer are centred on."""
    return model.text.mean(dim=0)


def text_scorer_weights(model: FSVAE, text: np.ndarray) -> np.ndarray:
    """The text scorer's (C, d_text) weights over decoded latents: each class's text centred on the model's
    mean training-class text, renormalised, over TAU (direct.class_weights, the same cosine scores)."""
    return class_weights(text, text_center(model).cpu().numpy())


def decoded_text(model: FSVAE, mu: torch.Tensor) -> torch.Tensor:
    """Skeleton latents decoded into the text space, centred on the training classes' mean text, unit norm."""
    return nn.functional.normalize(model.text_decoder(mu) - text_center(model), dim=-1)


def fit_scorer(
    model: FSVAE, text: torch.Tensor, classes: np.ndarray, hp: Hyper, gen: torch.Generator
) -> ZSLClassifier | TextScorer:
    """The unseen classes' scorer of the model's preset (`hp.scorer`): the ZSL classifier fitted on text
    latents (which draws from `gen`), or the text scorer (which trains nothing)."""
    if hp.scorer == "text":
        return TextScorer(
            model, torch.as_tensor(text_scorer_weights(model, text.cpu().numpy()), device=text.device)
        )
    return fit_zsl_classifier(
        model, text, classes, hp.classifier_samples, hp.classifier_epochs, hp.classifier_lr, gen
    )


def fit_seen_classifier(
    features: np.ndarray,
    class_idx: np.ndarray,
    classes: tuple[int, ...],
    device: torch.device,
    seed: int,
    epochs: int = 300,
    lr: float = 1e-2,
) -> nn.Linear:
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

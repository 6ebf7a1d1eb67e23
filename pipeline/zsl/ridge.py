"""The plain baseline every method has to beat: a ridge map from skeleton features to the text space.

W = argmin ||X W - F_t||^2 + lambda ||W||^2 on standardised training features X and their classes' f_t; a
test sample goes to the unseen class whose f_t has the highest cosine with x W. No generative model, no
classifier training: if a VAE method does not beat this on real features, its extra machinery is not
earning its keep. The penalty lambda is chosen on the validation carve over a fixed grid; each grid value
takes the place of a training cycle in the protocol's selection (protocol.py), so the baseline is selected and
gated exactly
like the other methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
TEMPERATURE = 0.05  # cosine similarity -> softmax probabilities for the GZSL gate


@dataclass
class RidgeOutputs:
    """One penalty's outputs on a branch's test parts."""

    pred_unseen: np.ndarray
    probs_seen: np.ndarray
    probs_unseen: np.ndarray
    projected_unseen: torch.Tensor  # x W of the unseen test samples, L2-normalised
    text_unseen: torch.Tensor  # f_t of the unseen classes, L2-normalised


def fit_ridge(
    x: torch.Tensor,
    y: torch.Tensor,
    penalties: tuple[float, ...] = PENALTIES,
) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Standardisation (mean, std) and one map per penalty, from one eigendecomposition: of X^T X, or with
    fewer clips than feature columns (a few hundred clips, a descriptor of thousands of columns) of X X^T,
    the same maps, W = X^T (X X^T + lambda I)^-1 Y, at a fraction of the cost."""
    x = x.double()
    mean, std = x.mean(0), x.std(0) + 1e-6
    xs = (x - mean) / std
    y = y.double()
    if xs.shape[0] < xs.shape[1]:
        evals, evecs = torch.linalg.eigh(xs @ xs.T)
        uty = evecs.T @ y
        maps = [(xs.T @ (evecs @ (uty / (evals + lam)[:, None]))).float() for lam in penalties]
    else:
        evals, evecs = torch.linalg.eigh(xs.T @ xs)
        xty = evecs.T @ (xs.T @ y)
        maps = [(evecs @ (xty / (evals + lam)[:, None])).float() for lam in penalties]
    return mean.float(), std.float(), maps


def project(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Standardised features through one map, L2-normalised: the ridge baseline's skeleton latents."""
    return torch.nn.functional.normalize(((x - mean) / std) @ w, dim=1)


def class_weights(text: np.ndarray) -> np.ndarray:
    """The linear scorer over projected latents: cosine with each class's f_t, over the temperature."""
    t = np.asarray(text, dtype=np.float32)
    return t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12) / TEMPERATURE


def ridge_outputs(
    train_x: torch.Tensor,
    train_text: torch.Tensor,
    seen_x: torch.Tensor,
    unseen_x: torch.Tensor,
    unseen_text: torch.Tensor,
    unseen_classes: np.ndarray,
) -> list[RidgeOutputs]:
    """Fit on (features, their class's f_t) and score both test parts against the unseen classes' f_t."""
    mean, std, maps = fit_ridge(train_x, train_text)
    text = torch.nn.functional.normalize(unseen_text, dim=1)
    out = []
    for w in maps:
        proj_s, proj_u = project(seen_x, mean, std, w), project(unseen_x, mean, std, w)
        probs_s = torch.softmax(proj_s @ text.T / TEMPERATURE, dim=1).cpu().numpy()
        probs_u = torch.softmax(proj_u @ text.T / TEMPERATURE, dim=1).cpu().numpy()
        out.append(RidgeOutputs(unseen_classes[probs_u.argmax(1)], probs_s, probs_u, proj_u, text))
    return out

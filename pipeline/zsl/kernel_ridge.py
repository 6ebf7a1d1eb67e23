"""Kernel ridge: ridge's map from skeleton features to the text space, through a Gaussian kernel.

A linear map scores an unseen class by what its text shares with the seen classes' texts along directions
that are linear in the features; a body part's channels are post-ReLU activations pooled over time, and
clips of one action sit in curved, class-specific regions of that space. A Gaussian kernel regresses each
clip's text on its resemblance to every training clip instead, so a clip is mapped near the texts of the
seen clips it resembles most. On the validation carves of both real datasets this beats the linear maps of
the same views (bench/NOTES.md, "Kernel maps per body part").

The bandwidth is the median squared distance between the (standardised) training clips, a scale-free rule
that needs no search. With more training clips than `LANDMARKS`, the kernel is spanned by that many of them
(Nystroem features, evenly spaced over the rows): the map is then the ridge map on those features, and with
every clip a landmark it is exact kernel ridge, (K + lambda I)^-1 Y. Either way the map is one (landmarks,
d_t) matrix applied to a clip's kernel row, so a saved model is its landmarks and that matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# The kernel's penalty grid: as many values as ridge's (PENALTIES), so that the two take the same number of
# candidates; kernel rows lie in [0, 1], so the grid sits lower than the linear maps'.
KERNEL_PENALTIES = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)
LANDMARKS = 2048  # the most training clips that span the kernel: NTU-sized splits keep a bounded model
_EIGEN_FLOOR = 1e-10  # relative: directions of the landmarks' kernel below it carry rounding noise only


@dataclass
class KernelMaps:
    """One view's standardisation, landmarks (standardised), bandwidth and one map per penalty."""

    mean: torch.Tensor  # (D,)
    std: torch.Tensor  # (D,)
    landmarks: torch.Tensor  # (m, D)
    bandwidth: torch.Tensor  # () the median squared distance between landmarks
    maps: list[torch.Tensor]  # one (m, d_t) per penalty


def kernel_rows(x: torch.Tensor, landmarks: torch.Tensor, bandwidth: torch.Tensor) -> torch.Tensor:
    """exp(-|x - l|^2 / bandwidth) of standardised clips against every landmark: (N, m)."""
    d2 = torch.cdist(x.to(landmarks.dtype), landmarks) ** 2
    return torch.exp(-d2 / bandwidth)


def fit_kernel_ridge(
    x: torch.Tensor, y: torch.Tensor, penalties: tuple[float, ...] = KERNEL_PENALTIES
) -> KernelMaps:
    """The maps of every penalty from one eigendecomposition of the landmarks' kernel and one of the
    Nystroem features' Gram matrix (float64: the kernel's small eigenvalues matter for small penalties)."""
    x = x.double()
    mean, std = x.mean(0), x.std(0) + 1e-6
    xs = (x - mean) / std
    rows = torch.linspace(0, len(xs) - 1, min(len(xs), LANDMARKS)).round().long().unique()
    landmarks = xs[rows]
    bandwidth = (torch.cdist(landmarks, landmarks) ** 2).median().clamp_min(1e-12)
    evals, evecs = torch.linalg.eigh(kernel_rows(landmarks, landmarks, bandwidth))
    keep = evals > evals.max() * _EIGEN_FLOOR
    to_features = evecs[:, keep] / evals[keep].sqrt()  # (m, r): kernel row -> Nystroem features
    phi = kernel_rows(xs, landmarks, bandwidth) @ to_features
    gram_vals, gram_vecs = torch.linalg.eigh(phi.T @ phi)
    rotated = gram_vecs.T @ (phi.T @ y.double())
    maps = [(to_features @ (gram_vecs @ (rotated / (gram_vals + lam)[:, None]))).float() for lam in penalties]
    return KernelMaps(mean.float(), std.float(), landmarks.float(), bandwidth.float(), maps)

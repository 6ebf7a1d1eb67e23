"""Kernel ridge maps (pipeline/zsl/kernel_ridge.py) and the fused kernel maps `bodyparts` scores with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.zsl import kernel_ridge
from pipeline.zsl.fusion import fit_fusion, member_latents
from pipeline.zsl.kernel_ridge import KERNEL_PENALTIES, fit_kernel_ridge, kernel_rows


def _standardised(x: torch.Tensor, km: kernel_ridge.KernelMaps) -> torch.Tensor:
    return (x.double() - km.mean.double()) / km.std.double()


def test_every_clip_a_landmark_is_exact_kernel_ridge() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(120, 16, generator=gen), torch.randn(120, 6, generator=gen)
    km = fit_kernel_ridge(x, y)
    xs = _standardised(x, km)
    assert torch.allclose(km.landmarks.double(), xs, atol=1e-5)
    d2 = torch.cdist(xs, xs) ** 2
    assert km.bandwidth.item() == pytest.approx(d2.median().item(), rel=1e-5)
    k = torch.exp(-d2 / d2.median())
    for lam, m in zip(KERNEL_PENALTIES, km.maps):
        dual = torch.linalg.solve(k + lam * torch.eye(len(k), dtype=k.dtype), y.double())
        assert torch.allclose(m.double(), dual, atol=1e-4 * max(1.0, dual.abs().max().item()))


def test_more_clips_than_landmarks_is_the_subset_of_regressors_solution(monkeypatch) -> None:
    monkeypatch.setattr(kernel_ridge, "LANDMARKS", 40)
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(200, 8, generator=gen), torch.randn(200, 3, generator=gen)
    km = fit_kernel_ridge(x, y)
    xs = _standardised(x, km)
    rows = np.linspace(0, 199, 40).round().astype(int)
    assert len(km.landmarks) == 40
    assert torch.allclose(km.landmarks.double(), xs[rows], atol=1e-5)
    k_nm = kernel_rows(xs, xs[rows], km.bandwidth.double())
    k_mm = k_nm[rows]
    lam = KERNEL_PENALTIES[3]
    alpha = torch.linalg.solve(k_nm.T @ k_nm + lam * k_mm, k_nm.T @ y.double())
    assert torch.allclose(km.maps[3].double(), alpha, atol=1e-3 * alpha.abs().max().item())


def test_kernel_maps_separate_what_a_linear_map_cannot() -> None:
    """Two classes on rings of radius 1 and 3 around the same centre: no linear map of the coordinates
    tells them apart, the kernel map does, on clips it did not fit."""
    gen = torch.Generator().manual_seed(2)

    def rings(n: int) -> tuple[torch.Tensor, np.ndarray]:
        angle = torch.rand(n, generator=gen) * 2 * np.pi
        label = np.arange(n) % 2
        radius = torch.as_tensor(1.0 + 2.0 * label, dtype=torch.float32)
        points = torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)
        return points + 0.1 * torch.randn(n, 2, generator=gen), label

    text = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    x, label = rings(200)
    test_x, test_label = rings(100)

    def accuracy(kernel: bool) -> float:
        fm = fit_fusion(x, text[label], text.mean(dim=0), 1, 1, kernel=kernel)
        z = member_latents(test_x, fm, 2)[:, 0]
        pred = (z @ (text - text.mean(dim=0)).T).argmax(dim=1).numpy()
        return float(np.mean(pred == test_label))

    assert accuracy(kernel=True) > 0.95
    assert accuracy(kernel=False) < 0.75


def test_fused_kernel_maps_keep_each_stream_apart() -> None:
    """Two streams of different scales: each gets its own standardisation, landmarks and bandwidth, and a
    stream's member latents are its own kernel map's outputs, unit length."""
    gen = torch.Generator().manual_seed(3)
    x = torch.cat([torch.randn(60, 5, generator=gen), 10 * torch.randn(60, 5, generator=gen)], dim=1)
    y = torch.randn(60, 4, generator=gen)
    fm = fit_fusion(x, y, y.mean(dim=0), 2, 2, kernel=True)
    assert fm.landmarks is not None and fm.bandwidth is not None
    assert fm.landmarks.shape == (2, 60, 5) and fm.bandwidth.shape == (2,)
    z = member_latents(x, fm, 0)
    assert z.shape == (60, 4, 2)
    assert torch.allclose(z.norm(dim=2), torch.ones(60, 4), atol=1e-5)
    own = fit_kernel_ridge(x[:, 5:], y - y.mean(dim=0))
    out = kernel_rows((x[:, 5:] - own.mean) / own.std, own.landmarks, own.bandwidth) @ own.maps[0]
    expected = torch.nn.functional.normalize(out.reshape(60, 2, 2), dim=2)
    assert torch.allclose(z[:, 2:], expected, atol=1e-4)

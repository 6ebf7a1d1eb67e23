"""The loss terms of FS-VAE and CADA-VAE (DESIGN.md section 5), each a function of tensors.

    L_VAE^m  = reconstruction(f_m, decoder_m(z_m)) + beta_m * KL(q(z_m | f_m) || N(0, I))     m in {s, t}
    L_align  = lambda/B sum_i sigma((||f_t(i) - g_t^s(i)||^2 - ||f_t(i) - g_t^s(i^-)||^2) / lambda)
             + lambda/B sum_i sigma((||f_s(i) - g_s^t(i)||^2 - ||f_s(i) - g_s^t(i^-)||^2) / lambda)
    L_cross  = reconstruction(f_s, g_s^t) + reconstruction(f_t, g_t^s)                          (CADA-VAE)
    L_DA     = 1/B sum_i W_2(N(mu_s(i), sigma_s(i)^2), N(mu_t(i), sigma_t(i)^2))                (CADA-VAE)
    FS-VAE:    L = L_VAE^s + L_VAE^t + alpha * L_align
    CADA-VAE:  L = L_VAE^s + L_VAE^t + gamma * L_cross + delta * L_DA

The weights beta, alpha, gamma, delta follow the schedules in `presets`. sigma is the logistic function,
i^- = perm(i) for a random permutation of the batch.
"""

from __future__ import annotations

import torch


def reconstruction(x: torch.Tensor, x_hat: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """`mse`: mean squared error over all elements (released FS-VAE, SynSE); `l1`: absolute error summed
    over features, averaged over the batch (CADA-VAE sums over the batch too, a constant Adam ignores)."""
    if kind == "l1":
        return (x - x_hat).abs().sum(-1).mean()
    return torch.mean((x - x_hat) ** 2)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) = 1/2 sum_d (mu^2 + sigma^2 - 1 - log sigma^2), batch mean."""
    return 0.5 * torch.sum(mu ** 2 + logvar.exp() - 1 - logvar, dim=-1).mean()


def calibrated_alignment(f_t: torch.Tensor, g_t_s: torch.Tensor, f_s: torch.Tensor, g_s_t: torch.Tensor,
                         perm: torch.Tensor, lam: float) -> torch.Tensor:
    """L_align: each pair's reconstruction error against that of a negative from the same batch."""
    pos_t = torch.sum((f_t - g_t_s) ** 2, dim=-1)
    neg_t = torch.sum((f_t - g_t_s[perm]) ** 2, dim=-1)
    pos_s = torch.sum((f_s - g_s_t) ** 2, dim=-1)
    neg_s = torch.sum((f_s - g_s_t[perm]) ** 2, dim=-1)
    return lam * torch.sigmoid((pos_t - neg_t) / lam).mean() + lam * torch.sigmoid((pos_s - neg_s) / lam).mean()


def wasserstein2(mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor,
                 ) -> torch.Tensor:
    """2-Wasserstein distance of diagonal Gaussians, sqrt(||mu1 - mu2||^2 + ||sigma1 - sigma2||^2), batch mean."""
    sigma1, sigma2 = torch.exp(0.5 * logvar1), torch.exp(0.5 * logvar2)
    return torch.sqrt(torch.sum((mu1 - mu2) ** 2, -1) + torch.sum((sigma1 - sigma2) ** 2, -1)).mean()

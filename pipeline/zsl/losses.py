"""The loss terms of FS-VAE, CADA-VAE, MSF-GZSSAR and SA-DVAE (docs/architecture.md, "Methods"), each a
function of tensors.

    L_VAE^m  = reconstruction(f_m, decoder_m(z_m)) + beta_m * KL(q(z_m | f_m) || N(0, I))     m in {s, t}
    L_align  = lambda/B sum_i sigma((||f_t(i) - g_t^s(i)||^2 - ||f_t(i) - g_t^s(i^-)||^2) / lambda)
             + lambda/B sum_i sigma((||f_s(i) - g_s^t(i)||^2 - ||f_s(i) - g_s^t(i^-)||^2) / lambda)    (paper)
    released:  the skeleton side without its negative, lambda/B sum_i sigma(||f_s(i) - g_s^t(i)||^2 / lambda)
    L_cross  = reconstruction(f_s, g_s^t) + reconstruction(f_t, g_t^s)           (CADA-VAE, MSF, SA-DVAE)
    L_DA     = 1/B sum_i W_2(N(mu_s(i), sigma_s(i)^2), N(mu_t(i), sigma_t(i)^2))                (CADA-VAE)
    L_TC     = 1/B sum_i D(z_r(i), z_v(i))                                                      (SA-DVAE)
    L_D      = 1/2 [BCE(D(z_r(i), z_v(i)), 1) + BCE(D(z_r(p(i)), z_v(q(i))), 0)]                (SA-DVAE)
    FS-VAE:    L = L_VAE^s + L_VAE^t + alpha * L_align
    CADA-VAE:  L = L_VAE^s + L_VAE^t + gamma * L_cross + delta * L_DA          (MSF: the same; delta 0 as released)
    SA-DVAE:   L = L_VAE^s + L_VAE^t + gamma * L_cross + tau * L_TC, with L_VAE^s over both parts (z_r, z_v) and
               L_cross through z_r only: g_t^s = text decoder(z_r), g_s^t = skeleton decoder(z_t, z_v)

The weights beta, alpha, gamma, delta, tau follow the schedules in `presets`. sigma is the logistic function,
i^- = perm(i) for a random permutation of the batch. D is SA-DVAE's discriminator, the probability that a
pair of latent parts was drawn jointly; p and q are independent permutations of the batch, so the shuffled
pairs are samples of the product of the marginals q(z_r) q(z_v). The discriminator minimises L_D (its own
step, weighted like tau); the encoders minimise L_TC, a total-correlation penalty that is smallest when
joint pairs look shuffled, i.e. when z_r and z_v are independent.
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
    return 0.5 * torch.sum(mu**2 + logvar.exp() - 1 - logvar, dim=-1).mean()


def calibrated_alignment(
    f_t: torch.Tensor,
    g_t_s: torch.Tensor,
    f_s: torch.Tensor,
    g_s_t: torch.Tensor,
    perm: torch.Tensor,
    lam: float,
    skeleton_negative: bool = True,
) -> torch.Tensor:
    """L_align: each pair's reconstruction error against that of a negative from the same batch. Without
    `skeleton_negative` the skeleton side scores its positive pair alone, as the released code runs it (FS-VAE
    train.py 223-235, `--version neg_t`): sigma(pos / lambda) still pulls g_s^t towards f_s, but no
    mismatched pair is pushed away."""
    pos_t = torch.sum((f_t - g_t_s) ** 2, dim=-1)
    neg_t = torch.sum((f_t - g_t_s[perm]) ** 2, dim=-1)
    pos_s = torch.sum((f_s - g_s_t) ** 2, dim=-1)
    margin_s = pos_s - torch.sum((f_s - g_s_t[perm]) ** 2, dim=-1) if skeleton_negative else pos_s
    return lam * torch.sigmoid((pos_t - neg_t) / lam).mean() + lam * torch.sigmoid(margin_s / lam).mean()


def wasserstein2(
    mu1: torch.Tensor,
    logvar1: torch.Tensor,
    mu2: torch.Tensor,
    logvar2: torch.Tensor,
) -> torch.Tensor:
    """2-Wasserstein distance of diagonal Gaussians, sqrt(||mu1 - mu2||^2 + ||sigma1 - sigma2||^2), batch mean."""
    sigma1, sigma2 = torch.exp(0.5 * logvar1), torch.exp(0.5 * logvar2)
    return torch.sqrt(torch.sum((mu1 - mu2) ** 2, -1) + torch.sum((sigma1 - sigma2) ** 2, -1)).mean()


def product_of_marginals(
    a: torch.Tensor,
    b: torch.Tensor,
    gen: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle the batch's two latent parts by independent permutations p, q: each part keeps its marginal
    (the same rows, reordered) and the pairing of a(i) with b(i) is broken."""
    p = torch.randperm(len(a), generator=gen, device=a.device)
    q = torch.randperm(len(b), generator=gen, device=b.device)
    return a[p], b[q]


def discriminator_loss(joint_logits: torch.Tensor, shuffled_logits: torch.Tensor) -> torch.Tensor:
    """L_D: binary cross-entropy of telling joint pairs (label 1) from shuffled pairs (label 0), from D's
    logits."""
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    return (
        bce(joint_logits, torch.ones_like(joint_logits)) + bce(shuffled_logits, torch.zeros_like(shuffled_logits))
    ) / 2


def total_correlation(joint_logits: torch.Tensor) -> torch.Tensor:
    """L_TC: D's mean probability that the encoder's own pairs are joint."""
    return torch.sigmoid(joint_logits).mean()

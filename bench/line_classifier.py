"""The ZSL classifier's training with its inputs' structure used: a prototype for `bench_schedule`.

`pipeline.fsvae.classifier.fit_zsl_classifier` trains a linear softmax classifier, full batch, on
`samples` latents per unseen class, z_i = mu_c + sigma_c * eps_i, where (as released) one scalar eps_i
is shared by all latent dimensions. Every latent of class c therefore lies on the line mu_c + t sigma_c,
and the logits are

    W z_i + b = (W mu_c + b) + eps_i (W sigma_c)

so each epoch needs two (C, D) x (D, C) products instead of one (C samples, D) x (D, C) product and its
gradient: C x C x D multiply-adds instead of C x samples x D. Autograd differentiates this form to the
same gradients (up to summation order), so the same Adam steps give the same classifier.

Same draws, in the same order, as the pipeline's: the latents' noise, then the Xavier initialisation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def fit_zsl_classifier_lines(model, text: torch.Tensor, classes: np.ndarray, samples: int, epochs: int, lr: float,
                             gen: torch.Generator) -> nn.Linear:
    """The pipeline's ZSL classifier (its nn.Linear), trained through the line form of its inputs."""
    with torch.no_grad():
        mu, logvar = model.text_encoder(text)
        sigma = torch.exp(0.5 * logvar)
    c = len(classes)
    eps = torch.randn(c * samples, 1, generator=gen, device=mu.device)  # row i is class i % c, as repeat() gives
    y = torch.arange(c, device=mu.device).repeat(samples)
    linear = nn.Linear(mu.shape[1], c).to(mu.device)
    with torch.no_grad():
        nn.init.xavier_uniform_(linear.weight, gain=0.5, generator=gen)
        nn.init.zeros_(linear.bias)
    optimizer = torch.optim.Adam(linear.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        centre = linear(mu)                       # (c, c): W mu_c + b
        slope = sigma @ linear.weight.T           # (c, c): W sigma_c
        logits = centre.repeat(samples, 1) + eps * slope.repeat(samples, 1)
        optimizer.zero_grad(set_to_none=True)
        loss_fn(logits, y).backward()
        optimizer.step()
    return linear.eval()

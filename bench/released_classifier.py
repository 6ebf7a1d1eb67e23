"""The ZSL classifier trained the released way, as the baseline of the line form in
`pipeline.zsl.classifier.fit_zsl_classifier`: `samples` latents per unseen class materialised,
z_i = mu_c + sigma_c * eps_i, and a full-batch (samples C, D) x (D, C) product and its gradient per epoch
(released train.py `train_classifier`). Same draws, in the same order, as the pipeline's: the latents'
noise, then the Xavier initialisation, so both train the same classifier up to summation order.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def fit_zsl_classifier_released(
    model, text: torch.Tensor, classes: np.ndarray, samples: int, epochs: int, lr: float, gen: torch.Generator
) -> nn.Linear:
    """The pipeline's ZSL classifier (its nn.Linear), trained on the materialised latents."""
    from pipeline.zsl.classifier import _fit_linear

    with torch.no_grad():
        mu, logvar = (v.repeat(samples, 1) for v in model.text_encoder(text))
        z = mu + torch.exp(0.5 * logvar) * torch.randn(len(mu), 1, generator=gen, device=mu.device)
    y = torch.arange(len(classes), device=z.device).repeat(samples)
    return _fit_linear(z, y, len(classes), epochs, lr, gen)

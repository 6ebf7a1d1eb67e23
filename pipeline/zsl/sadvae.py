"""SA-DVAE (Li et al., ECCV 2024): FS-VAE's pair of VAEs with the skeleton latent split in two.

A skeleton sample's features hold more than its class text can explain (who performs it, how fast, from
which view), while every sample of a class shares one text. SA-DVAE therefore splits the skeleton latent
into a semantic-related part z_r (latent_dim, aligned with the text latent z_t by cross-reconstruction)
and a semantic-irrelevant part z_v (irrelevant_dim) that only the skeleton's own reconstruction uses:

    skeleton decoder (z_r, z_v) -> f_s      text decoder z_t -> f_t        (self-reconstruction)
    skeleton decoder (z_t, z_v) -> g_s^t    text decoder z_r -> g_t^s      (cross-reconstruction)

A discriminator D on (z_r, z_v) pairs keeps the parts independent (the total-correlation penalty of
`losses`): D learns to tell a batch's joint pairs from pairs shuffled across the batch, and the encoders
are penalised by D's score on their joint pairs. The ZSL classifier is trained on text latents and applied
to z_r, so the encoder's plain call returns z_r's Gaussian.

As released (pha123661/SA-DVAE model.py): one linear encoder head for mu and log sigma^2 over both parts
(z_v is the last irrelevant_dim dimensions), decoders as FS-VAE's, D = Linear(d, d/4), ReLU, Linear(d/4, 1)
with d = latent_dim + irrelevant_dim (its sigmoid taken by the losses, which read logits).
"""

from __future__ import annotations

import torch
from torch import nn

from pipeline.zsl.model import FSVAE, Decoder, Encoder, FrequencyEnhance, reparameterize, xavier_
from pipeline.zsl.presets import Hyper


class SplitEncoder(Encoder):
    """A skeleton encoder whose latent is (z_r, z_v); called plainly it gives z_r's (mu, logvar)."""

    def __init__(
        self,
        d_in: int,
        semantic: int,
        irrelevant: int,
        hidden: int,
        freq: FrequencyEnhance | None,
        standardise: bool = False,
    ) -> None:
        super().__init__(d_in, semantic + irrelevant, hidden, freq, standardise)
        self.semantic = semantic

    def split(
        self,
        x: torch.Tensor,
        bands: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(mu_r, logvar_r, mu_v, logvar_v): z_r is the first `semantic` dimensions, z_v the rest."""
        mu, logvar = super().forward(x, bands)
        r = self.semantic
        return mu[..., :r], logvar[..., :r], mu[..., r:], logvar[..., r:]

    def forward(self, x: torch.Tensor, bands: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        mu_r, logvar_r, _, _ = self.split(x, bands)
        return mu_r, logvar_r


class Discriminator(nn.Module):
    """Logit of "this (z_r, z_v) pair was drawn jointly"."""

    def __init__(self, d: int) -> None:
        super().__init__()
        hidden = max(d // 4, 1)
        self.net = nn.Sequential(xavier_(nn.Linear(d, hidden)), nn.ReLU(), xavier_(nn.Linear(hidden, 1)))

    def forward(self, z_r: torch.Tensor, z_v: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z_r, z_v], dim=-1)).squeeze(-1)


class SADVAE(FSVAE):
    """The skeleton VAE with latent (z_r, z_v), the text VAE with latent z_t, and the discriminator D. D is
    trained by its own optimiser; `vae_parameters` are the rest."""

    def __init__(self, d_skeleton: int, text: torch.Tensor, hp: Hyper, time_steps: int | None = None) -> None:
        super().__init__(d_skeleton, text, hp, time_steps)
        self.discriminator = Discriminator(hp.latent_dim + hp.irrelevant_dim)

    def _skeleton_vae(
        self,
        d_skeleton: int,
        hp: Hyper,
        freq: FrequencyEnhance | None,
    ) -> tuple[SplitEncoder, Decoder]:
        return (
            SplitEncoder(d_skeleton, hp.latent_dim, hp.irrelevant_dim, hp.hidden_dim, freq, hp.standardise),
            Decoder(hp.latent_dim + hp.irrelevant_dim, d_skeleton, hp.hidden_dim),
        )

    def vae_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if not name.startswith("discriminator.")]

    def forward(
        self,
        x_s: torch.Tensor,
        rows: torch.Tensor,
        eps: torch.Tensor,  # type: ignore[override]
        cross: bool = True,
        used: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> dict[str, torch.Tensor]:
        """Encode and sample z_r, z_v, z_t (eps: (3, B, 1), one draw per part and sample), decode each with
        its own decoder and, when `cross`, across: g_s^t from (z_t, z_v), g_t^s from z_r."""
        mu_r, logvar_r, mu_v, logvar_v = self.skeleton_encoder.split(x_s)
        mu_t, logvar_t = self.text_latents(rows, used)
        z_r = reparameterize(mu_r, logvar_r, eps[0])
        z_v = reparameterize(mu_v, logvar_v, eps[1])
        z_t = reparameterize(mu_t, logvar_t, eps[2])
        out = {
            "mu_r": mu_r,
            "logvar_r": logvar_r,
            "mu_v": mu_v,
            "logvar_v": logvar_v,
            "mu_t": mu_t,
            "logvar_t": logvar_t,
            "z_r": z_r,
            "z_v": z_v,
            "z_t": z_t,
            # the whole skeleton latent's Gaussian, whose KL L_VAE^s takes
            "mu_s": torch.cat([mu_r, mu_v], -1),
            "logvar_s": torch.cat([logvar_r, logvar_v], -1),
        }
        if cross:
            s_hat = self.skeleton_decoder(torch.cat([torch.cat([z_r, z_v], -1), torch.cat([z_t, z_v], -1)]))
            t_hat = self.text_decoder(torch.cat([z_t, z_r]))
            out["s_from_s"], out["s_from_t"] = s_hat.chunk(2)
            out["t_from_t"], out["t_from_s"] = t_hat.chunk(2)
        else:
            out["s_from_s"] = self.skeleton_decoder(torch.cat([z_r, z_v], -1))
            out["t_from_t"] = self.text_decoder(z_t)
        return out

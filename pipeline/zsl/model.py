"""FS-VAE (docs/architecture.md, "Methods"): a skeleton VAE and a text VAE, with the Frequency Enhanced module on
the
encoders' inputs. Read top to bottom: the frequency module, then encoder and decoder, then the pair.

Frequency Enhanced module. The input's DCT coefficients (n of them) are split into b bands at
e_j = floor(j (n - 1) / b), band i = coefficients [e_i, e_{i+1}) (as released: the last coefficient lies
in no band and keeps gain 1). Band i is scaled by

    g(i) = 1 + k w_i (1 - i / b)            low bands,  i <= phi
    g(i) = 1 - k w_i (1 - (i - b) / b)      high bands, i > phi

with w_i (initialised to 1) and the strength k (initialised to `strength`, 0.3) both learned, then the
inverse DCT gives the enhanced input. phi is configured as a DCT coefficient index, as in the released
code (`split_freq`) and the paper (phi = 35 for 256-d inputs): band i is low when its last coefficient
e_{i+1} <= phi, so phi maps to the band index phi_band = #{i : e_{i+1} <= phi} - 1. With phi unset the
split is at band b // 2 (low bands i <= b // 2). The gains form one vector over coefficients, applied by a
single elementwise multiply: no loop over bands.

Modes: `feature` (as released) transforms the feature axis of the pooled 256-d skeleton vector and of
the text vector, each with its own module. `temporal` (the paper's description) transforms the time axis
of the backbone's unpooled features (N, 256, T') and then pools; the text input is left as is. Pooling
is the mean over time of the rectified signal: a plain mean would only see the DC coefficient (the mean
of an orthonormal inverse DCT is X_0 / sqrt(T')), so the enhancement would reduce to one scale factor.
The backbone's features are rectified already, so with gains of 1 this pooling returns the plain mean.

VAEs as released: linear encoders (optionally one hidden layer) giving mu and log sigma^2, decoders
Linear + ReLU (the output too; the text decoder's output linear with `text_decoder_relu` off),
Xavier-uniform weights (gain 0.5) and zero biases, and one standard-normal draw per sample shared by all
latent dimensions, z = mu + exp(logvar / 2) * eps with eps of shape (B, 1).

CADA-VAE and MSF-GZSSAR are this pair with the frequency module off; SA-DVAE (`sadvae.py`) splits the
skeleton latent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pipeline.zsl.dct import dct, idct
from pipeline.zsl.presets import Hyper


def band_edges(n: int, bands: int) -> torch.Tensor:
    """e_0..e_b = floor(linspace(0, n - 1, b + 1)), the released split points."""
    return torch.linspace(0, n - 1, bands + 1).long()


def low_band_limit(n: int, bands: int, phi: int | None) -> int:
    """phi_band: bands i <= phi_band are low. From a coefficient index phi, or b // 2 when phi is None."""
    if phi is None:
        return bands // 2
    return int((band_edges(n, bands)[1:] <= phi).sum()) - 1


class FrequencyEnhance(nn.Module):
    """DCT along the last axis, gain g(i) per band, inverse DCT."""

    def __init__(self, n: int, bands: int, strength: float, phi: int | None) -> None:
        super().__init__()
        edges = band_edges(n, bands)
        coef = torch.arange(n)
        band_of_coef = torch.bucketize(coef, edges[1:], right=True)  # == bands for coefficients in no band
        i = torch.arange(bands, dtype=torch.float32)
        low = i <= low_band_limit(n, bands, phi)
        self.register_buffer("band_of_coef", band_of_coef, persistent=False)
        self.register_buffer("sign", torch.where(low, 1.0, -1.0), persistent=False)
        self.register_buffer("decay", torch.where(low, 1 - i / bands, 1 - (i - bands) / bands), persistent=False)
        self.k = nn.Parameter(torch.tensor(float(strength)))
        self.w = nn.Parameter(torch.ones(bands))

    def band_gains(self) -> torch.Tensor:
        """g(i) for every band i."""
        return 1 + self.sign * self.k * self.w * self.decay

    def _gains_and_one(self) -> torch.Tensor:
        """g(0..b-1) and a trailing 1, the gain of the coefficients in no band."""
        g = self.band_gains()
        return torch.cat([g, g.new_ones(1)])

    def gain(self) -> torch.Tensor:
        """The per-coefficient gain vector."""
        return self._gains_and_one()[self.band_of_coef]

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """x's band components (..., n, b + 1): column j is the inverse DCT of band j's coefficients (the
        last: the coefficients in no band). They sum to x, so a constant input is split once and then
        enhanced per step by one matrix-vector product with the gains, with no transform."""
        masks = F.one_hot(self.band_of_coef, len(self.w) + 1).T.to(x.dtype)
        return idct(dct(x).unsqueeze(-2) * masks).transpose(-1, -2).contiguous()

    def forward(self, x: torch.Tensor | None = None, bands: torch.Tensor | None = None) -> torch.Tensor:
        """idct(dct(x) * gain), or the same from x's precomputed `split`."""
        if bands is not None:
            return bands @ self._gains_and_one()
        return idct(dct(x) * self.gain())


def xavier_(linear: nn.Linear, blocks: int = 1) -> nn.Linear:
    """Released init: Xavier-uniform weights with gain 0.5 (per block of output rows), zero bias."""
    with torch.no_grad():
        for block in linear.weight.chunk(blocks):
            nn.init.xavier_uniform_(block, gain=0.5)
        nn.init.zeros_(linear.bias)
    return linear


class Encoder(nn.Module):
    """x -> (mu, logvar); through the frequency module first, and time pooling for (B, D, T') inputs.
    mu and logvar come from one linear head (two released layers side by side, each initialised alone).
    With `standardise`, x is first centred and scaled per feature by the training inputs' statistics
    (`fit_scale`; buffers, so a saved model keeps them)."""

    def __init__(
        self, d_in: int, latent: int, hidden: int, freq: FrequencyEnhance | None, standardise: bool = False
    ) -> None:
        super().__init__()
        self.freq = freq
        self.body = nn.Sequential(xavier_(nn.Linear(d_in, hidden)), nn.ReLU()) if hidden else nn.Identity()
        self.head = xavier_(nn.Linear(hidden or d_in, 2 * latent), blocks=2)
        self.standardise = standardise
        if standardise:
            self.register_buffer("in_mean", torch.zeros(d_in))
            self.register_buffer("in_std", torch.ones(d_in))

    def fit_scale(self, x: torch.Tensor) -> None:
        """Per-feature mean and std of the training inputs, (N, D) or (N, D, T')."""
        dims = (0, 2) if x.dim() == 3 else (0,)
        with torch.no_grad():
            self.in_mean.copy_(x.mean(dims))
            self.in_std.copy_(x.std(dims) + 1e-6)

    def _scaled(self, x: torch.Tensor) -> torch.Tensor:
        if not self.standardise:
            return x
        if x.dim() == 3:
            return (x - self.in_mean[:, None]) / self.in_std[:, None]
        return (x - self.in_mean) / self.in_std

    def forward(
        self,
        x: torch.Tensor,
        bands: torch.Tensor | None = None,
        rows: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar) of x, or of its `rows` only: the frequency module sees the whole input (its band
        split is precomputed for all of it), the layers after it only those rows."""
        x = self._scaled(x)
        if self.freq is not None:
            x = self.freq(x, bands)
        if rows is not None:
            x = x[rows]
        if x.dim() == 3:
            x = F.relu(x).mean(-1)
        mu, logvar = self.head(self.body(x)).chunk(2, dim=-1)
        return mu, logvar


class Decoder(nn.Module):
    """z -> reconstruction, Linear + ReLU as released (one hidden layer when hidden > 0). Without `relu_output`
    the last layer stays linear: a text vector is signed, and a ReLU output reconstructs only its positive
    part (the skeleton features are rectified already, so their decoder keeps it)."""

    def __init__(self, latent: int, d_out: int, hidden: int, relu_output: bool = True) -> None:
        super().__init__()
        layers = (
            [nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, d_out)]
            if hidden
            else [nn.Linear(latent, d_out)]
        )
        self.net = nn.Sequential(
            *(xavier_(m) if isinstance(m, nn.Linear) else m for m in layers),
            nn.ReLU() if relu_output else nn.Identity(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps, sigma = exp(logvar / 2); eps (B, 1) is shared across dimensions, as released."""
    return mu + torch.exp(0.5 * logvar) * eps


def frequency_modules(
    d_skeleton: int,
    d_text: int,
    hp: Hyper,
    time_steps: int | None,
) -> tuple[FrequencyEnhance | None, FrequencyEnhance | None]:
    """The skeleton and text encoders' frequency modules for hp.frequency (None where the mode has none)."""
    if hp.frequency == "feature":
        return (
            FrequencyEnhance(d_skeleton, hp.bands, hp.strength, hp.phi),
            FrequencyEnhance(d_text, hp.bands, hp.strength, hp.phi),
        )
    if hp.frequency == "temporal":
        if not time_steps:
            raise ValueError("the temporal frequency mode needs time-resolved skeleton features")
        return FrequencyEnhance(time_steps, hp.bands, hp.strength, hp.phi), None
    return None, None


class FSVAE(nn.Module):
    """The skeleton VAE (f_s -> z_s -> f_s) and the text VAE (f_t -> z_t -> f_t) of the training classes.

    The text side is a table: `text` holds f_t of every training class (row r), and a batch names each
    sample's row. The text encoder runs once per step over the table and its outputs are gathered per
    sample, which is the same computation as encoding every sample's text, with the frequency module
    applied through the table's precomputed band split (or only the rows a batch uses). The cross
    terms use the other decoder: g_t^s = text decoder(z_s), g_s^t = skeleton decoder(z_t).
    """

    def __init__(self, d_skeleton: int, text: torch.Tensor, hp: Hyper, time_steps: int | None = None) -> None:
        super().__init__()
        d_text = text.shape[1]
        freq_s, freq_t = frequency_modules(d_skeleton, d_text, hp, time_steps)
        self.skeleton_encoder, self.skeleton_decoder = self._skeleton_vae(d_skeleton, hp, freq_s)
        self.text_encoder = Encoder(d_text, hp.latent_dim, hp.hidden_dim, freq_t)
        self.text_decoder = Decoder(hp.latent_dim, d_text, hp.hidden_dim, hp.text_decoder_relu)
        self.register_buffer("text", text, persistent=False)
        with torch.no_grad():
            bands = freq_t.split(text) if freq_t is not None else None
        self.register_buffer("text_bands", bands, persistent=False)
        # the ZSL classifier fitted on this model's text latents (classifier.py) takes its output layer from here
        self.classifier_relu = hp.classifier_relu

    def _skeleton_vae(self, d_skeleton: int, hp: Hyper, freq: FrequencyEnhance | None) -> tuple[Encoder, Decoder]:
        """The skeleton encoder and decoder (SA-DVAE splits its latent)."""
        return (
            Encoder(d_skeleton, hp.latent_dim, hp.hidden_dim, freq, hp.standardise),
            Decoder(hp.latent_dim, d_skeleton, hp.hidden_dim),
        )

    def text_latents(
        self,
        rows: torch.Tensor,
        used: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu_t, logvar_t) of each sample's class text: the table encoded once, gathered by row. With
        `used` = torch.unique(rows, return_inverse=True), only the rows the batch uses are encoded (a batch
        of 64 drawn from 110 classes uses about 48, and the text head is the largest product of an NTU-120
        step); the other rows get no gradient either way, so the math is the same."""
        if used is None:
            mu_t, logvar_t = self.text_encoder(self.text, self.text_bands)
            return mu_t[rows], logvar_t[rows]
        mu_t, logvar_t = self.text_encoder(self.text, self.text_bands, used[0])
        return mu_t[used[1]], logvar_t[used[1]]

    def forward(
        self,
        x_s: torch.Tensor,
        rows: torch.Tensor,
        eps_s: torch.Tensor,
        eps_t: torch.Tensor,
        cross: bool = True,
        used: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> dict[str, torch.Tensor]:
        """Encode the batch's skeleton inputs and the text of its rows (see `text_latents` for `used`),
        sample, decode each latent with its own decoder (and, when `cross`, with the other modality's)."""
        mu_s, logvar_s = self.skeleton_encoder(x_s)
        mu_t, logvar_t = self.text_latents(rows, used)
        z_s = reparameterize(mu_s, logvar_s, eps_s)
        z_t = reparameterize(mu_t, logvar_t, eps_t)
        out = {"mu_s": mu_s, "logvar_s": logvar_s, "mu_t": mu_t, "logvar_t": logvar_t}
        if cross:
            s_hat = self.skeleton_decoder(torch.cat([z_s, z_t]))
            t_hat = self.text_decoder(torch.cat([z_t, z_s]))
            out["s_from_s"], out["s_from_t"] = s_hat.chunk(2)
            out["t_from_t"], out["t_from_s"] = t_hat.chunk(2)
        else:
            out["s_from_s"] = self.skeleton_decoder(z_s)
            out["t_from_t"] = self.text_decoder(z_t)
        return out

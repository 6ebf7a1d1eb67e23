"""Late-fused ridge maps: one closed-form map per backbone stream and per text field, scores averaged.

With a dozen seen classes a single map into the fused text space learns from a dozen distinct targets, and
the unseen classes are told apart only by what their texts share with those few; on small real datasets
the text side, not the skeleton features, limits zero-shot accuracy (bench/NOTES.md: the unseen classes'
own clips separate them at 93-100%). Each (stream, field) pair is a separate view of that transfer, its
errors partly independent of the others'; averaging their cosine scores cancels part of them, as late
fusion of a multi-stream backbone does for supervised recognition.

A stream is one network's slice of the pooled feature (a multi-stream backbone concatenates its networks'
features, equal widths) and a field one text field's slice of the fused f_t (`fuse` concatenates unit
vectors of equal width). Every map regresses the standardised stream features on the class texts centred
on the mean seen-class text (as the text-trained backbone's targets are); a class's score is the mean over
maps of the cosine between the map's output and its centred field text, over ridge's temperature. Each
penalty of ridge's grid is one candidate, selected on the validation carve like ridge's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from pipeline.errors import PipelineError
from pipeline.zsl.ridge import PENALTIES, TEMPERATURE, fit_ridge


@dataclass
class FusionMaps:
    """Every stream's standardisation and its maps (one per penalty) into the whole centred text table:
    ridge decouples over target columns, so a field's map is its columns of the stream's map."""

    streams: int
    fields: int
    center: torch.Tensor  # (d_t,) the mean seen-class text
    mean: torch.Tensor  # (S, D / S)
    std: torch.Tensor  # (S, D / S)
    maps: list[torch.Tensor]  # one (S, D / S, d_t) per penalty; kernel maps: (S, m, d_t)
    landmarks: torch.Tensor | None = None  # kernel maps (pipeline/zsl/kernel_ridge.py): (S, m, D / S)
    bandwidth: torch.Tensor | None = None  # kernel maps: (S,)


def _width(total: int, parts: int, what: str) -> int:
    if parts < 1 or total % parts:
        raise PipelineError(f"fusion: {what} of width {total} does not split into {parts} equal parts")
    return total // parts


def fit_fusion(
    x: torch.Tensor,
    y: torch.Tensor,
    center: torch.Tensor,
    streams: int,
    fields: int,
    penalties: tuple[float, ...] = PENALTIES,
    kernel: bool = False,
) -> FusionMaps:
    """Fit every stream's maps on (features, their class's f_t), the targets centred on `center`: linear
    ridge maps, or with `kernel` Gaussian kernel ridge maps over its own penalty grid."""
    width = _width(x.shape[1], streams, "the skeleton feature")
    _width(y.shape[1], fields, "the fused text")
    target = y - center
    if kernel:
        from pipeline.zsl.kernel_ridge import fit_kernel_ridge

        kms = [fit_kernel_ridge(x[:, s * width : (s + 1) * width], target) for s in range(streams)]
        return FusionMaps(
            streams,
            fields,
            center,
            torch.stack([k.mean for k in kms]),
            torch.stack([k.std for k in kms]),
            [torch.stack([k.maps[p] for k in kms]) for p in range(len(kms[0].maps))],
            torch.stack([k.landmarks for k in kms]),
            torch.stack([k.bandwidth for k in kms]),
        )
    fits = [fit_ridge(x[:, s * width : (s + 1) * width], target, penalties) for s in range(streams)]
    return FusionMaps(
        streams,
        fields,
        center,
        torch.stack([f[0] for f in fits]),
        torch.stack([f[1] for f in fits]),
        [torch.stack([f[2][p] for f in fits]) for p in range(len(penalties))],
    )


def member_latents(x: torch.Tensor, fm: FusionMaps, penalty: int) -> torch.Tensor:
    """(N, S * F, d_t / F): each map's output for each clip, unit length per (stream, field)."""
    width = fm.mean.shape[1]
    out = []
    for s in range(fm.streams):
        xs = (x[:, s * width : (s + 1) * width] - fm.mean[s]) / fm.std[s]
        if fm.landmarks is not None and fm.bandwidth is not None:
            from pipeline.zsl.kernel_ridge import kernel_rows

            xs = kernel_rows(xs, fm.landmarks[s], fm.bandwidth[s])
        z = xs @ fm.maps[penalty][s]
        out.append(torch.nn.functional.normalize(z.reshape(len(x), fm.fields, z.shape[1] // fm.fields), dim=2))
    return torch.cat(out, dim=1)


def member_weights(
    text: np.ndarray, center: np.ndarray, streams: int, fields: int, pairs: np.ndarray | None = None
) -> np.ndarray:
    """(S * F, C, d_t / F): each map's linear scorer, the unit centred field text over the temperature, so
    that the mean of the members' logits is the fused score. With `pairs` (S, F) only those (stream, field)
    maps count: the others' scorers are zero and the rest scaled, so the mean is still over those that count."""
    t = (np.asarray(text, dtype=np.float32) - np.asarray(center, dtype=np.float32)).reshape(len(text), fields, -1)
    t = t / np.maximum(np.linalg.norm(t, axis=2, keepdims=True), 1e-12) / TEMPERATURE
    weights = np.tile(t.transpose(1, 0, 2), (streams, 1, 1))
    if pairs is None:
        return weights
    counted = np.asarray(pairs, dtype=np.float32).reshape(-1)
    return weights * (counted * (counted.size / counted.sum()))[:, None, None]


# Which text fields the maps of a body part's channels are scored against (method `bodyparts`): the
# whole-body fields (train.fields), the part's own field, or both; the validation carve picks, per split.
PAIRINGS = ("fields", "part", "both")


def part_pairs(networks: int, parts: int, fields: int, pairing: str) -> np.ndarray:
    """(networks * parts, fields) bool for a `bodyparts` table: the whole-body fields first, then one field
    per part in the blocks' order; block s * parts + k is network s's part k."""
    common = fields - parts
    pairs = np.zeros((networks * parts, fields), dtype=bool)
    for block in range(networks * parts):
        pairs[block, :common] = pairing != "part"
        pairs[block, common + block % parts] = pairing != "fields"
    return pairs


def fused_logits(latents: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The members' logits averaged: (N, M, d) latents against (M, C, d) weights."""
    return torch.einsum("nmd,mcd->nc", latents, weights) / latents.shape[1]

"""Late-fused ridge maps (pipeline/zsl/fusion.py), one per backbone stream and text field. It trains
nothing; its "cycles" index ridge's penalty grid, which the protocol selects on like cycles."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.ridge import RIDGE, schedule
from pipeline.zsl.ridge import TEMPERATURE


def _maps(b: Any, reads: str, blocks: int, kernel: bool) -> Any:
    """The branch's maps, fitted once: `outputs` and `weights` of a seed read the same fit."""
    key = ("fusion", reads, blocks, kernel)
    if key not in b.fits:
        from pipeline.zsl.fusion import fit_fusion

        text = b.data.text
        x = getattr(b.data, reads)
        b.fits[key] = fit_fusion(
            x, text[b.data.rows], text.mean(dim=0), b.streams * blocks, b.fields, kernel=kernel
        )
    return b.fits[key]


def _pairings(b: Any, fm: Any, blocks: int) -> list[np.ndarray | None]:
    """The (map, field) pairs each candidate counts: every pair for a map per network; for `bodyparts`
    (`blocks` per network, a field per body part after the whole-body ones) one set per pairing."""
    if blocks == 1:
        return [None]
    from pipeline.zsl.fusion import PAIRINGS, part_pairs

    return [part_pairs(b.streams, blocks, fm.fields, pairing) for pairing in PAIRINGS]


def outputs(
    b: Any, sample: np.ndarray | None, reads: str = "features", blocks: int = 1, kernel: bool = False
) -> list[Any]:
    """The CycleEval of every candidate: each penalty (after each pairing of maps and fields, for
    `bodyparts`). Its latents for the plots are the members' unit outputs side by side (scaled to unit
    length) and its texts the members' centred field texts the same way, so that their cosine is the mean of
    the members' cosines the scores average. A map per network reads the pooled `features`; `bodyparts`
    reads the method's own `inputs`, `blocks` of them per network, through kernel maps (`kernel`)."""
    import torch

    from pipeline.zsl.cycles import CycleEval
    from pipeline.zsl.evaluate import accuracy
    from pipeline.zsl.fusion import fused_logits, member_latents, member_weights

    fm = _maps(b, reads, blocks, kernel)
    scorers = []
    for pairs in _pairings(b, fm, blocks):
        weights = torch.as_tensor(
            member_weights(b.unseen_text.cpu().numpy(), fm.center.cpu().numpy(), fm.streams, fm.fields, pairs),
            device=b.unseen_text.device,
        )
        text = (weights * TEMPERATURE).permute(1, 0, 2).reshape(len(b.unseen_classes), -1) / len(weights) ** 0.5
        scorers.append((weights, text.cpu().numpy()))
    by_pairing: list[list[Any]] = [[] for _ in scorers]
    # one penalty's latents at a time: an NTU-sized part's are large; for the same reason kernel maps compute
    # their kernel rows again for each penalty (about a quarter of the scoring time at NTU-60's size)
    for p in range(len(fm.maps)):
        z_s, z_u = (member_latents(part["inputs"], fm, p) for part in (b.test_seen, b.test_unseen))
        for evals, (weights, text) in zip(by_pairing, scorers):
            probs_s = torch.softmax(fused_logits(z_s, weights), dim=1).cpu().numpy()
            probs_u = torch.softmax(fused_logits(z_u, weights), dim=1).cpu().numpy()
            pred = b.unseen_classes[probs_u.argmax(1)]
            flat = z_u.reshape(len(z_u), -1) / weights.shape[0] ** 0.5
            none = np.zeros((0, 1), np.float32)
            plotted = flat[torch.as_tensor(sample)].cpu().numpy() if sample is not None else none
            zsl = accuracy(pred, b.test_unseen["class_idx"])
            evals.append(CycleEval(zsl, pred, probs_s, probs_u, plotted, text, 0.0))
    return [e for evals in by_pairing for e in evals]  # candidate = pairing * penalties + penalty


def weights(
    b: Any, selected: int, reads: str = "features", blocks: int = 1, kernel: bool = False
) -> dict[str, Any]:
    """Every stream's standardisation and its map at the selected candidate's penalty, the text centre, the
    layout (streams, fields), for `bodyparts` the (map, field) pairs it counts and the kernel maps' landmarks
    and bandwidths: the very fit the evaluations scored with."""
    import torch

    fm = _maps(b, reads, blocks, kernel)
    pairs = _pairings(b, fm, blocks)[selected // len(fm.maps)]
    saved = {
        "mean": fm.mean.cpu(),
        "std": fm.std.cpu(),
        "map": fm.maps[selected % len(fm.maps)].cpu(),
        "center": fm.center.float().cpu(),
        "fields": torch.tensor(fm.fields),
    }
    if pairs is not None:
        saved["pairs"] = torch.as_tensor(pairs)
    if fm.landmarks is not None:
        saved["landmarks"] = fm.landmarks.cpu()
        saved["bandwidth"] = fm.bandwidth.cpu()
    return {"fusion": saved}


METHOD = Method(
    "fusion",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},  # ridge's values: its penalty grid is the candidates
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    outputs=outputs,
    weights=weights,
)

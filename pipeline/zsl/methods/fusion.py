"""Late-fused ridge maps (pipeline/zsl/fusion.py), one per backbone stream and text field. It trains
nothing; its "cycles" index ridge's penalty grid, which the protocol selects on like cycles."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.ridge import RIDGE, schedule
from pipeline.zsl.ridge import TEMPERATURE


def _maps(b: Any, reads: str, blocks: int) -> Any:
    from pipeline.zsl.fusion import fit_fusion

    text = b.data.text
    x = getattr(b.data, reads)
    return fit_fusion(x, text[b.data.rows], text.mean(dim=0), b.streams * blocks, b.fields)


def outputs(b: Any, sample: np.ndarray | None, reads: str = "features", blocks: int = 1) -> list[Any]:
    """The CycleEval of every penalty. Its latents for the plots are the members' unit outputs side by
    side (scaled to unit length) and its texts the members' centred field texts the same way, so that
    their cosine is the mean of the members' cosines the scores average. A map per network reads the
    pooled `features`; `bodyparts` reads the method's own `inputs`, `blocks` of them per network."""
    import torch

    from pipeline.zsl.cycles import CycleEval
    from pipeline.zsl.evaluate import accuracy
    from pipeline.zsl.fusion import fused_logits, member_latents, member_weights

    fm = _maps(b, reads, blocks)
    weights = torch.as_tensor(
        member_weights(b.unseen_text.cpu().numpy(), fm.center.cpu().numpy(), fm.streams, fm.fields),
        device=b.unseen_text.device,
    )
    members = weights.shape[0]
    text = (weights * TEMPERATURE).permute(1, 0, 2).reshape(len(b.unseen_classes), -1) / members**0.5
    out = []
    for p in range(len(fm.maps)):
        z_s, z_u = (member_latents(part["inputs"], fm, p) for part in (b.test_seen, b.test_unseen))
        probs_s = torch.softmax(fused_logits(z_s, weights), dim=1).cpu().numpy()
        probs_u = torch.softmax(fused_logits(z_u, weights), dim=1).cpu().numpy()
        pred = b.unseen_classes[probs_u.argmax(1)]
        flat = z_u.reshape(len(z_u), -1) / members**0.5
        none = np.zeros((0, 1), np.float32)
        latents = flat[torch.as_tensor(sample)].cpu().numpy() if sample is not None else none
        zsl = accuracy(pred, b.test_unseen["class_idx"])
        out.append(CycleEval(zsl, pred, probs_s, probs_u, latents, text.cpu().numpy(), 0.0))
    return out


def weights(b: Any, selected: int, reads: str = "features", blocks: int = 1) -> dict[str, Any]:
    """Every stream's standardisation and its map at the selected penalty, the text centre and the layout
    (streams, fields): recomputed from the training features, a closed form, so identical to the evaluated."""
    import torch

    fm = _maps(b, reads, blocks)
    return {
        "fusion": {
            "mean": fm.mean.cpu(),
            "std": fm.std.cpu(),
            "map": fm.maps[selected].cpu(),
            "center": fm.center.float().cpu(),
            "fields": torch.tensor(fm.fields),
        }
    }


METHOD = Method(
    "fusion",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},  # ridge's values: its penalty grid is the candidates
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    outputs=outputs,
    weights=weights,
)

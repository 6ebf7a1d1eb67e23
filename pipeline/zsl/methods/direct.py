"""The direct zero-shot classifier of a backbone trained against class texts (skeleton.backbone.objective
text or both): a clip goes to the unseen class whose text is nearest, by cosine, to the backbone's
projection of it. It trains nothing; the class texts are centred as the backbone's targets were (minus the
mean seen-class text, renormalised), and its probabilities are softmax(cos / TAU). One candidate stands
in for the cycles, so the protocol evaluates, gates and reports it like every method.

It scores the text the backbone learned against: the fused vectors of every field (train.fields at its
default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.common import TRAINER_CHOICES, cross_reconstruction_schedule
from pipeline.zsl.methods.fsvae import FSVAE_RELEASED_60
from pipeline.zsl.schedule import Ramp

TAU = 0.1  # the backbone objective's default temperature (skeleton.backbone.tau)
DIRECT = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(frequency="off", calibrated=False, cycles=1)


def schedule(preset: str, v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    """Unused (nothing trains); recorded with the resolved values like every method's."""
    return cross_reconstruction_schedule(v, base_steps)


def class_weights(text: np.ndarray, center: np.ndarray) -> np.ndarray:
    """The linear scorer over projections: each class's text minus the seen-class mean, renormalised, over
    TAU (softmax of projection @ weights.T is softmax(cos / TAU) for unit projections)."""
    t = np.asarray(text, dtype=np.float32) - np.asarray(center, dtype=np.float32)
    return t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12) / TAU


def outputs(b: Any, sample: np.ndarray | None) -> list[Any]:
    """One CycleEval: the unseen classes' centred texts against the test parts' projections."""
    import torch

    from pipeline.zsl.cycles import CycleEval
    from pipeline.zsl.evaluate import accuracy

    center = b.data.text.mean(dim=0).cpu().numpy()  # the branch's seen classes, as the backbone centred them
    weight = torch.as_tensor(class_weights(b.unseen_text.cpu().numpy(), center), device=b.unseen_text.device)

    def probs(inputs: torch.Tensor) -> np.ndarray:
        unit = torch.nn.functional.normalize(inputs, dim=1)
        return torch.softmax(unit @ weight.T, dim=1).cpu().numpy()

    probs_s, probs_u = probs(b.test_seen["inputs"]), probs(b.test_unseen["inputs"])
    pred = b.unseen_classes[probs_u.argmax(1)]
    unseen = b.test_unseen["inputs"]
    latents = unseen[torch.as_tensor(sample)].cpu().numpy() if sample is not None else np.zeros((0, 1), np.float32)
    text = (weight * TAU).cpu().numpy()
    return [CycleEval(accuracy(pred, b.test_unseen["class_idx"]), pred, probs_s, probs_u, latents, text, 0.0)]


def weights(b: Any, selected: int) -> dict[str, Any]:
    """The centre of the class texts (the mean seen-class text): with the projection the backbone gives,
    all a new class list needs."""
    return {"direct": {"center": b.data.text.mean(dim=0).float().cpu()}}


METHOD = Method(
    "direct",
    {"released": (DIRECT, DIRECT), "paper": (DIRECT, DIRECT)},
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    inputs="projection",
    outputs=outputs,
    weights=weights,
)

"""What a trained seed leaves for inference: the tensors of its selected model, ready to be saved.

VAE methods: `members`, one per model the seed reports (the selected cycle's, or every cycle's with
`train.select = average`), each the main model's state after its cycle and, with `train.scorer =
classifier`, the ZSL classifier over the split's unseen classes refitted from the generator state that
cycle's evaluation used, so it is exactly the classifier the result was scored with (the text scorer
trains nothing: the model and the class texts make it again). Methods that train nothing (ridge, direct)
say what they save themselves (`Method.weights`). A gate that reads ridge (`train.gate_input = ridge`) needs
that ridge map at inference too: it is saved beside the model as `gate_ridge`.
"""

from __future__ import annotations

from typing import Any

from pipeline.zsl.methods import METHODS
from pipeline.zsl.presets import Hyper
from pipeline.zsl.protocol import SeedOutcome


def model_weights(outcome: SeedOutcome, hp: Hyper) -> dict[str, Any] | None:
    """The tensors to save (without the text table), or None when the method left no model."""
    weights = _method_weights(outcome, hp)
    if weights is not None and outcome.gate_ridge is not None:
        import torch

        branch = outcome.ridge_branch or outcome.branch
        weights["gate_ridge"] = METHODS["ridge"].weights(branch, outcome.gate_ridge)["ridge"]
        if outcome.ridge_table is not None:  # the whole-body table the map reads, beside the method's own
            weights["gate_ridge"]["text"] = torch.as_tensor(outcome.ridge_table)
    return weights


def _method_weights(outcome: SeedOutcome, hp: Hyper) -> dict[str, Any] | None:
    import torch

    main = outcome.branch
    method = METHODS[hp.method]
    if method.weights is not None:
        return method.weights(main, outcome.selected)
    if not outcome.models:
        return None
    from pipeline.zsl.classifier import ZSLClassifier, fit_scorer
    from pipeline.zsl.train import build_model

    members = []
    for kept in outcome.models:
        model = build_model(main.data, hp, 0)
        model.load_state_dict(kept.state)
        model.eval()
        member = {"vae": {k: v.detach().cpu() for k, v in model.state_dict().items()}}
        gen = torch.Generator(device=main.data.features.device)
        gen.set_state(kept.classifier_rng)
        cls = fit_scorer(model, main.unseen_text, main.unseen_classes, hp, gen)
        if isinstance(cls, ZSLClassifier):
            linear = cls.linear
            member["classifier"] = {"weight": linear.weight.detach().cpu(), "bias": linear.bias.detach().cpu()}
        members.append(member)
    return {"members": members}

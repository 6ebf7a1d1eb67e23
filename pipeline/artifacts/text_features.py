"""The `text-features` artifact: one L2-normalised vector per class and field, in `text.parquet`.

Rows: `idx` (class index), `label`, `field` (label, local or global), `text` (what was embedded),
`vector`; the table metadata holds the encoder's name, the vector size and the descriptions' sha256.
The fused f_t = normalise(concat(f_label, f_LD, f_GD)) is not stored: `fuse` computes it from the
fields, so any subset of them can be fused, and training, the trainers' text tables and `zssar predict`'s
new class lists all fuse here, so a class is the same vector wherever it is scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.artifacts.kinds import TEXT_FEATURES as KIND
from pipeline.artifacts.tables import read_table, write_table
from pipeline.errors import PipelineError
from pipeline.store import Store

FILE = "text.parquet"
FIELDS = ("label", "local", "global")


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (an all-zero row stays zero)."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def fuse(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """f_t from one (C, d) array of unit rows per field (as `l2_normalise` leaves them), in the order given."""
    return l2_normalise(np.concatenate(list(vectors), axis=1))


@dataclass
class TextFeatures:
    """Per-class text vectors of one dataset: `fields[f]` is (C, d), row = class index."""

    key: str
    encoder: str
    dim: int
    descriptions_sha256: str
    labels: list[str]
    fields: dict[str, np.ndarray]
    texts: dict[str, list[str]] = field(default_factory=dict)  # the embedded strings per field, class order

    def fused(self, fields: Sequence[str] = FIELDS) -> np.ndarray:
        """f_t over the chosen fields (ablations drop some; `bodyparts` adds a field per body part)."""
        bad = [f for f in fields if f not in self.fields]
        if bad or not fields:
            raise PipelineError(f"text fields {list(fields)}: choose from {list(self.fields)}")
        return fuse([self.fields[f] for f in fields])


def write_text_features(
    folder: Path,
    labels: Sequence[str],
    texts: dict[str, list[str]],
    vectors: dict[str, np.ndarray],
    meta: dict[str, Any],
) -> None:
    """Write the table into an artifact folder being built; `texts` and `vectors` are keyed by field."""
    n = len(labels)
    dim = next(iter(vectors.values())).shape[1]
    write_table(
        folder / FILE,
        {
            "idx": np.tile(np.arange(n, dtype=np.int32), len(FIELDS)),
            "label": [labels[i] for _ in FIELDS for i in range(n)],
            "field": [f for f in FIELDS for _ in range(n)],
            "text": [t for f in FIELDS for t in texts[f]],
            "vector": np.concatenate([vectors[f] for f in FIELDS]).reshape(-1, dim),
        },
        meta,
    )


def read_text_features(store: Store, key: str) -> TextFeatures:
    cols, meta = read_table(store.file(KIND, key, FILE))
    n = int(cols["idx"].max()) + 1
    fields, texts = {}, {}
    for name in FIELDS:
        rows = cols["field"] == name
        order = np.argsort(cols["idx"][rows])
        fields[name] = cols["vector"][rows][order].astype(np.float32)
        texts[name] = [str(t) for t in cols["text"][rows][order]]
    labels = list(cols["label"][cols["field"] == FIELDS[0]][np.argsort(cols["idx"][cols["field"] == FIELDS[0]])])
    if any(len(v) != n for v in fields.values()):
        raise PipelineError(f"{store.path(KIND, key) / FILE}: fields have different class counts")
    return TextFeatures(
        key=key,
        encoder=meta["encoder"],
        dim=int(meta["dim"]),
        descriptions_sha256=meta["descriptions_sha256"],
        labels=labels,
        fields=fields,
        texts=texts,
    )

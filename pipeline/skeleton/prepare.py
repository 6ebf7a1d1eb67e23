"""`zssar skeleton prepare`: read (or generate) a dataset's clips once into one cached array file.

Artifact kind `skeleton-data`; its key hashes the dataset name, the source's fingerprint (real data:
the names, sizes and sha256 of its files, see `readers.fingerprint`; synthetic data: the synthetic
settings), the protocol and the preprocessing settings. Files:
- `x.npy`: (N, M, T, J, 3) float16. Centred coordinates in metres lie within a few metres, where
  float16 resolves 1-4 mm, finer than Kinect's noise (~1-2 cm); it halves NTU-120 (114k clips x 2 x
  64 x 25 x 3) from 4.4 GB to 2.2 GB. `load_prepared` memory-maps it; readers convert each batch to
  float32 as they take it (`np.asarray(x[rows], np.float32)`).
- `index.parquet`: sample_id, label, subject, view, setup, one row per clip, in the order of `x`.
The info records the layout (a dict, so custom layouts round-trip), the training subjects, counts and
the resolved config. The ref `data/<dataset>` names the latest prepared key of a dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.catalog import Dataset
from pipeline.config import Config, section_dict
from pipeline.console import info, summary
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.skeleton.clips import Clip, Prepared
from pipeline.skeleton.layouts import NTU25, Layout, get_layout
from pipeline.skeleton.readers.fingerprint import source_fingerprint
from pipeline.store import Store, file_sha256, hash_spec

KIND = "skeleton-data"
# Bump when the generator or the preprocessing changes what an artifact holds for the same settings.
VERSION = 1
HASH_CACHE = "file-hashes.json"  # in the store root: sha256 of source files by size, mtime and inode
# A dataset folder's class texts do not shape its skeleton arrays, so editing them keeps the key.
DESCRIPTION_FILES = ("descriptions.jsonl", "descriptions.jsonl.config.json")
# Readers whose training subjects come from the protocol, not from skeleton.prepare.test_fraction and seed.
FIXED_PROTOCOL = ("ntu60", "ntu120")


def data_ref(dataset: Dataset) -> str:
    return f"data/{dataset.name}"


def _spec(dataset: Dataset, cfg: Config, source: Path | None) -> dict[str, object]:
    """Everything that determines the prepared arrays, hashed into the key."""
    p = cfg.skeleton.prepare
    spec: dict[str, object] = {
        "dataset": dataset.name,
        "version": VERSION,
        "prepare": {"frames": p.frames, "max_bodies": p.max_bodies},
    }
    if dataset.synthetic:
        spec["source"] = {"synthetic": section_dict(cfg.skeleton.synthetic)}
        return spec
    root = dataset.path if dataset.path is not None else source
    if root is None:
        from pipeline.skeleton.readers import read_source

        read_source(dataset, None, cfg)  # raises, saying where to get the data and how to pass it
        raise PipelineError(f"{dataset.name}: pass the raw data with --source DIR")
    spec["source"] = source_fingerprint(Path(root), Path(cfg.store) / HASH_CACHE, skip=DESCRIPTION_FILES)
    spec["protocol"] = p.protocol
    if p.missing_list:
        listed = Path(p.missing_list)
        if not listed.is_file():
            raise PipelineError(f"{listed}: skeleton.prepare.missing_list names no file")
        spec["missing_list"] = file_sha256(listed)
    if dataset.name not in FIXED_PROTOCOL:
        spec["subjects"] = {"test_fraction": p.test_fraction, "seed": cfg.seed}
    return spec


def _clips(dataset: Dataset, cfg: Config, source: Path | None) -> tuple[list[Clip], Layout, tuple[int, ...]]:
    if dataset.synthetic:
        from pipeline.skeleton.synthetic import generate_clips, train_subjects

        synthetic = cfg.skeleton.synthetic
        return generate_clips(dataset.num_classes, synthetic), NTU25, train_subjects(synthetic)
    from pipeline.skeleton.readers import read_source

    return read_source(dataset, source, cfg)


def _two_body_clips(x: np.ndarray, chunk: int = 4096) -> int:
    return sum(int(x[i : i + chunk, 1:].any(axis=(1, 2, 3, 4)).sum()) for i in range(0, len(x), chunk))


def _prepare(dataset: Dataset, cfg: Config, source: Path | None) -> tuple[str, bool]:
    """(key, whether it was already in the store)."""
    from pipeline.artifacts.tables import write_table
    from pipeline.skeleton.preprocess import preprocess_clips

    store = Store(cfg.store)
    spec = _spec(dataset, cfg, source)
    key = hash_spec(KIND, spec)
    if store.has(KIND, key):
        store.set_ref(data_ref(dataset), KIND, key)
        return key, True
    clips, layout, train = _clips(dataset, cfg, source)
    labels = {c.label for c in clips}
    if bad := sorted(c for c in labels if not 0 <= c < dataset.num_classes):
        raise PipelineError(f"{dataset.name}: clip labels {bad[:5]} outside 0..{dataset.num_classes - 1}")
    prepared = preprocess_clips(clips, layout, cfg, train, dtype=np.float16)
    setup = np.array([c.setup for c in clips], dtype=np.int64)
    del clips  # the raw clips can be large (NTU-120); only the arrays are needed from here
    counts = {
        "clips": len(prepared),
        "classes": len(labels),
        "subjects": len(set(prepared.subject.tolist())),
        "train_clips": int(np.isin(prepared.subject, train).sum()),
        "two_body_clips": _two_body_clips(prepared.x),
    }
    meta = {
        "layout": layout.to_dict(),
        "train_subjects": list(prepared.train_subjects),
        "counts": counts,
        "shape": list(prepared.x.shape),
        "dtype": str(prepared.x.dtype),
        "source_path": str(source if source is not None else dataset.path or ""),
        "config": cfg.to_dict(),
    }
    with store.writer(KIND, key, spec, meta) as folder:
        np.save(folder / "x.npy", prepared.x)
        write_table(
            folder / "index.parquet",
            {
                "sample_id": prepared.sample_id.astype(str).tolist(),
                "label": prepared.label,
                "subject": prepared.subject,
                "view": prepared.view,
                "setup": setup,
            },
            {"dataset": dataset.name, "layout": layout.name},
        )
    store.set_ref(data_ref(dataset), KIND, key)
    return key, False


def prepare_dataset(dataset: Dataset, cfg: Config, source: Path | None = None) -> str:
    """Prepare a dataset's clips (read or generate, preprocess, store) unless they are cached; the key."""
    if dataset.synthetic and source is not None:
        info(f"{dataset.name} is generated, --source {source} is not used")
        source = None
    key, hit = _prepare(dataset, cfg, source)
    meta = Store(cfg.store).meta(KIND, key)["info"]
    c = meta["counts"]
    summary(
        f"skeleton prepare {dataset.name}: {c['clips']} clips, {c['classes']} classes, "
        f"x {'x'.join(map(str, meta['shape']))} {meta['dtype']}, key {key} "
        f"({'cached' if hit else 'new'})"
    )
    return key


def load_prepared(store: Store, key: str) -> Prepared:
    """A prepared dataset from the store; `x` is the float16 array memory-mapped (convert per batch)."""
    from pipeline.artifacts.tables import read_table

    meta = store.meta(KIND, key)["info"]
    x = np.load(store.file(KIND, key, "x.npy"), mmap_mode="r")
    cols, _ = read_table(store.file(KIND, key, "index.parquet"))
    if len(cols["label"]) != x.shape[0]:
        raise PipelineError(
            f"{store.path(KIND, key)}: index.parquet has {len(cols['label'])} rows, x.npy {x.shape[0]} clips"
        )
    return Prepared(
        x=x,
        label=cols["label"].astype(np.int64),
        subject=cols["subject"].astype(np.int64),
        view=cols["view"].astype(np.int64),
        sample_id=cols["sample_id"].astype(str),
        layout=meta["layout"]["name"],
        train_subjects=tuple(int(s) for s in meta["train_subjects"]),
    )


def layout_of(store: Store, key: str) -> Layout:
    """The full layout a prepared dataset was made with (custom layouts included)."""
    return get_layout(store.meta(KIND, key)["info"]["layout"], where=str(store.path(KIND, key)))


def prepared_for(dataset: Dataset, cfg: Config) -> tuple[str, Prepared]:
    """The prepared data a later stage should use: synthetic data for the current settings (prepared now
    if missing); real data as last prepared (`data/<dataset>`), which needs its --source."""
    store = Store(cfg.store)
    if dataset.synthetic:
        key = hash_spec(KIND, _spec(dataset, cfg, None))
        if not store.has(KIND, key):
            key = prepare_dataset(dataset, cfg)
        return key, load_prepared(store, key)
    ref = store.get_ref(data_ref(dataset))
    if ref is None:
        raise MissingArtifactError(
            f"{dataset.name}: no prepared skeleton data in {store.root}; run "
            f"`zssar skeleton prepare --dataset {dataset.name} --source DIR`"
        )
    _, key = ref
    p = cfg.skeleton.prepare
    made = store.meta(KIND, key)["spec"]["prepare"]
    if (made["frames"], made["max_bodies"]) != (p.frames, p.max_bodies):
        raise PipelineError(
            f"{dataset.name}: prepared data {key} has frames={made['frames']}, max_bodies="
            f"{made['max_bodies']} but the config asks for {p.frames}, {p.max_bodies}; run "
            f"`zssar skeleton prepare --dataset {dataset.name} --source DIR` with these settings"
        )
    return key, load_prepared(store, key)


def data_key_for(dataset: Dataset, cfg: Config) -> str | None:
    """The key of the prepared data later stages use, without reading it: synthetic data's from the
    settings, real data's from its ref (None when it was never prepared here)."""
    if dataset.synthetic:
        return hash_spec(KIND, _spec(dataset, cfg, None))
    ref = Store(cfg.store).get_ref(data_ref(dataset))
    return ref[1] if ref is not None else None

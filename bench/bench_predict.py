"""Latency of `zssar predict` on the CPU with the model loaded: one clip, and a folder of 1,000 clips.

The model is a real one, made by the pipeline in a temporary store on synthetic NTU-style data with the
default architecture (the `small` ST-GCN backbone on 64 frames, FS-VAE's released shapes, MiniLM text
features) and a token training schedule: latency depends on those shapes, not on how well the model was
trained. The clips are synthetic `.npy` files of (T, M, 25, 3), read from disk as a user's would be, so
the timings include reading, preprocessing, the backbone, the skeleton encoder and the scorer.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from common import best_of, load_average, median, row, timed

ONE_CLIP_TARGET_S = 1.0


def _train(root: Path) -> tuple[Any, str]:
    """A saved FS-VAE model (and its backbone) in a store under `root`: config and model key."""
    from pipeline.catalog import get_dataset, get_split
    from pipeline.config import Config
    from pipeline.skeleton.prepare import prepare_dataset
    from pipeline.stages.embed import embed_dataset
    from pipeline.stages.skeleton import extract_features
    from pipeline.stages.train import train_split

    cfg = Config(store=str(root / "store"), results=str(root / "results"), device="cpu")
    cfg.skeleton.synthetic.samples_per_class = 2
    cfg.skeleton.backbone.epochs = 1
    cfg.train.cycles, cfg.train.steps_per_cycle = 1, 50
    dataset = get_dataset("synthetic60")
    split = get_split(dataset, "55_5")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        embed_dataset(dataset, cfg)
        prepare_dataset(dataset, cfg)
        extract_features(dataset, split, cfg)
        [result] = train_split(dataset, split, cfg)
    return cfg, result["model_key"]


def _clips(folder: Path, n: int) -> list[Path]:
    """n synthetic clips of 64 frames as .npy files, as many per class of NTU-60 as it takes."""
    from pipeline.skeleton.settings import SyntheticConfig
    from pipeline.skeleton.synthetic import generate_clips

    folder.mkdir(parents=True)
    clips = generate_clips(60, SyntheticConfig(samples_per_class=-(-n // 60), seed=1))[:n]
    paths = []
    for clip in clips:
        paths.append(folder / f"{clip.sample_id}.npy")
        np.save(paths[-1], clip.data)
    return paths


def run(quick: bool) -> list[dict[str, Any]]:
    import torch

    from pipeline.predict.infer import ONE_THREAD_CLIPS, load_predictor

    n = 200 if quick else 1000
    with tempfile.TemporaryDirectory(prefix="bench-predict-") as tmp:
        root = Path(tmp)
        cfg, key = _train(root)
        paths = _clips(root / "clips", n)
        load = timed(lambda: load_predictor(cfg, key), repeat=1, warmup=0)
        predictor = load_predictor(cfg, key)
        one = timed(lambda: predictor.run(paths[0]), repeat=5 if quick else 20, warmup=2)
        many = timed(lambda: predictor.run(root / "clips"), repeat=1 if quick else 3, warmup=0)
        labelled = len(predictor.run(root / "clips").clips)
    where = (
        f"CPU, {torch.get_num_threads()} torch threads (one for up to {ONE_THREAD_CLIPS} clips), load average "
        f"{load_average():.1f}"
    )
    shapes = "small ST-GCN, 64 frames, FS-VAE released shapes"
    return [
        row(
            "predict: load model, backbone and classifier", round(best_of(load), 3), "s", "", f"{where}; {shapes}"
        ),
        row(
            "predict: 1 clip (model loaded)",
            round(1000 * median(one), 1),
            "ms",
            f"< {1000 * ONE_CLIP_TARGET_S:.0f} ms",
            f"median of {len(one)}; best {1000 * best_of(one):.1f} ms; {where}",
        ),
        row(
            f"predict: {n} clips (model loaded)",
            round(best_of(many), 2),
            "s",
            "",
            f"{1000 * best_of(many) / labelled:.2f} ms per clip; best of {len(many)}; "
            "read + preprocess + backbone "
            f"+ encoder + scorer; {where}",
        ),
    ]

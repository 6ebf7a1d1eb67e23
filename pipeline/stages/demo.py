"""`zssar demo`: the whole pipeline on the embedded synthetic data, offline, in a few minutes on a CPU.

Every stage is the same public function the CLI and tests call; the only difference from a real run is a
shortened training schedule, which the demo prints and every result records in its resolved config.
"""

from __future__ import annotations

import copy
import time

from pipeline.catalog import get_dataset, get_split
from pipeline.config import Config
from pipeline.console import info, summary
from pipeline.describe.io import load_descriptions


def run_demo(cfg: Config) -> None:
    from pipeline.stages.embed import embed_dataset
    from pipeline.stages.report import build_report
    from pipeline.stages.skeleton import extract_features, prepare_dataset
    from pipeline.stages.train import train_split

    start = time.perf_counter()
    cfg = copy.deepcopy(cfg)
    cfg.skeleton.backbone.epochs = cfg.demo.backbone_epochs
    dataset = get_dataset(cfg.demo.dataset)
    split = get_split(dataset, cfg.demo.split)
    descriptions = load_descriptions(dataset, cfg.descriptions_dir)
    info(f"1/5 descriptions: {descriptions.path} ({len(descriptions.records)} classes, authored, no LLM needed)")
    info("2/5 text features")
    embed_dataset(dataset, cfg)
    info("3/5 synthetic skeleton data (a test bed, not a claim about real accuracy)")
    prepare_dataset(dataset, cfg)
    info(
        f"4/5 backbone and features on split {split.name}: {len(split.seen)} seen, "
        f"{len(split.unseen)} unseen classes; demo schedule {cfg.demo.backbone_epochs} epochs (default "
        f"{type(cfg.skeleton.backbone)().epochs})"
    )
    extract_features(dataset, split, cfg)
    info(
        f"5/5 zero-shot training: demo schedule {cfg.demo.cycles} cycles x "
        f"{cfg.demo.steps_per_cycle} steps (the released schedule is 10 x 1700)"
    )
    for method in cfg.demo.methods:
        run_cfg = copy.deepcopy(cfg)
        run_cfg.train.method = method
        run_cfg.train.cycles = cfg.demo.cycles
        run_cfg.train.steps_per_cycle = cfg.demo.steps_per_cycle
        train_split(dataset, split, run_cfg)
    paths = build_report(cfg)
    summary(
        f"demo: done in {time.perf_counter() - start:.0f}s on synthetic data; report: "
        + ", ".join(str(p) for p in paths.values())
    )

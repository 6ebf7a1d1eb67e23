"""The store keys of a split's backbones and feature set, from the configuration alone (no torch).

A key is the hash of everything that determines the artifact, so the skeleton stages tell a full cache
hit without importing torch or setting up a device (pipeline/stages/skeleton.py).

Parts of a feature set (pipeline/artifacts/feature_sets.py holds the format):

    part             backbone  classes             subjects
    train            main      seen                training
    test_seen        main      seen                test
    test_unseen      main      unseen              test (or all: skeleton.unseen_test)
    val_train        val       val_seen            training
    val_test_seen    val       val_seen            test
    val_test_unseen  val       val_unseen          all

`val_test_unseen` takes the pseudo-unseen classes from all subjects: the val backbone never saw those
classes, from any subject, so every clip of them is as unseen to it as `test_unseen` is to main (and
the gate fitted on them gets twice the samples).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.artifacts.kinds import BACKBONE as BACKBONE_KIND
from pipeline.artifacts.kinds import SKELETON_FEATURES as FEATURES_KIND
from pipeline.catalog import Dataset, Split
from pipeline.config import Config, section_dict
from pipeline.errors import PipelineError
from pipeline.skeleton.settings import BackboneConfig
from pipeline.store import hash_spec

# Bumped when a change alters what a trained backbone computes, so cached backbones are not reused.
ARCH_VERSION = 1
EXTRACT_VERSION = 1
# Settings that change neither the weights nor the features a backbone produces (threads: at most their
# float rounding) stay out of its key.
NOT_IN_KEY = ("num_workers", "eval_batch_size", "temporal_features", "threads")
# Settings of the text objective: in the key only when the objective uses text, so the keys of
# cross-entropy backbones stay those they had before the setting existed (and their cache stays valid).
TEXT_ONLY = ("objective", "tau")
OBJECTIVES = ("ce", "text", "both")
# Settings added after backbones were cached: in the key only when they differ from these values (the
# behaviour before they existed), so older keys stay valid.
KEY_WHEN_CHANGED = {"optimizer": "sgd", "crop": 1.0, "multistream": False, "replicas": 1}


@dataclass(frozen=True)
class ClassTexts:
    """The text features a text objective trains against: their store key and the fused (C, d) table
    of every class of the dataset. The stage loads them (skeleton code never reads text artifacts)."""

    key: str
    table: np.ndarray


def uses_text(bcfg: BackboneConfig) -> bool:
    """Whether `skeleton.backbone.objective` trains against class texts; refuses unknown values."""
    if bcfg.objective not in OBJECTIVES:
        raise PipelineError(
            f"skeleton.backbone.objective = {bcfg.objective!r}: choose one of {', '.join(OBJECTIVES)}"
        )
    if bcfg.objective != "ce" and not bcfg.tau > 0:
        raise PipelineError(f"skeleton.backbone.tau = {bcfg.tau}: must be positive")
    return bcfg.objective != "ce"


def is_main_process() -> bool:
    """Rank 0 under torchrun, or a plain process: the one that prints (before a runtime is entered)."""
    return int(os.environ.get("RANK", "0")) == 0


def roles(split: Split) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Backbone role -> (its classes, sorted = classifier-output order; the classes it must never see)."""
    return {
        "main": (tuple(sorted(split.seen)), tuple(sorted(split.unseen))),
        "val": (tuple(sorted(split.val_seen)), tuple(sorted(split.val_unseen)) + tuple(sorted(split.unseen))),
    }


def backbone_spec(
    data_key: str,
    classes: tuple[int, ...],
    split_name: str,
    bcfg: BackboneConfig,
    seed: int,
    text_key: str | None = None,
    subjects: str = "train",
) -> dict[str, Any]:
    """Everything that determines a backbone's weights; its hash is the store key. A text objective adds
    the key of the text features it trains against (`text_key`, required then); training on every
    subject's clips (`subjects` all) adds that, so keys of backbones on the training subjects stay."""
    text = uses_text(bcfg)
    settings = {
        k: v
        for k, v in section_dict(bcfg).items()
        if k not in NOT_IN_KEY
        and (text or k not in TEXT_ONLY)
        and not (k in KEY_WHEN_CHANGED and v == KEY_WHEN_CHANGED[k])
    }
    spec = {
        "data": data_key,
        "classes": list(classes),
        "split": split_name,
        "backbone": settings,
        "seed": seed,
        "arch": ARCH_VERSION,
    }
    if text:
        if text_key is None:
            raise PipelineError(
                f"skeleton.backbone.objective = {bcfg.objective}: the backbone needs the class text features"
            )
        spec["text"] = text_key
    if subjects != "train":
        spec["subjects"] = subjects
    return spec


def backbone_key(data_key: str, split: Split, role: str, cfg: Config, text_key: str | None = None) -> str:
    """The store key of a split's backbone of this role; refuses a split whose seen and unseen sets meet."""
    classes, forbidden = roles(split)[role]
    if set(classes) & set(forbidden):
        raise PipelineError(
            f"split {split.name}: classes {sorted(set(classes) & set(forbidden))} are both seen "
            f"and unseen for the {role} backbone"
        )
    spec = backbone_spec(
        data_key, classes, split.name, cfg.skeleton.backbone, cfg.seed, text_key, seen_subjects(cfg)
    )
    return hash_spec(BACKBONE_KIND, spec)


def backbone_keys(data_key: str, split: Split, cfg: Config, text_key: str | None = None) -> dict[str, str]:
    """Role -> store key of both backbones of a split (`text_key`: see backbone_spec)."""
    return {role: backbone_key(data_key, split, role, cfg, text_key) for role in roles(split)}


UNSEEN_TEST = ("auto", "all", "test")
SEEN_TRAIN = ("train", "all")


def seen_subjects(cfg: Config) -> str:
    """`skeleton.seen_train`, checked: the subjects whose seen-class clips the backbones train on."""
    choice = cfg.skeleton.seen_train
    if choice not in SEEN_TRAIN:
        raise PipelineError(f"skeleton.seen_train = {choice!r}: choose one of {', '.join(SEEN_TRAIN)}")
    return choice


def unseen_subjects(cfg: Config, dataset: Dataset) -> str:
    """`skeleton.unseen_test` resolved for a dataset: the subjects (all or test) of the unseen test part."""
    choice = cfg.skeleton.unseen_test
    if choice not in UNSEEN_TEST:
        raise PipelineError(f"skeleton.unseen_test = {choice!r}: choose one of {', '.join(UNSEEN_TEST)}")
    if choice == "auto":
        return "all" if dataset.path is not None else "test"
    return choice


def parts_spec(split: Split, unseen: str = "test", seen: str = "train") -> dict[str, dict[str, Any]]:
    """Part name -> which backbone, which classes and which subjects (see the module docstring); `unseen`
    is the subjects of the unseen test part, `seen` those the seen classes train on (with `all`, the seen
    test parts take no subject: `none`)."""
    tested = "test" if seen == "train" else "none"

    def part(role: str, classes: tuple[int, ...], subjects: str) -> dict[str, Any]:
        return {"backbone": role, "classes": sorted(classes), "subjects": subjects}

    return {
        "train": part("main", split.seen, seen),
        "test_seen": part("main", split.seen, tested),
        "test_unseen": part("main", split.unseen, unseen),
        "val_train": part("val", split.val_seen, seen),
        "val_test_seen": part("val", split.val_seen, tested),
        "val_test_unseen": part("val", split.val_unseen, "all"),
    }


def features_spec(
    data_key: str, split: Split, cfg: Config, backbones: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The feature set's spec and its store key."""
    unseen = "all" if cfg.skeleton.unseen_test == "all" else "test"  # stages resolve `auto` first
    spec = {
        "backbones": backbones,
        "data": data_key,
        "parts": parts_spec(split, unseen, seen_subjects(cfg)),
        "temporal": cfg.skeleton.backbone.temporal_features,
        "version": EXTRACT_VERSION,
    }
    return spec, hash_spec(FEATURES_KIND, spec)

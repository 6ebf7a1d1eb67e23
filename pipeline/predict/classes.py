"""Class lists for `zssar predict`, and the scorer each one gives over skeleton latents.

A class list is the model's own unseen classes (the default: the classifier saved with the model), a
`classes.csv` (`label` column, optional `idx`; a dataset folder means its classes.csv) with a
`descriptions.jsonl` beside it when there is one, or labels on the command line ("a; b; c").

A new list needs each class's fused text vector f_t, built like `zssar embed` does: each text field the
model was trained with (label, local, global) embedded by the model's encoder and L2-normalised, the
chosen fields concatenated and normalised again. A class without descriptions gets them from the LLM
when one is configured (as `zssar describe` would write them); otherwise its label stands in for the
missing descriptions, with a warning, since that usually scores lower. The ZSL classifier is then fitted
on the fly from the text latents (the model's own classifier settings), and the result is cached in the
store (kind `zsl-classifier`), keyed by the model and the class texts: the next run with the same list
loads neither the encoder nor anything else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.artifacts.kinds import ZSL_CLASSIFIER as KIND
from pipeline.artifacts.saved_models import read_scorer, write_scorer
from pipeline.artifacts.text_features import FIELDS, fuse, l2_normalise
from pipeline.bodyparts import BODY_PARTS
from pipeline.config import Config
from pipeline.console import warn
from pipeline.describe.io import parse_records
from pipeline.describe.parts import part_texts
from pipeline.errors import PipelineError
from pipeline.predict.models import SavedModel, Scorer
from pipeline.store import Store, hash_spec
from pipeline.textfiles import read_csv_rows

DESCRIBED = ("local", "global")


@dataclass(frozen=True)
class ClassList:
    """Class labels and their texts (per class: label, local, global; None where not given)."""

    labels: tuple[str, ...]
    texts: tuple[dict[str, str | None], ...]
    source: str  # where the list came from, for the output
    own: bool = False  # the model's own unseen classes: its saved classifier applies
    how: str = "descriptions"  # how the texts were completed: descriptions, LLM, label only


def model_classes(model: SavedModel) -> ClassList:
    labels = tuple(model.labels[c] for c in model.info["unseen"])
    return ClassList(
        labels,
        tuple({"label": label, "local": None, "global": None} for label in labels),
        source=f"the model's unseen classes ({model.info['dataset']} {model.info['split']['name']})",
        own=True,
        how="as trained",
    )


def parse_labels(text: str) -> ClassList:
    """`--labels "a; b; c"`: labels separated by semicolons."""
    labels = tuple(label.strip() for label in text.split(";") if label.strip())
    if not labels:
        raise PipelineError(f'--labels {text!r}: no labels; separate them with semicolons, e.g. "wave; kick"')
    _check_unique(labels, "--labels")
    return ClassList(
        labels, tuple({"label": label, "local": None, "global": None} for label in labels), "--labels"
    )


def read_class_file(path: str | Path) -> ClassList:
    """A classes.csv (or a dataset folder holding one), with descriptions.jsonl beside it when present."""
    path = Path(path)
    if path.is_dir():
        path = path / "classes.csv"
    if not path.is_file():
        raise PipelineError(
            f"{path}: no such class list; --classes takes a classes.csv (a 'label' column, "
            f"optionally 'idx') or a dataset folder holding one"
        )
    rows = read_csv_rows(path)
    if not rows or "label" not in rows[0]:
        raise PipelineError(f"{path}: expected a CSV with a header holding 'label' (e.g. 'idx,label')")
    labels = []
    for line, row in enumerate(rows, start=2):
        label = (row.get("label") or "").strip()
        if not label:
            raise PipelineError(f"{path} line {line}: empty label")
        labels.append(label)
    _check_unique(labels, str(path))
    described: dict[str, dict[str, Any]] = {}
    jsonl = path.with_name("descriptions.jsonl")
    if jsonl.is_file():
        described = {r["label"].strip().lower(): r for r in parse_records(jsonl)}
    texts = tuple(
        {"label": label, **{f: described.get(label.lower(), {}).get(f) for f in DESCRIBED}} for label in labels
    )
    return ClassList(tuple(labels), texts, str(path))


def _check_unique(labels: tuple[str, ...] | list[str], where: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if label.lower() in seen:
            raise PipelineError(f"{where}: label {label!r} is listed twice")
        seen.add(label.lower())


def _source_fields(fields: tuple[str, ...]) -> list[str]:
    """The class texts a model's fields are built from: its own, and the local description its body-part
    fields (method `bodyparts`) are read from."""
    parts = any(f in BODY_PARTS for f in fields)
    return [f for f in FIELDS if f in fields or (f == "local" and parts)]


def complete_texts(classes: ClassList, fields: tuple[str, ...], cfg: Config) -> ClassList:
    """Fill in the descriptions the model's fields need: from the LLM when configured, else the label."""
    from pipeline.describe.client import llm_configured

    needed = [f for f in DESCRIBED if f in _source_fields(fields)]
    missing = [i for i, t in enumerate(classes.texts) if any(t[f] is None for f in needed)]
    if not missing:
        return classes
    texts = [dict(t) for t in classes.texts]
    if llm_configured(cfg.describe):
        for i, described in zip(missing, _describe([classes.labels[i] for i in missing], cfg)):
            texts[i] |= {f: texts[i][f] or described[f] for f in needed}
        how = f"{len(missing)} described by {cfg.describe.model}"
    else:
        names = ", ".join(repr(classes.labels[i]) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        warn(
            f"{len(missing)} class(es) have no descriptions ({names}) and no LLM is configured "
            "(describe.base_url, "
            f"OPENAI_BASE_URL or OPENAI_API_KEY): embedding them from the label alone, which usually scores lower "
            f"than with local and global descriptions (give a descriptions.jsonl beside the classes.csv)"
        )
        for i in missing:
            texts[i] |= {f: texts[i][f] or classes.labels[i] for f in needed}
        how = f"{len(missing)} from the label alone"
    return replace(classes, texts=tuple(texts), how=how)


def _describe(labels: list[str], cfg: Config) -> list[dict[str, str]]:
    """A global and a local description per label, from the configured LLM (its disk cache applies)."""
    from pipeline.describe.classes import describe_label
    from pipeline.describe.client import LLMClient
    from pipeline.describe.prompts import load_prompts

    prompts = load_prompts(cfg.describe.prompts_dir)
    with LLMClient(cfg.describe) as llm:
        return [describe_label(llm, prompts, label, f"class {label!r}") for label in labels]


def fused_text(
    texts: tuple[dict[str, str | None], ...], fields: tuple[str, ...], encoder: str, cfg: Config
) -> np.ndarray:
    """f_t of each class, exactly as `zssar embed` fuses it (and `bodyparts` adds its part fields, read from
    the local descriptions), with the model's encoder."""
    encode = _encoder(encoder, cfg.embed.batch_size, cfg.embed.device)
    strings = {f: [str(t[f]) for t in texts] for f in fields if f in FIELDS}
    if set(fields) & set(BODY_PARTS):
        strings |= part_texts([str(t["label"]) for t in texts], [str(t["local"]) for t in texts])
    vectors = l2_normalise(encode([s for f in fields for s in strings[f]])).reshape(len(fields), len(texts), -1)
    return fuse(list(vectors))


@functools.cache
def _encoder(name: str, batch_size: int, device: str) -> Any:
    """Loaded once per process, so a program scoring several class lists pays for it once."""
    from pipeline.text.encoders import load_encoder

    return load_encoder(name, batch_size, device)


def scorer_for(model: SavedModel, classes: ClassList, cfg: Config) -> tuple[Scorer, ClassList]:
    """The scorer over a class list (and the list with its texts completed): the saved classifier for the
    model's own classes; for any other list the cached one, or one fitted now and cached."""
    if classes.own:
        return model.unseen_scorer, classes
    fields = tuple(model.info["fields"])
    if bad := [f for f in fields if f not in FIELDS + BODY_PARTS]:
        raise PipelineError(f"model {model.key}: unknown text fields {bad}")
    classes = complete_texts(classes, fields, cfg)
    texts = [{f: t[f] for f in _source_fields(fields)} for t in classes.texts]
    spec = {"model": model.key, "texts": texts, "encoder": model.info["encoder"]}
    key = hash_spec(KIND, spec)
    store = Store(cfg.store)
    if (cached := read_scorer(store, key)) is not None:
        return Scorer(*cached, model.unseen_scorer.relu), classes
    text = fused_text(classes.texts, fields, model.info["encoder"], cfg)
    if text.shape[1] != model.text.shape[1]:
        raise PipelineError(
            f"text encoder {model.info['encoder']!r} gives {text.shape[1]}-d fused vectors; model "
            f"{model.key} was trained on {model.text.shape[1]}-d ones"
        )
    scorer = model.fit_scorer(text, seed=int(key[:8], 16))
    info = {
        "labels": list(classes.labels),
        "source": classes.source,
        "how": classes.how,
        "model": model.key,
        "encoder": model.info["encoder"],
        "fields": list(fields),
    }
    write_scorer(store, key, spec, info, scorer.weight, scorer.bias)
    return scorer, classes

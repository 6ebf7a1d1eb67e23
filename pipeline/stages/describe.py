"""`zssar describe`: a Global and a Local Description of every class, from an LLM or the shipped file."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from pipeline import console
from pipeline.catalog import Dataset
from pipeline.config import Config
from pipeline.describe.classes import describe_classes
from pipeline.describe.client import LLMClient, llm_configured
from pipeline.describe.io import candidate_paths, default_path, load_descriptions, search_dirs
from pipeline.describe.prompts import load_prompts
from pipeline.errors import PipelineError
from pipeline.store.atomic import write_json, write_text


def describe_dataset(dataset: Dataset, cfg: Config, out: Path | None = None) -> Path:
    """Write `<out>` (default: the dataset's descriptions file) and return it; without an LLM, point to
    the descriptions that already exist, so the offline demo needs no key."""
    if out is not None and Path(out).is_dir():
        raise PipelineError(f"{out}: --out names a folder; give the descriptions file to write (a .jsonl path)")
    if not llm_configured(cfg.describe):
        return _existing_descriptions(dataset, cfg, out)
    prompts = load_prompts(cfg.describe.prompts_dir)
    target = Path(out) if out is not None else default_path(dataset, cfg.descriptions_dir)
    stop = threading.Event()
    with LLMClient(cfg.describe, stop) as llm:
        records = describe_classes(dataset, prompts, llm, stop)
        endpoint, requests, hits = llm.endpoint, llm.requests, llm.cache_hits
    write_text(target, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    write_json(config_path(target), _resolved_config(cfg, endpoint))
    console.summary(
        f"describe {dataset.name}: {len(records)} classes, {requests} requests, {hits} cache hits -> {target}"
    )
    return target


def config_path(descriptions: Path) -> Path:
    """The resolved config written beside a descriptions file."""
    return descriptions.with_name(descriptions.name + ".config.json")


def _existing_descriptions(dataset: Dataset, cfg: Config, out: Path | None) -> Path:
    """No LLM configured: the shipped authored file of a built-in dataset, or a folder's own file."""
    dirs = search_dirs(cfg.descriptions_dir) if dataset.path is None else [Path(cfg.descriptions_dir)]
    found = next((d for d in dirs if any(p.is_file() for p in candidate_paths(dataset, d))), None)
    if found is None:
        where = default_path(dataset, cfg.descriptions_dir)
        raise PipelineError(
            f"{where}: no descriptions for {dataset.name} and no LLM configured; set "
            f"OPENAI_BASE_URL (any OpenAI-compatible server, e.g. http://localhost:8000/v1) "
            f"and/or OPENAI_API_KEY, or describe.base_url/describe.api_key in zssar.toml, "
            f"then run `zssar describe` again"
        )
    descriptions = load_descriptions(dataset, found)
    sources = {r.get("source", "unknown") for r in descriptions.records}
    kind = "shipped authored" if sources == {"authored"} else "existing"
    if out is not None:
        console.warn(f"no LLM configured, so nothing is written to {out}")
    console.summary(
        f"describe {dataset.name}: no LLM configured (OPENAI_BASE_URL/OPENAI_API_KEY unset); "
        f"using the {kind} descriptions {descriptions.path} for all {dataset.num_classes} classes"
    )
    return descriptions.path


def _resolved_config(cfg: Config, endpoint: str) -> dict[str, Any]:
    """The config as run: the endpoint actually used, and never the API key."""
    resolved = cfg.to_dict()
    resolved["describe"]["base_url"] = endpoint
    if resolved["describe"]["api_key"]:
        resolved["describe"]["api_key"] = "<redacted>"
    return resolved

"""Typed configuration: defaults in code, overridden by a TOML file, then by the command line.

Each stage owns one section (a dataclass); `Config` gathers them. A run saves `Config.to_dict()` beside
its artifacts so every number can be traced to the settings that made it.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.skeleton.settings import SkeletonConfig
from pipeline.zsl.settings import TrainConfig

DEFAULT_CONFIG_FILE = "zssar.toml"


@dataclass
class DescribeConfig:
    """LLM settings for `zssar describe`; base_url/api_key fall back to OPENAI_BASE_URL/OPENAI_API_KEY.

    `timeout_s` bounds one whole request (connect to last byte); a request that times out twice is not
    tried again, so a hung server costs about 2 x timeout_s.
    """

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = 0.0
    seed: int = 0
    concurrency: int = 4
    max_retries: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 60.0
    cache_dir: str = ".cache/llm"
    prompts_dir: str = "prompts"


@dataclass
class EmbedConfig:
    """Text encoder settings for `zssar embed`."""

    encoder: str = "all-MiniLM-L6-v2"
    batch_size: int = 64
    device: str = "cpu"


@dataclass
class DemoConfig:
    """What `zssar demo` runs: a synthetic split, the methods, and a shortened (labelled) schedule."""

    dataset: str = "synthetic60"
    split: str = "55_5"
    methods: list[str] = field(default_factory=lambda: ["fsvae", "msf", "sadvae", "cadavae"])
    backbone_epochs: int = 10
    cycles: int = 3
    steps_per_cycle: int = 800


@dataclass
class Config:
    """The whole resolved configuration of a run."""

    store: str = "features"
    remote: str | None = None  # a shared store (directory or fsspec URL) stages pull from before computing
    results: str = "results"
    descriptions_dir: str = "descriptions"
    seed: int = 0
    device: str = "auto"
    describe: DescribeConfig = field(default_factory=DescribeConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    skeleton: SkeletonConfig = field(default_factory=SkeletonConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _field_type(owner: Any, name: str) -> Any:
    hints = typing.get_type_hints(type(owner))
    return hints[name]


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Convert a TOML or command-line value to the declared field type, or explain why not."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            return None
        return _coerce(value, args[0], where)
    if origin in (list, tuple):
        (item,) = typing.get_args(tp)[:1]
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        return [_coerce(v, item, where) for v in value]
    try:
        if tp is bool:
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if tp in (int, float) and isinstance(value, bool):
            raise ValueError(value)  # `seeds = true` is a slip, not the number 1
        if tp is int and isinstance(value, float):
            raise ValueError(value)  # `cycles = 3.0`: counts are written as integers
        if tp is float:
            number = float(value)
            if not math.isfinite(number):
                raise PipelineError(f"config {where}: {value!r} is not a finite number")
            return number
        if tp in (int, str):
            return tp(value)
    except (TypeError, ValueError):
        raise PipelineError(f"config {where}: cannot read {value!r} as {tp.__name__}") from None
    return value


# Settings that count something and mean nothing below 1 (0 epochs would seal an untrained backbone).
AT_LEAST_ONE = (
    "skeleton.backbone.epochs",
    "skeleton.backbone.batch_size",
    "skeleton.backbone.eval_batch_size",
    "skeleton.prepare.frames",
    "skeleton.prepare.max_bodies",
    "skeleton.synthetic.samples_per_class",
    "skeleton.synthetic.frames",
    "embed.batch_size",
    "describe.concurrency",
    "train.seeds",
    "train.batch_size",
    "train.cycles",
    "train.steps_per_cycle",
    "demo.backbone_epochs",
    "demo.cycles",
    "demo.steps_per_cycle",
)


def _check_range(dotted: str, value: Any, source: str) -> None:
    if dotted in AT_LEAST_ONE and value is not None and value < 1:
        raise PipelineError(f"{source}: {dotted} must be at least 1 (got {value})")


def set_value(cfg: Config, dotted: str, value: Any, source: str = "command line") -> None:
    """Set `section.key` (or a top-level key) on the config, with type checking."""
    parts = dotted.split(".")
    obj: Any = cfg
    for part in parts[:-1]:
        if not dataclasses.is_dataclass(obj) or not hasattr(obj, part):
            raise PipelineError(f"{source}: unknown config section {part!r} in {dotted!r}; valid: {_names(obj)}")
        obj = getattr(obj, part)
    name = parts[-1]
    if not dataclasses.is_dataclass(obj) or name not in {f.name for f in dataclasses.fields(obj)}:
        raise PipelineError(f"{source}: unknown config key {dotted!r}; valid: {_names(obj)}")
    current = getattr(obj, name)
    if dataclasses.is_dataclass(current):
        raise PipelineError(f"{source}: {dotted!r} is a section; set one of its keys: {_names(current)}")
    coerced = _coerce(value, _field_type(obj, name), f"{source} {dotted}")
    _check_range(dotted, coerced, source)
    setattr(obj, name, coerced)


def _names(obj: Any) -> str:
    return ", ".join(f.name for f in dataclasses.fields(obj)) if dataclasses.is_dataclass(obj) else "(none)"


def _apply_mapping(cfg: Config, mapping: dict[str, Any], prefix: str, source: str) -> None:
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _apply_mapping(cfg, value, f"{dotted}.", source)
        else:
            set_value(cfg, dotted, value, source)


def load_config(
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    defaults: dict[str, Any] | None = None,
) -> Config:
    """Defaults, then `defaults` (dotted key -> value: those of a kind of dataset, pipeline/folder_defaults.py),
    then the TOML file (explicit path, or ./zssar.toml when present), then `key=value` overrides."""
    cfg = Config()
    for key, value in (defaults or {}).items():
        set_value(cfg, key, value, "dataset-folder defaults")
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    if path and not file.is_file():
        raise PipelineError(f"{file}: config file not found")
    if file.is_file():
        from pipeline.textfiles import read_toml

        _apply_mapping(cfg, read_toml(file), "", str(file))
    for item in overrides or []:
        if "=" not in item:
            raise PipelineError(f"--set {item!r}: expected key=value, e.g. --set train.alpha=0.5")
        key, value = item.split("=", 1)
        set_value(cfg, key.strip(), value.strip())
    return cfg


def section_dict(section: Any) -> dict[str, Any]:
    """A section as a plain dict, for hashing into artifact keys."""
    return dataclasses.asdict(section)

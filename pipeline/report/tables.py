"""Runs grouped by (dataset, split, method, preset, configuration), summarised over seeds, beside the
published numbers: seeds of one configuration make a row; another schedule or feature set is another row.

Published figures are joined only where they mean the same thing: real NTU data on the SynSE splits. A
synthetic row is labelled as such and never sits next to a paper's number.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from importlib import resources

from pipeline.artifacts.results import Run

METHOD_NAMES = {"fsvae": "FS-VAE", "cadavae": "CADA-VAE", "msf": "MSF-GZSSAR (reproduced)", "sadvae": "SA-DVAE"}
PRESET_ORDER = ("released", "paper")
PUBLISHED_DATASETS = ("ntu60", "ntu120")
METRICS = ("zsl_top1", "gzsl_seen", "gzsl_unseen", "gzsl_h")
# Beside the headline, labelled: the cycle best on test (the released scripts' figure), and the ZSL of the
# outputs averaged over every cycle (no selection at all).
LABELLED_METRICS = ("test_zsl_top1", "test_gzsl_h", "cycle_avg_zsl_top1")
SYNTHETIC_LABEL = "synthetic (not comparable to papers)"
REAL_LABEL = "real"
MISSING = "–"

Published = dict[tuple[str, str, str, str], tuple[float, str]]


@dataclass(frozen=True)
class Stat:
    """Mean and sample std (n-1) over the seeds that have the figure; std is None below two seeds."""

    mean: float | None
    std: float | None
    n: int


@dataclass
class Group:
    """One table row: every seed of one (dataset, split, method, preset)."""

    dataset: str
    split: str
    method: str
    preset: str
    runs: list[Run]
    stats: dict[str, Stat] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)
    published_source: str = ""

    @property
    def synthetic(self) -> bool:
        return any(r.synthetic for r in self.runs)

    @property
    def data(self) -> str:
        return SYNTHETIC_LABEL if self.synthetic else REAL_LABEL

    @property
    def published_method(self) -> str:
        return METHOD_NAMES.get(self.method, "") if self.published else ""

    @property
    def newest(self) -> Run:
        return max(self.runs, key=lambda r: (r.created, str(r.path)))

    @property
    def seeds(self) -> list[int]:
        return sorted(r.seed for r in self.runs)

    def distinct(self, attr: str) -> list[str]:
        return sorted({getattr(r, attr) for r in self.runs} - {""})


def load_published() -> Published:
    """(method, dataset, split, metric) -> (percent, source), from the packaged published_results.csv."""
    text = resources.files("pipeline.data").joinpath("published_results.csv").read_text(encoding="utf-8")
    return {
        (row["method"], row["dataset"], row["split"], row["metric"]): (float(row["value_percent"]), row["source"])
        for row in csv.DictReader(text.splitlines())
    }


def summarise(values: list[float | None]) -> Stat:
    present = [v for v in values if v is not None]
    if not present:
        return Stat(None, None, 0)
    std = statistics.stdev(present) if len(present) > 1 else None
    return Stat(statistics.fmean(present), std, len(present))


def _order(group: Group) -> tuple:
    """Datasets and splits alphabetically; methods and presets in a fixed order so presets sit adjacent."""
    methods = list(METHOD_NAMES)
    method_rank = methods.index(group.method) if group.method in methods else len(methods)
    preset_rank = PRESET_ORDER.index(group.preset) if group.preset in PRESET_ORDER else len(PRESET_ORDER)
    return group.dataset, group.split, method_rank, group.method, preset_rank, group.preset


def group_runs(runs: list[Run], published: Published) -> list[Group]:
    """Table rows in display order, each with its seed statistics and, where comparable, the paper's numbers."""
    by_key: dict[tuple[str, str, str, str, str], list[Run]] = {}
    for run in runs:  # seeds of one configuration; another configuration (schedule, features) is another row
        by_key.setdefault((run.dataset, run.split, run.method, run.preset, run.config_hash), []).append(run)
    groups = []
    for (dataset, split, method, preset, _), members in by_key.items():
        group = Group(dataset, split, method, preset, members)
        group.stats = {m: summarise([r.metric(m) for r in members]) for m in METRICS + LABELLED_METRICS}
        if not group.synthetic and dataset in PUBLISHED_DATASETS and method in METHOD_NAMES:
            for metric in METRICS:
                hit = published.get((METHOD_NAMES[method], dataset, split, metric))
                if hit is not None:
                    group.published[metric], group.published_source = hit
        groups.append(group)
    return sorted(groups, key=_order)


def _cell(stat: Stat, n_runs: int) -> str:
    if stat.mean is None:
        return MISSING
    text = f"{stat.mean:.1f}" if stat.std is None else f"{stat.mean:.1f} ± {stat.std:.1f}"
    return text if stat.n == n_runs else f"{text} (n={stat.n})"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


MD_HEADER = (
    "data",
    "dataset",
    "split",
    "method",
    "preset",
    "config",
    "protocol",
    "selection",
    "n seeds",
    "ZSL top-1",
    "GZSL S",
    "GZSL U",
    "GZSL H",
    "paper ZSL",
    "paper S",
    "paper U",
    "paper H",
    "ZSL top-1 (selected on test)",
    "GZSL H (selected on test)",
    "ZSL top-1 (cycles averaged)",
)


def markdown_table(groups: list[Group]) -> str:
    lines = ["| " + " | ".join(MD_HEADER) + " |", "|" + "|".join("---" for _ in MD_HEADER) + "|"]
    for g in groups:
        n = len(g.runs)
        cells = [
            g.data,
            g.dataset,
            g.split,
            g.method,
            g.preset,
            ", ".join(g.distinct("config_hash")) or MISSING,
            ", ".join(g.distinct("protocol")) or MISSING,
            ", ".join(g.distinct("selection_rule")) or MISSING,
            str(n),
        ]
        cells += [_cell(g.stats[m], n) for m in METRICS]
        cells += [f"{g.published[m]:.1f}" if m in g.published else MISSING for m in METRICS]
        cells += [_cell(g.stats[m], n) for m in LABELLED_METRICS]
        lines.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    return "\n".join(lines)


def markdown_report(groups: list[Group]) -> str:
    """The whole report.md: what the numbers mean, then the table."""
    rules = sorted({r for g in groups for r in g.distinct("selection_rule")})
    sources = sorted({g.published_source for g in groups if g.published_source})
    parts = [
        "# Results",
        "",
        "**Selection rule of the main numbers: the validation carve.** Each run's training cycle is chosen on "
        "pseudo-seen / pseudo-unseen classes carved from the seen classes; no unseen class is looked at "
        f"(rule recorded by the runs: {', '.join(f'`{r}`' for r in rules) or 'none recorded'}).",
        "",
        "- ZSL top-1, GZSL S (seen), U (unseen), H (harmonic mean): percent, mean ± sample std (n-1) over "
        "seeds; `(n=k)` where only k seeds have the figure; – where none has it (GZSL needs a validation carve).",
        "- **Selected on test** columns pick the cycle on the unseen test set, as the released FS-VAE code "
        "does; they are optimistic and shown only for comparison with that code.",
        "- paper columns: published numbers"
        + (f" ({'; '.join(sources)})" if sources else "")
        + ", shown only for real NTU data on the SynSE splits.",
        f"- Rows marked `{SYNTHETIC_LABEL}` come from the project's generated test bed, never a claim about "
        "real accuracy.",
        "- Presets of the same dataset, split and method are adjacent rows "
        "(`--preset released` vs `--preset paper`); "
        "runs of other settings (schedule, features, ablations) are rows of their own, told apart by the "
        "config column (the hash in the result files' names).",
    ]
    parts += ["", markdown_table(groups), ""]
    return "\n".join(parts)


CSV_HEADER = (
    ["data", "synthetic", "dataset", "split", "method", "preset", "n_seeds", "seeds"]
    + [f"{m}_{s}" for m in METRICS for s in ("mean", "std", "n")]
    + [f"published_{m}" for m in METRICS]
    + ["published_method", "published_source"]
    + [f"{m}_{s}" for m in LABELLED_METRICS for s in ("mean", "std", "n")]
    + ["selection_rule", "protocol", "config_hashes", "newest_run"]
)


def _number(value: float | None) -> str:
    return "" if value is None else repr(round(value, 6))


def csv_report(groups: list[Group]) -> str:
    """One row per group, numbers to 6 decimals (not rounded for display); test-selected columns prefixed
    `test_`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for g in groups:
        row: list[str] = [
            g.data,
            str(g.synthetic).lower(),
            g.dataset,
            g.split,
            g.method,
            g.preset,
            str(len(g.runs)),
            " ".join(map(str, g.seeds)),
        ]
        for m in METRICS:
            row += [_number(g.stats[m].mean), _number(g.stats[m].std), str(g.stats[m].n)]
        row += [_number(g.published.get(m)) for m in METRICS] + [g.published_method, g.published_source]
        for m in LABELLED_METRICS:
            row += [_number(g.stats[m].mean), _number(g.stats[m].std), str(g.stats[m].n)]
        row += [
            " ".join(g.distinct("selection_rule")),
            " ".join(g.distinct("protocol")),
            " ".join(g.distinct("config_hash")),
            str(g.newest.path),
        ]
        writer.writerow(row)
    return out.getvalue()

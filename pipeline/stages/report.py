"""`zssar report`: every run result under the results folder, as tables beside the published numbers, and plots.

Numbers are read from the trainer's run JSONs, never from logs; the report can be rebuilt at any time and
reflects exactly the files present.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import console
from pipeline.artifacts.results import REPORT_CONFIG, RESULTS_VERSION, load_runs
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.report.tables import Group, csv_report, group_runs, load_published, markdown_report
from pipeline.stages.evaluate import load_evaluations
from pipeline.store.atomic import atomic_dir, write_text

PLOTS_DIR = "plots"


def _title(group: Group) -> str:
    run = group.newest
    title = f"{group.dataset} {group.split} {group.method} ({group.preset}), seed {run.seed}"
    return f"{title} — synthetic data, not comparable to papers" if group.synthetic else title


def _write_plots(groups: list[Group], folder: Path) -> list[Path]:
    """Plots of the newest run of each group; the folder is replaced whole, so no stale plot survives."""
    from pipeline.report.plots import plot_run, safe_name

    made: list[Path] = []
    with atomic_dir(folder) as tmp:
        for group in console.track(groups, "plotting"):
            stem = "_".join(safe_name(s) for s in (group.dataset, group.split, group.method, group.preset))
            made += [folder / p.name for p in plot_run(group.newest, _title(group), stem, tmp)]
    return made


def build_report(cfg: Config) -> dict[str, Path]:
    """Write report.md, report.csv and plots/ under cfg.results; return every file written by name."""
    root = Path(cfg.results)
    runs = load_runs(root) if root.is_dir() else []
    if not runs:
        raise PipelineError(
            f"{root}: no run results found (run JSONs with results_version {RESULTS_VERSION}); "
            "run `zssar train` first"
        )
    groups = group_runs(runs, load_published())
    markdown = markdown_report(groups)
    if evaluations := load_evaluations(cfg.results):
        markdown += "\n## Evaluations (zssar evaluate)\n\n" + "\n".join(evaluations)
    written = {name: root / name for name in ("report.md", "report.csv", REPORT_CONFIG)}
    write_text(written["report.md"], markdown)
    write_text(written["report.csv"], csv_report(groups))
    write_text(written[REPORT_CONFIG], json.dumps(cfg.to_dict(), indent=2, sort_keys=True) + "\n")
    plots = _write_plots(groups, root / PLOTS_DIR)
    written.update({f"{PLOTS_DIR}/{p.name}": p for p in plots})

    print(markdown)
    for path in written.values():
        print(path)
    synthetic = sum(g.synthetic for g in groups)
    compared = sum(bool(g.published) for g in groups)
    console.summary(
        f"report: {len(runs)} runs in {len(groups)} groups ({synthetic} synthetic, {compared} beside "
        f"published numbers), {len(plots)} plots -> {written['report.md']}"
    )
    return written

"""`zssar predict` and `zssar models ls`: a saved model on new clips, and the saved models listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.artifacts.kinds import ZSL_MODEL
from pipeline.artifacts.saved_models import latest_model, model_entries
from pipeline.config import Config
from pipeline.console import info, literal, summary, warn
from pipeline.errors import PipelineError
from pipeline.predict.infer import Predictions, load_predictor, no_usable_clips
from pipeline.store import Store

SCREEN_ROWS = 20  # with --out, the screen shows this many clips; the file has them all


def predict(
    cfg: Config,
    input: str | Path,
    model: str | list[str] = "latest",
    classes: str | Path | None = None,
    labels: str | None = None,
    top_k: int = 5,
    out: str | Path | None = None,
    generalized: bool = False,
) -> Predictions:
    """Label the clips at `input` with a saved model (or several: their probabilities averaged); print a
    table and a summary, write `out` (.json/.csv)."""
    if out is not None and Path(out).suffix.lower() not in (".json", ".csv"):
        raise PipelineError(f"{out}: --out must end in .json or .csv")
    predictor = load_predictor(cfg, model, classes, labels, generalized)
    result = predictor.run(input, top_k, allow_empty=out is not None)
    if not result.clips:
        result.write(out)
        raise no_usable_clips(input, result)
    _show(result, limit=SCREEN_ROWS if out is not None else None)
    for e in result.errors[:SCREEN_ROWS]:
        warn(e.error)
    if len(result.errors) > SCREEN_ROWS:
        warn(
            f"... and {len(result.errors) - SCREEN_ROWS} more unusable clips"
            + (f" (listed in {out})" if out else "")
        )
    written = result.write(out) if out is not None else None
    bad = f"; {len(result.errors)} clip(s) unusable" if result.errors else ""
    summary(
        f"predict: {len(result.clips)} clip(s) labelled by {predictor.describe()} against "
        f"{len(result.classes.labels)} classes ({result.classes.source}; texts: {result.classes.how})"
        f"{', generalized with the seen classes' if generalized else ''}{bad}"
        + (f" -> {written}" if written else "")
    )
    return result


def _show(result: Predictions, limit: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=literal(f"top-{result.top_k} predictions"))
    table.add_column("clip", overflow="fold")
    table.add_column("prediction")
    table.add_column("p", justify="right")
    if result.generalized:
        table.add_column("route (P unseen)")
    table.add_column("next")
    shown = result.clips if limit is None else result.clips[:limit]
    for c in shown:
        (label, p), rest = c.top[0], c.top[1:]
        cells = [c.name, label, f"{p:.2f}"] + ([f"{c.route} ({c.p_unseen:.2f})"] if result.generalized else [])
        table.add_row(*map(literal, cells), literal(", ".join(f"{lab} {q:.2f}" for lab, q in rest)))
    Console(soft_wrap=True, emoji=False).print(table)
    if len(shown) < len(result.clips):
        info(f"... {len(result.clips) - len(shown)} more clips in the output file")


def list_models(cfg: Config) -> list[dict[str, Any]]:
    """Print the saved models as a table (newest first); return one row per model."""
    from rich.console import Console
    from rich.table import Table

    store = Store(cfg.store)
    latest = latest_model(store)
    rows = []
    for m in model_entries(store):
        i = m.get("info", {})
        rows.append(
            {
                "dataset": i.get("dataset"),
                "split": (i.get("split") or {}).get("name"),
                "method": i.get("method"),
                "preset": i.get("preset"),
                "seed": i.get("seed"),
                "zsl_top1": i.get("zsl_top1"),
                "gzsl_h": i.get("gzsl_h"),
                "created": m.get("created"),
                "key": m["key"],
                "backbone": i.get("backbone"),
                "latest": latest == (ZSL_MODEL, m["key"]),
            }
        )
    notes = ["* = latest (what --model latest picks)"]
    if without := [r["key"][:8] for r in rows if not r["backbone"]]:
        notes.append(
            f"no backbone in this store (imported features), so no clips can be labelled: {', '.join(without)}"
        )
    table = Table(
        title=literal(f"{store.root}: {len(rows)} saved models"),
        caption=literal("; ".join(notes)) if rows else None,
    )
    for column in ("dataset", "split", "method", "preset", "seed", "ZSL", "H", "date"):
        table.add_column(column, justify="right" if column in ("seed", "ZSL", "H") else "left")
    table.add_column("key", no_wrap=True)  # whole, so it can be copied
    for r in rows:
        table.add_row(
            *map(
                literal,
                (
                    r["dataset"],
                    r["split"],
                    r["method"],
                    r["preset"],
                    r["seed"],
                    _number(r["zsl_top1"]),
                    _number(r["gzsl_h"]),
                    str(r["created"] or "")[:16].replace("T", " "),
                    r["key"] + (" *" if r["latest"] else ""),
                ),
            )
        )
    console = Console(soft_wrap=True, emoji=False)
    if not console.is_terminal:  # a pipe or file has no width to respect: keep rows on one line
        console = Console(soft_wrap=True, width=200, emoji=False)
    console.print(table)
    if not rows:
        warn(f"{store.root}: no saved models; `zssar train` saves one per seed")
    return rows


def _number(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"

"""Item 4: warm re-runs. Every stage again on a full store (a cache hit), and `zssar --help`.

Each is a fresh process, as a user runs it, so interpreter start and imports count. The stores come
from stages.cold() (the demo data, see bench/stages.py). `train` has no cache: a re-run trains again
(its row says so). Best of three runs.
"""

from __future__ import annotations

from typing import Any

import stages
from common import row


def run(quick: bool) -> list[dict[str, Any]]:
    repeat = 1 if quick else 3
    rows = []
    help_runs = [stages.measure([stages.ZSSAR, "--help"]) for _ in range(repeat + 1)][1:]
    rows.append(row("zssar --help", min(r.seconds for r in help_runs), "s", "< 1 s", "fresh process"))
    _, cold = stages.cold()
    for stage in stages.STAGES:
        warm = [stages.again(stage) for _ in range(repeat)]
        bad = [r for r in warm if r.returncode != 0]
        if bad:
            rows.append(row(f"{stage}, warm", None, "s", "< 2 s", f"FAILED: {bad[0].output[-200:]}"))
            continue
        cached = stage != "train"
        rows.append(
            row(
                f"{stage}, warm",
                min(r.seconds for r in warm),
                "s",
                "< 2 s" if cached else "",
                f"cold {cold[stage].seconds:.1f} s" + ("" if cached else "; no cache: trains again"),
            )
        )
    return rows

"""The pipeline's stages on the demo data, each as its own `zssar` process in a temporary store.

`cold()` runs every stage once from an empty store (the demo's synthetic60 split 55_5 with a shortened
training schedule: backbone 1 epoch, trainer 1 cycle x 100 steps; the cache-hit paths and the arrays
the stages hold do not depend on how long they trained) and records each process's wall time and peak
resident memory (from the kernel's accounting of the finished child, `wait4`). The result is kept for
the rest of the bench run, so bench_cache and bench_memory share one cold run. `again(stage)` re-runs
a stage on the now full store.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ZSSAR = str(Path(sys.executable).with_name("zssar"))
DATASET, SPLIT = "synthetic60", "55_5"
SHORT = ("skeleton.backbone.epochs=1", "train.cycles=1", "train.steps_per_cycle=100")
STAGES: dict[str, list[str]] = {
    "describe": ["describe", "--dataset", DATASET],
    "embed": ["embed", "--dataset", DATASET],
    "skeleton prepare": ["skeleton", "prepare", "--dataset", DATASET],
    "skeleton fit": ["skeleton", "fit", "--dataset", DATASET, "--split", SPLIT],
    "skeleton extract": ["skeleton", "extract", "--dataset", DATASET, "--split", SPLIT],
    "train": ["train", "--dataset", DATASET, "--split", SPLIT],
    "report": ["report"],
}


@dataclass
class Run:
    seconds: float
    peak_rss_mib: float
    returncode: int
    output: str


def environment() -> dict[str, str]:
    """Offline, and no LLM endpoint: `describe` must point at the shipped descriptions, not call out. One
    torch thread per stage (bench_backbone measures thread counts; on a shared machine two threads made
    the cold backbone fit 5x slower, which would only lengthen the cold run)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    return env


# Linux keeps a process's peak RSS across exec, so a child forked from this (large) process would report
# at least our own size. A small launcher process starts the command instead and reports its figures.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(argv: list[str], cwd: Path = REPO) -> Run:
    """Wall seconds and peak RSS (MiB) of one command, its own and not this process's."""
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "out", "w+b") as out:
        report = Path(tmp) / "report"
        subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, str(report), *argv],
            cwd=cwd,
            env=environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
        out.seek(0)
        text = out.read().decode(errors="replace")
        try:
            seconds, rss_kib, code = report.read_text().split()
        except (OSError, ValueError):
            return Run(float("nan"), float("nan"), -1, text)
    return Run(float(seconds), int(rss_kib) / 1024, int(code), text)


def stage_argv(stage: str, root: Path) -> list[str]:
    sets = [f"store={root / 'store'}", f"results={root / 'results'}", *SHORT]
    return [ZSSAR, *STAGES[stage], *(a for s in sets for a in ("--set", s))]


@functools.lru_cache(maxsize=1)
def cold() -> tuple[Path, dict[str, Run]]:
    """Every stage once, in order, into a fresh store; raises if one fails."""
    root = Path(tempfile.mkdtemp(prefix="zssar-bench-stages-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    runs = {}
    for stage in STAGES:
        runs[stage] = run = measure(stage_argv(stage, root))
        if run.returncode != 0:
            raise RuntimeError(f"`zssar {' '.join(STAGES[stage])}` failed ({run.returncode}): {run.output[-500:]}")
    return root, runs


def again(stage: str) -> Run:
    root, _ = cold()
    return measure(stage_argv(stage, root))

"""`make bench`: run every bench/bench_*.py module and write one Markdown table with the machine's details.

Each module exposes `run(quick: bool) -> list[dict]`, rows of {"name", "value", "unit", "target", "note"}.
The table goes to bench/results/<date>-<host>.md (a second run the same day replaces it; `--quick` and
`--only` runs get their own suffix) and to stdout.
The load average is recorded before and after each module: the machine may be shared, and other jobs
only ever add time, so a number measured under load is an upper bound.

    .venv/bin/python bench/run.py [--quick] [--only NAME] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import os
import platform
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def machine() -> dict[str, str]:
    import torch

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB"
    except (ValueError, OSError):
        ram = "?"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE, capture_output=True, text=True).stdout
        commit += " (uncommitted changes)" if dirty.strip() else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical, {affinity} usable",
        "ram": ram,
        "gpu": gpu,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch threads": f"{torch.get_num_threads()} (default; benchmarks set their own)",
        "git commit": commit,
        "load average at start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return "" if value is None else str(value)


def table(
    info: dict[str, str], sections: list[tuple[str, list[dict[str, Any]], float, float, float]], quick: bool
) -> str:
    lines = [
        f"# Benchmarks {info['date'][:10]} on {info['host']}{' (--quick: shortened, see notes)' if quick else ''}",
        "",
        "| machine | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    for name, rows, seconds, load_before, load_after in sections:
        lines += [
            "",
            f"## {name}",
            "",
            f"{seconds:.0f} s; load average {load_before:.2f} before, {load_after:.2f} after.",
            "",
            "| benchmark | value | unit | target | note |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['name']} | {fmt(r['value'])} | {r.get('unit', '')} | {r.get('target', '')} | "
            f"{str(r.get('note', '')).replace('|', '/')} |"
            for r in rows
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke version (shortened, labelled)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this module (step, bench_step, ...); repeatable",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the table here instead of bench/results/")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.path.insert(0, str(HERE))
    names = modules()
    if args.only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only}
        unknown = wanted - set(names)
        if unknown:
            parser.error(f"unknown module(s) {sorted(unknown)}; have {', '.join(names)}")
        names = [n for n in names if n in wanted]
    info = machine()
    sections, failed = [], []
    for name in names:
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        load_before, start = os.getloadavg()[0], time.perf_counter()
        try:
            rows = importlib.import_module(name).run(args.quick)
        except Exception as exc:  # one module's failure is reported; the others still run
            traceback.print_exc()
            rows = [
                {
                    "name": "FAILED",
                    "value": None,
                    "unit": "",
                    "target": "",
                    "note": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                }
            ]
            failed.append(name)
        for r in rows:
            print(f"   {r['name']}: {fmt(r['value'])} {r.get('unit', '')}  {r.get('note', '')}", flush=True)
        sections.append(
            (name.removeprefix("bench_"), rows, time.perf_counter() - start, load_before, os.getloadavg()[0])
        )
    text = table(info, sections, args.quick)
    suffix = ("-quick" if args.quick else "") + "".join(f"-{n.removeprefix('bench_')}" for n in names if args.only)
    out = args.out or RESULTS / f"{info['date'][:10]}-{info['host']}{suffix}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    print(text)
    print(f"written {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

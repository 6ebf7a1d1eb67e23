"""Pictures of one run: per-class unseen accuracy, the GZSL confusion matrix, and the latent space in 2-D.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so no global backend state is touched
and nothing needs a display.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import console
from pipeline.artifacts.results import Run
from pipeline.catalog import get_dataset
from pipeline.errors import PipelineError
from pipeline.store.atomic import atomic_path

MAX_POINTS = 5000
LABEL_CHARS = 28


def safe_name(text: str) -> str:
    """A file-name fragment: `random:5:0` -> `random-5-0`."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", text).strip("-") or "x"


def class_names(dataset: str) -> tuple[str, ...] | None:
    """Labels of a dataset the catalog knows; None (plots fall back to indices) for any other."""
    try:
        return get_dataset(dataset).labels
    except PipelineError:
        return None


def _label(idx: int, names: tuple[str, ...] | None) -> str:
    if names is None or not 0 <= idx < len(names):
        return str(idx)
    name = names[idx]
    return f"{idx} {name[:LABEL_CHARS] + '…' if len(name) > LABEL_CHARS else name}"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    return path


def _colours(n: int) -> np.ndarray:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20" if n <= 20 else "turbo"]
    return cmap(np.arange(n) if n <= 20 else np.linspace(0, 1, n))


def per_class_bars(run: Run, names: tuple[str, ...] | None, title: str, path: Path) -> Path | None:
    """ZSL accuracy of each unseen class, with the run's ZSL top-1 as a reference line."""
    per_class = run.section("per_class").get("zsl")
    if not isinstance(per_class, dict) or not per_class:
        console.warn(f"{run.path}: no per_class.zsl; per-class plot skipped")
        return None
    items = sorted((int(k), float(v)) for k, v in per_class.items())
    fig = _figure(max(6.0, 0.35 * len(items) + 2), 4.5)
    ax = fig.add_subplot()
    ax.bar(range(len(items)), [v for _, v in items], color="#4477aa")
    ax.set_xticks(range(len(items)), [_label(i, names) for i, _ in items], rotation=60, ha="right", fontsize=8)
    top1 = run.metric("zsl_top1")
    if top1 is not None:
        ax.axhline(top1, color="#cc6677", linestyle="--", label=f"ZSL top-1 {top1:.1f}%")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"{title}\nZSL accuracy per unseen class", fontsize=10)
    return _save(fig, path)


def _seen_unseen_order(labels: list[int], split_info: dict[str, Any] | None) -> tuple[list[int], int]:
    """Unseen classes first, then the rest, so GZSL confusion reads as four blocks; returns the boundary."""
    unseen = set(split_info.get("unseen") or []) if split_info else set()
    first = [i for i, c in enumerate(labels) if c in unseen]
    return first + [i for i, c in enumerate(labels) if c not in unseen], len(first)


def confusion_matrix(run: Run, names: tuple[str, ...] | None, title: str, path: Path) -> Path | None:
    """The GZSL confusion matrix, rows normalised to the fraction of each true class."""
    conf = run.section("confusion")
    labels, matrix = conf.get("labels"), conf.get("matrix")
    counts = np.asarray(matrix, dtype=float) if isinstance(labels, list) and labels and matrix else None
    if counts is None or counts.shape != (len(labels), len(labels)):
        console.warn(f"{run.path}: no square confusion matrix matching its labels; confusion plot skipped")
        return None
    labels = [int(c) for c in labels]
    order, boundary = _seen_unseen_order(labels, run.split_info)
    counts = counts[np.ix_(order, order)]
    labels = [labels[i] for i in order]
    totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    n = len(labels)
    side = min(20.0, max(5.0, 0.22 * n + 3))
    fig = _figure(side + 1, side)
    ax = fig.add_subplot()
    image = ax.imshow(rates, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    fontsize = 8 if n <= 30 else 5 if n <= 70 else 3
    ticks = [_label(c, names) for c in labels]
    ax.set_xticks(range(n), ticks, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(n), ticks, fontsize=fontsize)
    if 0 < boundary < n:
        for line in (ax.axhline, ax.axvline):
            line(boundary - 0.5, color="white", linewidth=1)
    if n <= 15:
        for (r, c), value in np.ndenumerate(rates):
            if value > 0:
                ax.text(
                    c,
                    r,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="black" if value > 0.5 else "white",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    split_note = "unseen classes first" if 0 < boundary < n else "class order"
    ax.set_title(f"{title}\nGZSL confusion (rows normalised, {split_note})", fontsize=10)
    return _save(fig, path)


def pca_2d(points: np.ndarray) -> np.ndarray:
    """The first two principal components; signs fixed (largest loading positive) so plots are stable."""
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    vt = vt[:2]
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    projected = centred @ (vt * signs[:, None]).T
    return np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))


def _load_latents(run: Run) -> dict[str, np.ndarray] | None:
    path = run.latents_path()
    if path is None or not path.is_file():
        what = f"latents file {path} not found" if path else "no latents recorded"
        console.warn(f"{run.path}: {what}; latent plot skipped")
        return None
    keys = ("skeleton_mu", "skeleton_label", "text_mu", "text_label")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k]) for k in keys}
    except (OSError, ValueError, KeyError) as exc:
        console.warn(f"{path}: not a latents .npz with {', '.join(keys)} ({exc}); latent plot skipped")
        return None
    ok = (
        arrays["skeleton_mu"].ndim == arrays["text_mu"].ndim == 2
        and arrays["skeleton_mu"].shape[1] == arrays["text_mu"].shape[1]
        and len(arrays["skeleton_mu"]) == len(arrays["skeleton_label"]) > 0
        and len(arrays["text_mu"]) == len(arrays["text_label"])
    )
    if not ok:
        console.warn(f"{path}: latent arrays have mismatched shapes; latent plot skipped")
        return None
    return arrays


def latent_projection(run: Run, names: tuple[str, ...] | None, title: str, path: Path) -> Path | None:
    """Skeleton latent means coloured by class, each class's text latent as a large star, in PCA 2-D."""
    arrays = _load_latents(run)
    if arrays is None:
        return None
    skel, skel_label = arrays["skeleton_mu"].astype(float), arrays["skeleton_label"].astype(int)
    text, text_label = arrays["text_mu"].astype(float), arrays["text_label"].astype(int)
    if len(skel) > MAX_POINTS:
        keep = np.sort(np.random.default_rng(0).choice(len(skel), MAX_POINTS, replace=False))
        skel, skel_label = skel[keep], skel_label[keep]
    xy = pca_2d(np.concatenate([skel, text]))
    skel_xy, text_xy = xy[: len(skel)], xy[len(skel) :]
    classes = np.unique(np.concatenate([skel_label, text_label]))
    colours = _colours(len(classes))
    fig = _figure(8.5, 6.5)
    ax = fig.add_subplot()
    for colour, cls in zip(colours, classes):
        ax.scatter(*skel_xy[skel_label == cls].T, s=8, alpha=0.5, color=colour, label=_label(int(cls), names))
        ax.scatter(
            *text_xy[text_label == cls].T, s=320, marker="*", color=colour, edgecolors="black", linewidths=0.8
        )
    if len(classes) <= 20:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, markerscale=2, frameon=False)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(f"{title}\nlatent means (dots: skeletons, stars: class texts), PCA", fontsize=10)
    return _save(fig, path)


def cycle_curves(run: Run, names: tuple[str, ...] | None, title: str, path: Path) -> Path | None:
    """ZSL after every cycle on the test and on the validation carve, with the selected cycle and the
    cycle average marked: how far one pick on a small carve can land from the rest."""
    cycles = run.record.get("cycles")
    if not isinstance(cycles, list) or len(cycles) < 2:
        return None
    x = [int(c["cycle"]) for c in cycles]
    fig = _figure(6.5, 4.0)
    ax = fig.add_subplot()
    ax.plot(x, [float(c["zsl_top1"]) for c in cycles], marker="o", color="#4477aa", label="test (unseen)")
    if all(c.get("val_zsl_top1") is not None for c in cycles):
        ax.plot(
            x,
            [float(c["val_zsl_top1"]) for c in cycles],
            marker="s",
            color="#228833",
            label="validation carve (pseudo-unseen)",
        )
    selected = run.section("selection").get("cycle")
    if isinstance(selected, int):
        ax.axvline(selected, color="#cc6677", linestyle=":", label=f"selected cycle {selected}")
    average = run.metric("cycle_avg_zsl_top1")
    if average is not None:
        # the first averaged cycle (`train.burn_in`); results that predate it averaged every cycle
        first = min(max(int(run.section("cycle_average").get("from_cycle") or 0), 0), len(x) - 1)
        ax.hlines(
            average,
            x[first],
            x[-1],
            color="#4477aa",
            linestyle="--",
            label=f"test, cycles {x[first]}-{x[-1]} averaged {average:.1f}%",
        )
    ax.set_xticks(x)
    ax.set_xlabel("cycle")
    ax.set_ylabel("ZSL top-1 (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{title}\nZSL per cycle", fontsize=10)
    return _save(fig, path)


def plot_run(run: Run, title: str, stem: str, folder: Path) -> list[Path]:
    """Every plot of one run, named `<stem>_<kind>.png`; a plot whose data is missing is skipped."""
    names = class_names(run.dataset)
    made = []
    for kind, draw in (
        ("per_class", per_class_bars),
        ("confusion", confusion_matrix),
        ("latents", latent_projection),
        ("cycles", cycle_curves),
    ):
        try:
            made.append(draw(run, names, title, folder / f"{stem}_{kind}.png"))
        except (TypeError, ValueError) as exc:
            console.warn(f"{run.path}: malformed data for the {kind} plot ({exc}); plot skipped")
    return [p for p in made if p is not None]

import csv
import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from pipeline import console
from pipeline.catalog import get_dataset, get_split
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.report.plots import pca_2d
from pipeline.report.tables import SYNTHETIC_LABEL
from pipeline.stages.report import build_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_run(
    root: Path,
    dataset: str,
    method: str,
    preset: str,
    seed: int,
    zsl: float,
    gzsl: dict | None,
    created: str,
    config_hash: str = "0123abcd",
) -> Path:
    """A run JSON and its latents .npz, laid out as the trainer writes them."""
    split = get_split(get_dataset(dataset), "55_5")
    folder = root / dataset / split.slug / method
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    unseen = np.array(split.unseen)
    np.savez(
        folder / f"{preset}_{config_hash}_seed{seed}_latents.npz",
        skeleton_mu=rng.normal(size=(40, 8)) + np.repeat(unseen, 8)[:, None],
        skeleton_label=np.repeat(unseen, 8),
        text_mu=rng.normal(size=(5, 8)) + unseen[:, None],
        text_label=unseen,
    )
    labels = list(range(60))
    record = {
        "dataset": dataset,
        "synthetic": dataset.startswith("synthetic"),
        "split": split.to_dict(),
        "method": method,
        "preset": preset,
        "seed": seed,
        "protocol": "cross-subject",
        "zsl_top1": zsl,
        "gzsl": gzsl or {"seen": None, "unseen": None, "h": None},
        "selection": {"rule": "val_h", "cycle": 3},
        "test_selected": {"zsl_top1": zsl + 5, "gzsl_h": None, "cycle": 7, "note": "selected on test"},
        "cycle_average": {"zsl_top1": zsl - 1, "val_zsl_top1": zsl - 2, "cycles": 4, "from_cycle": 4},
        "cycles": [{"cycle": c, "loss": 1.0, "zsl_top1": zsl + c - 4, "val_zsl_top1": zsl - c} for c in range(8)],
        "per_class": {"zsl": {str(c): 50.0 + c % 7 for c in split.unseen}, "gzsl": {str(c): 40.0 for c in labels}},
        "confusion": {"labels": labels, "matrix": rng.integers(0, 5, size=(60, 60)).tolist()},
        "latents": f"{preset}_{config_hash}_seed{seed}_latents.npz",
        "config": {"train": {"preset": preset}},
        "feature_key": "f",
        "text_key": "t",
        "encoder": "all-MiniLM-L6-v2",
        "descriptions_sha256": "0" * 64,
        "wall_time_s": 1.0,
        "created": created,
        "results_version": 1,
    }
    path = folder / f"{preset}_{config_hash}_seed{seed}.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    _write_run(
        root,
        "synthetic60",
        "fsvae",
        "released",
        0,
        60.0,
        {"seen": 80.0, "unseen": 40.0, "h": 50.0},
        "2025-01-01T00:00:00",
    )
    _write_run(root, "synthetic60", "fsvae", "released", 1, 70.0, None, "2025-01-02T00:00:00")
    _write_run(
        root,
        "synthetic60",
        "cadavae",
        "released",
        0,
        55.0,
        {"seen": 70.0, "unseen": 30.0, "h": 42.0},
        "2025-01-01T00:00:00",
    )
    _write_run(
        root,
        "ntu60",
        "fsvae",
        "released",
        0,
        85.0,
        {"seen": 76.0, "unseen": 72.0, "h": 74.0},
        "2025-01-01T00:00:00",
    )
    _write_run(
        root,
        "ntu60",
        "fsvae",
        "paper",
        0,
        86.0,
        {"seen": 77.0, "unseen": 73.0, "h": 75.0},
        "2025-01-01T00:00:00",
        config_hash="4567cdef",
    )
    bad = root / "synthetic60" / "55_5" / "fsvae"
    (bad / "broken.json").write_text("{not json", encoding="utf-8")
    (bad / "oldversion.json").write_text(json.dumps({"dataset": "synthetic60", "results_version": 0}))
    warnings: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(console, "warn", warnings.append)
        written = build_report(Config(results=str(root)))
    with open(root / "report.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {"root": root, "written": written, "rows": rows, "warnings": warnings}


def _row(rows, dataset, method, preset):
    (row,) = [r for r in rows if (r["dataset"], r["method"], r["preset"]) == (dataset, method, preset)]
    return row


def test_mean_and_std_over_seeds(report):
    row = _row(report["rows"], "synthetic60", "fsvae", "released")
    assert row["n_seeds"] == "2" and row["seeds"] == "0 1"
    assert float(row["zsl_top1_mean"]) == pytest.approx(65.0)
    assert float(row["zsl_top1_std"]) == pytest.approx(statistics.stdev([60.0, 70.0]))
    assert float(row["gzsl_h_mean"]) == pytest.approx(50.0) and row["gzsl_h_n"] == "1" and row["gzsl_h_std"] == ""
    assert float(row["test_zsl_top1_mean"]) == pytest.approx(70.0) and row["test_gzsl_h_mean"] == ""
    assert float(row["cycle_avg_zsl_top1_mean"]) == pytest.approx(64.0)
    assert "ZSL top-1 (cycles averaged)" in (report["root"] / "report.md").read_text(encoding="utf-8")
    single = _row(report["rows"], "synthetic60", "cadavae", "released")
    assert single["n_seeds"] == "1" and single["zsl_top1_std"] == ""


def test_published_only_for_real_data(report):
    rows = report["rows"]
    real = _row(rows, "ntu60", "fsvae", "released")
    assert real["data"] == "real" and real["published_method"] == "FS-VAE"
    assert float(real["published_zsl_top1"]) == pytest.approx(86.9)
    assert float(real["published_gzsl_h"]) == pytest.approx(75.7)
    for method in ("fsvae", "cadavae"):
        synth = _row(rows, "synthetic60", method, "released")
        assert synth["data"] == SYNTHETIC_LABEL and synth["synthetic"] == "true"
        assert synth["published_zsl_top1"] == synth["published_method"] == ""
    markdown = (report["root"] / "report.md").read_text(encoding="utf-8")
    assert "validation carve" in markdown and "selected on test" in markdown
    assert markdown.count(SYNTHETIC_LABEL) >= 3  # the note plus both synthetic rows


def test_presets_are_adjacent_rows(report):
    keys = [(r["dataset"], r["split"], r["method"], r["preset"]) for r in report["rows"]]
    assert len(keys) == len(set(keys)) == 4
    i = keys.index(("ntu60", "55_5", "fsvae", "released"))
    assert keys[i + 1] == ("ntu60", "55_5", "fsvae", "paper")
    assert _row(report["rows"], "ntu60", "fsvae", "paper")["config_hashes"] == "4567cdef"


def test_plots_written_for_newest_run(report):
    plots = {name: p for name, p in report["written"].items() if name.startswith("plots/")}
    assert len(plots) == 4 * 4
    for path in plots.values():
        assert path.is_file() and path.read_bytes()[:8] == PNG_MAGIC
    assert "plots/synthetic60_55_5_fsvae_released_latents.png" in plots
    newest = _row(report["rows"], "synthetic60", "fsvae", "released")["newest_run"]
    assert newest.endswith("released_0123abcd_seed1.json")


def test_bad_files_skipped_with_warning(report):
    text = "\n".join(report["warnings"])
    assert "broken.json" in text and "oldversion.json" in text
    assert sum(int(r["n_seeds"]) for r in report["rows"]) == 5


def test_no_results_is_an_error(tmp_path):
    with pytest.raises(PipelineError, match="zssar train"):
        build_report(Config(results=str(tmp_path)))
    with pytest.raises(PipelineError, match="zssar train"):
        build_report(Config(results=str(tmp_path / "missing")))


def test_pca_finds_the_main_axis():
    t = np.linspace(-1, 1, 50)
    points = np.stack([t, 2 * t, np.zeros_like(t)], axis=1)
    xy = pca_2d(points)
    assert xy.shape == (50, 2)
    np.testing.assert_allclose(np.abs(xy[:, 0]), np.abs(t) * np.sqrt(5), atol=1e-9)
    np.testing.assert_allclose(xy[:, 1], 0, atol=1e-9)

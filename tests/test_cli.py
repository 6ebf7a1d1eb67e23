"""The command line end to end, as a user runs it: exit codes and what lands on disk."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from pipeline.catalog import get_dataset, get_split
from pipeline.config import load_config
from pipeline.stages.embed import text_features_for

REPO = Path(__file__).resolve().parents[1]


def zssar(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def write_synse_dump(
    folder: Path, split, text: np.ndarray, rng: np.random.Generator, n_per_class: int = 12
) -> None:
    """A small dump in the released SynSE layout: features that are a fixed linear image of each class's text
    vector plus noise (so zero-shot transfer is possible), with dataset class labels."""
    centres = (text @ rng.normal(size=(text.shape[1], 256))).astype(np.float32)
    centres /= centres.std()

    def part(classes, n):
        labels = np.repeat(np.asarray(classes), n)
        return centres[labels] + 0.3 * rng.normal(size=(len(labels), 256)).astype(np.float32), labels

    folder.mkdir(parents=True)
    x, y = part(split.seen, n_per_class)
    np.save(folder / "train.npy", x)
    np.save(folder / "train_label.npy", y)
    xz, yz = part(split.unseen, n_per_class // 2)
    np.save(folder / "ztest.npy", xz)
    np.save(folder / "z_label.npy", yz)
    xs, ys = part(split.seen, n_per_class // 4)
    np.save(folder / "gtest.npy", np.concatenate([xs, xz]))
    np.save(folder / "g_label.npy", np.concatenate([ys, yz]))


def test_train_on_an_imported_synse_dump_through_the_cli(tmp_path):
    dataset = get_dataset("ntu60")
    split = get_split(dataset, "48_12")
    common = ["--set", f"store={tmp_path / 'features'}", "--set", f"results={tmp_path / 'results'}"]
    missing = zssar("train", "--dataset", "ntu60", "--split", "48_12", *common, cwd=tmp_path)
    assert missing.returncode == 3 and "`zssar skeleton extract --dataset ntu60 --split 48_12`" in missing.stderr
    dump = ["--features", str(tmp_path / "dump"), "--set", "train.cycles=2", "--set", "train.steps_per_cycle=300"]
    (tmp_path / "dump").mkdir()
    missing = zssar("train", "--dataset", "ntu60", "--split", "48_12", *dump, *common, cwd=tmp_path)
    assert missing.returncode == 2 and "dump" in missing.stderr
    (tmp_path / "dump").rmdir()
    assert zssar("embed", "--dataset", "ntu60", *common, cwd=tmp_path).returncode == 0
    text = text_features_for(dataset, load_config(None, [f"store={tmp_path / 'features'}"])).fused()
    write_synse_dump(tmp_path / "dump", split, text, np.random.default_rng(0))
    run = zssar("train", "--dataset", "ntu60", "--split", "48_12", *dump, *common, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    [result_file] = (tmp_path / "results" / "ntu60" / "48_12" / "fsvae").glob("*.json")
    result = json.loads(result_file.read_text())
    assert result["protocol"] == "imported dump" and result["split"]["name"] == "48_12"
    assert result["zsl_top1"] > 100 / 12
    assert result["config"]["train"]["steps_per_cycle"] == 300


def test_bad_names_exit_with_a_message(tmp_path):
    bad = zssar("embed", "--dataset", "ntu61", cwd=tmp_path)
    assert bad.returncode == 2 and "valid names are" in bad.stderr
    bad = zssar("skeleton", "fit", "--dataset", "ntu60", "--split", "50_10", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown split" in bad.stderr


def test_describe_without_llm_reports_the_shipped_file(tmp_path):
    out = zssar("describe", "--dataset", "ntu120", cwd=tmp_path)
    assert out.returncode == 0 and "ntu120.jsonl" in out.stdout

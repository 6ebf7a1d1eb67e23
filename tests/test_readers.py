"""Readers of real skeleton formats: valid files, broken files, and the real samples when present."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.skeleton.readers import read_source, split_subjects
from pipeline.skeleton.readers.folder import read_folder_dataset_clips
from pipeline.skeleton.readers.npz import read_npz
from pipeline.skeleton.readers.ntu import (
    NTU60_XSUB_TRAIN,
    NTU120_XSUB_TRAIN,
    parse_ntu_name,
    read_ntu_folder,
    read_ntu_skeleton,
)
from pipeline.skeleton.readers.pkummd import read_cross_subject, read_pkummd

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NTU_SAMPLES = SHARED_DATA / "ntu_samples"
MSR = SHARED_DATA / "msr_action3d"


# ---------- NTU .skeleton ----------


def body_block(body_id: str, xyz: np.ndarray, joints: int = 25) -> list[str]:
    lines = [f"{body_id} 0 1 1 1 1 0 0.06 -0.24 2", str(joints)]
    for j in range(joints):
        x, y, z = xyz[j % len(xyz)]
        lines.append(f"{x:.6f} {y:.6f} {z:.6f} 277.3 185.4 1036.0 500.9 0.18 -0.03 0.97 -0.09 2")
    return lines


def ntu_text(frames: list[list[tuple[str, np.ndarray]]], joints: int = 25) -> str:
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, xyz in bodies:
            lines += body_block(body_id, xyz, joints)
    return "\n".join(lines) + "\n"


def pose(offset: float, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    return (np.full((25, 3), offset) + rng.normal(0, scale, (25, 3))).astype(np.float64)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_ntu_name_and_single_body(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = [[("72057594037937513", pose(1.0, rng))] for _ in range(5)]
    clip = read_ntu_skeleton(write(tmp_path / "S017C003P042R002A060.skeleton", ntu_text(frames)))
    assert clip.data.shape == (5, 2, 25, 3) and clip.data.dtype == np.float32
    assert (clip.label, clip.subject, clip.view, clip.setup) == (59, 42, 3, 17)
    assert clip.sample_id == "S017C003P042R002A060"
    np.testing.assert_allclose(clip.data[2, 0], frames[2][0][1], atol=1e-5)
    assert not clip.data[:, 1].any(), "a missing second body is zeros"
    assert parse_ntu_name("S001C002P003R004A120").replication == 4


def test_ntu_keeps_two_most_active_bodies(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frames = []
    for t in range(6):
        bodies = [("still", pose(0.0, rng, 0.001)), ("mover", pose(float(t), rng)), ("medium", pose(t * 0.3, rng))]
        frames.append(bodies if t != 3 else bodies[:2])  # "medium" is absent in frame 3
    frames.append([])  # a frame without bodies is dropped
    clip = read_ntu_skeleton(write(tmp_path / "S001C001P001R001A050.skeleton", ntu_text(frames)))
    assert clip.data.shape == (6, 2, 25, 3)
    np.testing.assert_allclose(clip.data[:, 0].mean(axis=(1, 2)), np.arange(6), atol=0.05)  # most active first
    np.testing.assert_allclose(clip.data[4, 1].mean(), 1.2, atol=0.05)
    assert not clip.data[3, 1].any(), "an absent body is zeros in that frame"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: "\n".join(t.splitlines()[:40]), "truncated"),
        (lambda t: t.replace("\n25\n", "\n20\n", 1), "joint count 20, expected 25"),
        (lambda t: t.replace("0.000000 ", "nan ", 1), "line 5: non-finite joint coordinate"),
        (lambda t: t.replace("0.000000 ", "abc ", 1), "bad number"),
        (
            lambda t: t.replace(" -0.09 2\n", " -0.09\n", 1),
            "line 5: expected a joint line of 12 numbers, found 11",
        ),
        (lambda t: t.replace("0 1 1 1 1 0", "0 1 1", 1), "10 fields"),
        (lambda t: t + "garbage\n", "unexpected content"),
        (lambda t: "", "empty"),
        (lambda t: "2\n0\n0\n", "no body"),
    ],
)
def test_ntu_broken_files(tmp_path: Path, mutate, message: str) -> None:
    frames = [[("1", np.zeros((25, 3)) + t)] for t in range(3)]
    path = write(tmp_path / "S001C001P001R001A001.skeleton", mutate(ntu_text(frames)))
    with pytest.raises(PipelineError, match=message) as err:
        read_ntu_skeleton(path)
    assert str(path) in str(err.value)


def test_ntu_bad_name(tmp_path: Path) -> None:
    path = write(tmp_path / "sample_01.skeleton", ntu_text([[("1", np.zeros((25, 3)))]]))
    with pytest.raises(PipelineError, match="SsssCcccPpppRrrrAaaa"):
        read_ntu_skeleton(path)


def test_ntu_folder_filters_and_parallel(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    names = [f"S001C001P{p:03d}R001A{a:03d}" for p in (1, 2) for a in (1, 2, 3, 61, 70)]
    for name in names:
        write(tmp_path / "raw" / "sub" / f"{name}.skeleton", ntu_text([[("7", pose(0, rng))]] * 3))
    write(tmp_path / "raw" / "S001C001P001R001A004.skeleton", "1\n0\n")  # a listed sample without skeleton
    missing = write(tmp_path / "missing.txt", "S001C001P001R001A004\nS001C001P002R001A003\n")
    clips = read_ntu_folder(tmp_path / "raw", missing, workers=1, max_action=60)
    assert [c.sample_id for c in clips] == sorted(
        n for n in names if int(n[-3:]) <= 60 and n != "S001C001P002R001A003"
    )
    parallel = read_ntu_folder(tmp_path / "raw", missing, workers=2)
    assert [c.sample_id for c in parallel] == sorted(n for n in names if n != "S001C001P002R001A003")
    with pytest.raises(PipelineError, match="S001C001P001R001A004.skeleton: no body"):
        read_ntu_folder(tmp_path / "raw", None, workers=2)  # a worker's error reaches the caller
    (tmp_path / "empty").mkdir()
    with pytest.raises(PipelineError, match="no .skeleton files"):
        read_ntu_folder(tmp_path / "empty", None, workers=1)


def test_xsub_constants() -> None:
    assert len(NTU60_XSUB_TRAIN) == 20 and len(NTU120_XSUB_TRAIN) == 53
    assert NTU120_XSUB_TRAIN[:20] == NTU60_XSUB_TRAIN


@pytest.mark.skipif(not NTU_SAMPLES.is_dir(), reason="../shared/data is absent")
def test_real_ntu_samples() -> None:
    drop = read_ntu_skeleton(NTU_SAMPLES / "S001C001P003R002A005.skeleton")
    shoe = read_ntu_skeleton(NTU_SAMPLES / "S001C001P004R001A017.skeleton")
    assert (drop.label, drop.subject, drop.view) == (4, 3, 1)
    assert (shoe.label, shoe.subject) == (16, 4)
    for clip in (drop, shoe):
        assert clip.data.ndim == 4 and clip.data.shape[1:] == (2, 25, 3) and 30 < len(clip.data) <= 300
        assert np.isfinite(clip.data).all() and np.abs(clip.data[:, 0]).sum() > 0
        assert 1.0 < np.median(clip.data[:, 0, :, 2]) < 6.0  # depth in metres from the camera
    clips, classes = read_npz(NTU_SAMPLES / "NTU60_CS_tiny.npz")
    assert classes == 60 and len(clips) == 11
    assert [c.label for c in clips] == list(range(49, 60))
    assert all(c.subject == 2 and c.sample_id.startswith("test_") for c in clips)
    assert all(c.data.shape[1:] == (2, 25, 3) and np.abs(c.data[-1]).sum() > 0 for c in clips)
    ds = get_dataset("ntu60")
    cfg = Config()
    cfg.skeleton.prepare.workers = 1
    clips, layout, train = read_source(ds, NTU_SAMPLES, cfg)
    assert layout.name == "ntu25" and train == NTU60_XSUB_TRAIN
    assert [c.sample_id for c in clips] == ["S001C001P003R002A005", "S001C001P004R001A017"]


# ---------- CTR-GCN .npz ----------


def make_npz(path: Path, **override) -> Path:
    rng = np.random.default_rng(3)
    x_train = np.zeros((3, 10, 150), np.float32)
    for i, t in enumerate((4, 10, 7)):
        x_train[i, :t] = rng.normal(size=(t, 150))
    x_test = rng.normal(size=(2, 10, 150)).astype(np.float32)
    arrays = {"x_train": x_train, "y_train": np.eye(5)[[0, 3, 4]], "x_test": x_test, "y_test": np.eye(5)[[1, 2]]}
    arrays.update(override)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def test_npz_reader(tmp_path: Path) -> None:
    clips, classes = read_npz(make_npz(tmp_path / "d.npz"))
    assert classes == 5
    assert [c.sample_id for c in clips] == [
        "train_000000",
        "train_000001",
        "train_000002",
        "test_000000",
        "test_000001",
    ]
    assert [len(c.data) for c in clips] == [4, 10, 7, 10, 10]  # trailing zero frames trimmed
    assert [c.label for c in clips] == [0, 3, 4, 1, 2]
    assert [c.subject for c in clips] == [1, 1, 1, 2, 2]
    assert clips[0].data.shape == (4, 2, 25, 3)


@pytest.mark.parametrize(
    "override, message",
    [
        ({"y_test": None}, "missing arrays \\['y_test'\\]"),
        ({"y_train": np.eye(5)[[0, 1]]}, "expected one-hot labels of shape \\(3"),
        ({"y_train": np.zeros((3, 5))}, "row 0 is not a one-hot"),
        ({"x_test": np.zeros((2, 10, 150), np.float32)}, "sample 0 is all zeros"),
        ({"x_test": np.ones((2, 10, 149), np.float32)}, "expected \\(N, frames"),
        ({"y_test": np.eye(6)[[1, 2]]}, "different class counts"),
    ],
)
def test_npz_broken(tmp_path: Path, override: dict, message: str) -> None:
    path = make_npz(tmp_path / "d.npz", **override)
    with pytest.raises(PipelineError, match=message) as err:
        read_npz(path)
    assert str(path) in str(err.value)


def test_npz_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="not a readable .npz"):
        read_npz(write(tmp_path / "d.npz", "hello"))


# ---------- PKU-MMD ----------


def make_pku(root: Path, videos: dict[str, tuple[int, list[str]]]) -> Path:
    rng = np.random.default_rng(4)
    for name, (frames, labels) in videos.items():
        data = rng.normal(size=(frames, 150))
        data[:, 75:] = 0
        write(
            root / "skeleton" / f"{name}.txt", "\n".join(" ".join(f"{v:.4f}" for v in row) for row in data) + "\n"
        )
        write(root / "label" / f"{name}.txt", "\n".join(labels) + "\n")
    return root


def test_pkummd_reader(tmp_path: Path) -> None:
    root = make_pku(tmp_path / "pku", {"0002-L": (40, ["1,0,9,1", "51,10,19,2"]), "0003-R": (30, ["7,5,40,1"])})
    clips = read_pkummd(root / "skeleton", root / "label", workers=1)
    assert [c.sample_id for c in clips] == ["0002-L_000", "0002-L_001", "0003-R_000"]
    assert [c.label for c in clips] == [0, 50, 6]
    assert [len(c.data) for c in clips] == [10, 10, 25]  # inclusive ends, the last clipped to the video
    assert [(c.subject, c.view) for c in clips] == [(2, 1), (2, 1), (3, 3)]
    assert clips[0].data.shape[1:] == (2, 25, 3) and not clips[0].data[:, 1].any()
    write(root / "cross-subject.txt", "Training videos: \n0002-L, 0002-M, 0002-R\nValidataion videos: \n0003-R\n")
    assert read_cross_subject(root / "cross-subject.txt") == (2,)
    cfg = Config()
    cfg.skeleton.prepare.workers = 1
    clips, layout, train = read_source(get_dataset("pkummd51"), root, cfg)
    assert len(clips) == 3 and layout.name == "ntu25" and train == (2,)


@pytest.mark.parametrize(
    "labels, message",
    [
        (["52,0,5,1"], "label 52 out of range 1..51"),
        (["0,0,5,1"], "label 0 out of range"),
        (["3,8,2,1"], "bad frame range"),
        (["3;0;5"], "expected 'label,start,end,confidence'"),
        (["3,50,60,1"], "starts at frame 50"),
    ],
)
def test_pkummd_bad_labels(tmp_path: Path, labels: list[str], message: str) -> None:
    root = make_pku(tmp_path / "pku", {"0002-L": (20, labels)})
    with pytest.raises(PipelineError, match=message) as err:
        read_pkummd(root / "skeleton", root / "label", workers=1)
    assert "0002-L.txt" in str(err.value)


def test_pkummd_bad_skeleton(tmp_path: Path) -> None:
    root = make_pku(tmp_path / "pku", {"0002-L": (20, ["1,0,5,1"])})
    path = root / "skeleton" / "0002-L.txt"
    lines = path.read_text().splitlines()
    write(path, "\n".join(lines[:3] + [lines[3].rsplit(" ", 1)[0]] + lines[4:]))
    with pytest.raises(PipelineError, match="line 4: expected 150 numbers"):
        read_pkummd(root / "skeleton", root / "label", workers=1)
    write(path, "\n".join(lines[:3] + [lines[3].replace(" ", " x", 1)] + lines[4:]))
    with pytest.raises(PipelineError, match="line 4: bad number"):
        read_pkummd(root / "skeleton", root / "label", workers=1)
    path.unlink()
    with pytest.raises(PipelineError, match="without a skeleton file"):
        read_pkummd(root / "skeleton", root / "label", workers=1)


# ---------- bring-your-own folder ----------


def make_folder(
    root: Path,
    layout: str = 'layout = "msr20"',
    joints: int = 20,
    rows: list[dict] | None = None,
) -> Path:
    rng = np.random.default_rng(5)
    write(root / "dataset.toml", f'name = "toy"\n{layout}\n')
    write(root / "classes.csv", "idx,label\n0,wave\n1,kick\n2,bow\n")
    (root / "skeletons").mkdir(parents=True, exist_ok=True)
    if rows is None:
        rows = []
        for i in range(6):
            shape = (8, joints, 3) if i % 2 else (8, 2, joints, 3)
            np.save(root / "skeletons" / f"s{i}.npy", rng.normal(size=shape).astype(np.float32))
            rows.append(
                {
                    "sample_id": f"s{i}",
                    "file": f"skeletons/s{i}.npy" if i else "s0.npy",
                    "class_idx": i % 3,
                    "subject": i % 3 + 1,
                    "view": "",
                }
            )
    with (root / "samples.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_folder_reader(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "toy")
    clips, layout = read_folder_dataset_clips(root)
    assert layout.name == "msr20" and len(clips) == 6
    assert [c.data.shape for c in clips[:2]] == [(8, 2, 20, 3), (8, 1, 20, 3)]
    assert [c.label for c in clips] == [0, 1, 2, 0, 1, 2] and clips[1].subject == 2
    custom = 'layout = { joints = ["a", "b", "c"], edges = [[0, 1], [1, 2]], center = 1 }'
    clips, layout = read_folder_dataset_clips(make_folder(tmp_path / "custom", custom, joints=3))
    assert layout.num_joints == 3 and clips[0].data.shape == (8, 2, 3, 3)
    cfg = Config()
    ds = get_dataset(str(root))
    clips, layout, train = read_source(ds, None, cfg)
    assert train == split_subjects([1, 2, 3], cfg.skeleton.prepare.test_fraction, cfg.seed, "x")
    assert len(train) == 2 and set(train) < {1, 2, 3}


def test_split_subjects_is_seeded() -> None:
    subjects = list(range(1, 11))
    a = split_subjects(subjects, 0.3, 0, "x")
    assert a == split_subjects(subjects, 0.3, 0, "x") and len(a) == 7
    assert any(split_subjects(subjects, 0.3, s, "x") != a for s in range(1, 5))
    with pytest.raises(PipelineError, match="at least 2"):
        split_subjects([4, 4], 0.3, 0, "x")


def test_folder_errors(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "wrong_joints", joints=25)
    with pytest.raises(PipelineError, match="does not match layout 'msr20'") as err:
        read_folder_dataset_clips(root)
    assert "s0.npy" in str(err.value)

    root = make_folder(tmp_path / "missing_file")
    (root / "skeletons" / "s3.npy").unlink()
    with pytest.raises(PipelineError, match="samples.csv line 5: file .*s3.npy not found"):
        read_folder_dataset_clips(root)

    root = make_folder(tmp_path / "bad_class")
    text = (root / "samples.csv").read_text().replace("s2,skeletons/s2.npy,2", "s2,skeletons/s2.npy,3")
    write(root / "samples.csv", text)
    with pytest.raises(PipelineError, match="line 4: class_idx 3 out of range 0..2"):
        read_folder_dataset_clips(root)

    root = make_folder(tmp_path / "nan")
    np.save(root / "skeletons" / "s1.npy", np.full((4, 20, 3), np.nan, np.float32))
    with pytest.raises(PipelineError, match="s1.npy: every joint is NaN"):
        read_folder_dataset_clips(root)

    root = make_folder(tmp_path / "empty")
    np.save(root / "skeletons" / "s1.npy", np.zeros((0, 20, 3), np.float32))
    with pytest.raises(PipelineError, match="no frames"):
        read_folder_dataset_clips(root)

    root = make_folder(tmp_path / "columns")
    write(root / "samples.csv", "sample_id,file,class_idx\ns0,s0.npy,0\n")
    with pytest.raises(PipelineError, match="missing columns \\['subject'\\]"):
        read_folder_dataset_clips(root)

    root = make_folder(tmp_path / "layout", layout='layout = "kinect99"')
    with pytest.raises(PipelineError, match="dataset.toml: unknown layout 'kinect99'"):
        read_folder_dataset_clips(root)


# ---------- dispatch ----------


def test_read_source_errors(tmp_path: Path) -> None:
    cfg = Config()
    with pytest.raises(PipelineError, match="cannot be downloaded here.*--source"):
        read_source(get_dataset("ntu120"), None, cfg)
    with pytest.raises(PipelineError, match="does not exist"):
        read_source(get_dataset("ntu60"), tmp_path / "nope", cfg)
    with pytest.raises(PipelineError, match="labels have 5 classes, dataset ntu60 has 60"):
        read_source(get_dataset("ntu60"), make_npz(tmp_path / "d.npz"), cfg)
    with pytest.raises(PipelineError, match="generated"):
        read_source(get_dataset("synthetic60"), None, cfg)


# ---------- MSR Action3D example ----------


@pytest.mark.skipif(not MSR.is_dir(), reason="../shared/data is absent")
def test_msr_conversion_reads_back(tmp_path: Path) -> None:
    from pipeline.describe.io import load_descriptions

    script = Path(__file__).resolve().parents[1] / "examples" / "msr_action3d_to_folder.py"
    spec = importlib.util.spec_from_file_location("msr_action3d_to_folder", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "msr"
    n, skipped = module.convert(MSR, out)
    assert n == 566 and skipped == ["a13_s09_e02_skeleton3D.txt"]
    clips, layout = read_folder_dataset_clips(out)
    assert layout.name == "msr20" and len(clips) == 566
    assert {c.label for c in clips} == set(range(20)) and {c.subject for c in clips} == set(range(1, 11))
    first = next(c for c in clips if c.sample_id == "a01_s01_e01")
    assert first.data.shape[1:] == (1, 20, 3) and first.label == 0
    ds = get_dataset(str(out))
    assert ds.name == "msr_action3d" and ds.labels[19] == "pick up & throw"
    texts = load_descriptions(ds, tmp_path / "unused")
    assert len(texts.records) == 20 and all(r["source"] == "authored" for r in texts.records)

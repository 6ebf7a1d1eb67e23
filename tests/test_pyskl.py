"""The pyskl / MMAction2 annotation pickle: the format, its protocols, refused payloads, the real samples."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.skeleton.prepare import load_prepared, prepare_dataset
from pipeline.skeleton.readers import read_source
from pipeline.skeleton.readers.ntu import read_ntu_skeleton
from pipeline.skeleton.readers.pyskl import read_pyskl
from pipeline.skeleton.readers.safepickle import load_pickle
from pipeline.store import Store

NTU_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntu_samples"
REAL = ("S001C001P003R002A005", "S001C001P004R001A017")


def annotation(
    name: str, rng: np.random.Generator, bodies: int = 1, frames: int = 12, dtype: type = np.float16
) -> dict:
    keypoint = rng.normal(size=(bodies, frames, 25, 3)).astype(dtype)
    return {"frame_dir": name, "label": int(name[-3:]) - 1, "keypoint": keypoint, "total_frames": frames}


def ntu60_file(path: Path, protocol: int = 2, **change) -> Path:
    """Four NTU-60 clips: performers 1 (train side of xsub) and 3 (test), cameras 1 and 2."""
    rng = np.random.default_rng(0)
    names = ["S001C001P001R001A001", "S001C002P001R001A002", "S001C001P003R001A003", "S001C002P003R001A004"]
    annotations = [annotation(n, rng, bodies=1 + i % 2) for i, n in enumerate(names)]
    split = {
        "xsub_train": names[:2],
        "xsub_val": names[2:],
        "xview_train": [names[1], names[3]],
        "xview_val": [names[0], names[2]],
    }
    data = {"split": split, "annotations": annotations, **change}
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    return path


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_reads_the_format_with_each_pickle_protocol(tmp_path: Path, protocol: int) -> None:
    clips, train = read_pyskl(ntu60_file(tmp_path / "ntu60_3danno.pkl", protocol), "xsub", 60)
    assert [c.sample_id for c in clips] == [
        "S001C001P001R001A001",
        "S001C002P001R001A002",
        "S001C001P003R001A003",
        "S001C002P003R001A004",
    ]
    assert [c.label for c in clips] == [0, 1, 2, 3] and train == (1,)
    assert [(c.subject, c.view, c.setup) for c in clips] == [(1, 1, 1), (1, 2, 1), (3, 1, 1), (3, 2, 1)]
    assert clips[1].data.shape == (12, 2, 25, 3) and clips[1].data.dtype == np.float32


def test_xview_sides_become_subjects(tmp_path: Path) -> None:
    clips, train = read_pyskl(ntu60_file(tmp_path / "a.pkl"), "xview", 60)
    assert train == (1,) and [c.subject for c in clips] == [2, 1, 2, 1]


def test_protocol_is_a_config_setting_and_part_of_the_key(tmp_path: Path) -> None:
    source = ntu60_file(tmp_path / "ntu60_3danno.pkl")
    cfg = Config()
    cfg.store = str(tmp_path / "store")
    cfg.skeleton.prepare.frames = 8
    xsub = prepare_dataset(get_dataset("ntu60"), cfg, source=source)
    cfg.skeleton.prepare.protocol = "xview"
    xview = prepare_dataset(get_dataset("ntu60"), cfg, source=source)
    assert xsub != xview
    prepared = load_prepared(Store(cfg.store), xview)
    assert prepared.select(list(range(60)), "train").tolist() == [1, 3]
    cfg.skeleton.prepare.protocol = "xset"
    with pytest.raises(PipelineError, match=r"ntu60_3danno.pkl: no xset_train .* the file has: xsub, xview"):
        prepare_dataset(get_dataset("ntu60"), cfg, source=source)


def test_ntu120_file_read_as_ntu60_skips_the_newer_actions(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(1)
    names = ["S018C001P008R001A061", "S001C001P001R001A001", "S001C001P003R001A002"]
    data = {
        "split": {"xsub_train": names[:2], "xsub_val": names[2:]},
        "annotations": [annotation(n, rng) for n in names],
    }
    (tmp_path / "ntu120.pkl").write_bytes(pickle.dumps(data))
    clips, _, _ = read_source(get_dataset("ntu60"), tmp_path / "ntu120.pkl", Config())
    assert [c.label for c in clips] == [0, 1]
    assert "1 clip(s) of actions above 60 skipped" in capsys.readouterr().err
    assert len(read_source(get_dataset("ntu120"), tmp_path / "ntu120.pkl", Config())[0]) == 3


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"split": {"xsub_train": ["S001C001P001R001A001"], "xsub_val": ["S001C001P001R001A001"]}},
            "1 sample.s. on both sides of xsub",
        ),
        (
            {"split": {"xsub_train": "S001C001P001R001A001", "xsub_val": []}},
            r"split\['xsub_train'\] must be a list",
        ),
        (
            {
                "annotations": [
                    {"frame_dir": "S001C001P001R001A001", "label": 4, "keypoint": np.zeros((1, 2, 25, 3))}
                ]
            },
            "label 4 but its name says action 1",
        ),
        (
            {"annotations": [{"frame_dir": "clip", "label": 60, "keypoint": np.zeros((1, 2, 25, 3))}]},
            r"annotation 0 \(clip\): label 60 outside 0..59",
        ),
        (
            {
                "annotations": [
                    {"frame_dir": "S001C001P001R001A001", "label": 0, "keypoint": np.zeros((1, 2, 17, 3))}
                ]
            },
            r"keypoint shape \(1, 2, 17, 3\), expected \(bodies, frames, 25, 3\)",
        ),
        (
            {
                "annotations": [
                    {"frame_dir": "S001C001P001R001A001", "label": 0, "keypoint": np.full((1, 2, 25, 3), 1e38)}
                ]
            },
            "coordinate 1e.38 out of range",
        ),
        (
            {
                "annotations": [
                    {
                        "frame_dir": "S001C001P001R001A001",
                        "label": 0,
                        "keypoint": np.zeros((1, 2, 25, 3), np.complex64),
                    }
                ]
            },
            "real numeric array",
        ),
        (
            {
                "annotations": [
                    {
                        "frame_dir": "S001C001P001R001A001",
                        "label": 0,
                        "keypoint": np.zeros((1, 3, 25, 3)),
                        "total_frames": 5,
                    }
                ]
            },
            "total_frames 5 but keypoint has 3 frames",
        ),
        ({"annotations": "none"}, "'annotations' must be a list"),
    ],
)
def test_broken_files_name_the_file(tmp_path: Path, change: dict, message: str) -> None:
    path = ntu60_file(tmp_path / "bad.pkl", **change)
    with pytest.raises(PipelineError, match=rf"bad.pkl.*{message}"):
        read_pyskl(path, "xsub", 60)


def test_not_a_pickle(tmp_path: Path) -> None:
    (tmp_path / "x.pkl").write_bytes(b"\x80\x04not really")
    with pytest.raises(PipelineError, match=r"x.pkl: not a readable pickle"):
        load_pickle(tmp_path / "x.pkl")
    (tmp_path / "y.pkl").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(PipelineError, match=r"y.pkl: not a pyskl annotation file"):
        read_pyskl(tmp_path / "y.pkl", "xsub", 60)


class Payload:
    """What an attacker ships: unpickling it would run a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_a_code_payload_is_refused_without_running(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "pwned"
    rng = np.random.default_rng(0)
    record = annotation("S001C001P001R001A001", rng)
    record["keypoint"] = Payload(marker)
    data = {"split": {"xsub_train": ["S001C001P001R001A001"], "xsub_val": []}, "annotations": [record]}
    path = tmp_path / "ntu60_3danno.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    with pytest.raises(PipelineError, match=r"ntu60_3danno.pkl: refused: the pickle calls (posix|os|nt)\.system"):
        read_source(get_dataset("ntu60"), path, Config())
    assert not marker.exists()


def test_a_dataset_folder_may_ship_an_annotation_pickle(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "classes.csv").write_text("idx,label\n0,wave\n1,bow\n")
    rng = np.random.default_rng(2)
    data = {
        "split": {"xsub_train": ["a", "b"], "xsub_val": ["c"]},
        "annotations": [
            {"frame_dir": n, "label": i % 2, "keypoint": rng.normal(size=(1, 6, 25, 3))}
            for i, n in enumerate("abc")
        ],
    }
    (folder / "anno.pkl").write_bytes(pickle.dumps(data))
    clips, layout, train = read_source(get_dataset(str(folder)), None, Config())
    assert layout.name == "ntu25" and train == (1,) and [c.subject for c in clips] == [1, 1, 2]
    data["annotations"][2]["label"] = 2
    (folder / "anno.pkl").write_bytes(pickle.dumps(data))
    with pytest.raises(PipelineError, match=r"anno.pkl annotation 2 \(c\): label 2 outside 0..1"):
        read_source(get_dataset(str(folder)), None, Config())
    (folder / "other.pkl").write_bytes(b"")
    with pytest.raises(PipelineError, match=r"2 .pkl files \(anno.pkl, other.pkl\) and no samples.csv"):
        read_source(get_dataset(str(folder)), None, Config())


@pytest.mark.skipif(not NTU_SAMPLES.is_dir(), reason="../shared/data is absent")
def test_a_pickle_of_the_real_samples_prepares_like_the_raw_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in REAL:
        (raw / f"{name}.skeleton").symlink_to(NTU_SAMPLES / f"{name}.skeleton")
    clips = [read_ntu_skeleton(raw / f"{name}.skeleton") for name in REAL]
    annotations = [
        {
            "frame_dir": c.sample_id,
            "label": c.label,
            "keypoint": c.data.transpose(1, 0, 2, 3),
            "total_frames": len(c.data),
        }
        for c in clips
    ]
    split = {"xsub_train": [n for n in REAL if "P004" in n], "xsub_val": [n for n in REAL if "P003" in n]}
    source = tmp_path / "ntu60_3danno.pkl"
    source.write_bytes(pickle.dumps({"split": split, "annotations": annotations}, protocol=2))
    prepared = []
    for name, src in (("raw", raw), ("pkl", source)):
        cfg = Config()
        cfg.store = str(tmp_path / f"store-{name}")
        cfg.skeleton.prepare.workers = 1
        key = prepare_dataset(get_dataset("ntu60"), cfg, source=src)
        prepared.append(load_prepared(Store(cfg.store), key))
    a, b = prepared
    assert a.x.shape == (2, 2, 64, 25, 3) and np.array_equal(np.asarray(a.x), np.asarray(b.x))
    for column in ("label", "subject", "view", "sample_id"):
        assert np.array_equal(getattr(a, column), getattr(b, column))
    everything = list(range(60))
    for side in ("train", "test"):
        assert a.select(everything, side).tolist() == b.select(everything, side).tolist()

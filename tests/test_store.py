import json

import numpy as np
import pytest

from pipeline.artifacts.tables import read_table, write_table
from pipeline.store import Store, file_sha256, hash_spec


def test_key_is_content_hash():
    assert hash_spec("k", {"a": 1, "b": [1, 2]}) == hash_spec("k", {"b": [1, 2], "a": 1})
    assert hash_spec("k", {"a": 1}) != hash_spec("k", {"a": 2}) != hash_spec("j", {"a": 1})


def test_writer_seals_and_indexes(tmp_path):
    store = Store(tmp_path)
    with store.writer("thing", "abc", {"x": 1}, info={"why": "test"}) as folder:
        (folder / "a.txt").write_text("hello")
    assert store.has("thing", "abc")
    meta = store.meta("thing", "abc")
    assert meta["files"]["a.txt"]["sha256"] == file_sha256(store.path("thing", "abc") / "a.txt")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [m["key"] for m in manifest] == ["abc"] and manifest[0]["bytes"] == 5


def test_failed_write_leaves_nothing(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(RuntimeError):
        with store.writer("thing", "abc", {}) as folder:
            (folder / "a.txt").write_text("half")
            raise RuntimeError("crash")
    assert not store.has("thing", "abc")
    assert not list((tmp_path / "objects" / "thing").iterdir())


def test_refs(tmp_path):
    store = Store(tmp_path)
    assert store.get_ref("x/y") is None
    with store.writer("thing", "k1", {}) as folder:
        (folder / "f").write_text("1")
    store.set_ref("x/y", "thing", "k1")
    assert store.get_ref("x/y") == ("thing", "k1")


def test_table_roundtrip(tmp_path):
    vec = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    write_table(tmp_path / "t.parquet", {"id": ["a", "b", "c", "d"], "n": np.arange(4), "v": vec}, {"dim": 3})
    cols, meta = read_table(tmp_path / "t.parquet")
    assert meta == {"dim": 3} and list(cols["id"]) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(cols["v"], vec)

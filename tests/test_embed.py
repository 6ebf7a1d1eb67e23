import json
import subprocess
import sys

import numpy as np
import pytest

from pipeline.artifacts.tables import read_table
from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.stages.embed import FILE, KIND, embed_dataset, text_features_for
from pipeline.store import Store
from pipeline.text import encoders as encoders_mod


@pytest.fixture()
def folder_dataset(tmp_path):
    root = tmp_path / "mini"
    root.mkdir()
    (root / "classes.csv").write_text("idx,label\n0,wave hand\n1,kick ball\n2,sit down\n")
    recs = [
        {"idx": 0, "label": "wave hand", "global": "A greeting.", "local": "The right arm raises and swings."},
        {"idx": 1, "label": "kick ball", "global": "Kicking a ball.", "local": "The right leg swings forward."},
        {"idx": 2, "label": "sit down", "global": "Sitting down.", "local": "The knees bend and the hips lower."},
    ]
    (root / "descriptions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return root


def test_embed_writes_normalised_fields_and_caches(folder_dataset, tmp_path, monkeypatch):
    cfg = Config(store=str(tmp_path / "store"))
    ds = get_dataset(str(folder_dataset))
    key = embed_dataset(ds, cfg)
    cols, meta = read_table(Store(cfg.store).file(KIND, key, FILE))
    assert meta["encoder"] == "all-MiniLM-L6-v2" and meta["dim"] == 384 and len(meta["descriptions_sha256"]) == 64
    assert sorted(set(cols["field"])) == ["global", "label", "local"] and len(cols["idx"]) == 9
    np.testing.assert_allclose(np.linalg.norm(cols["vector"], axis=1), 1.0, rtol=1e-5)
    feats = text_features_for(ds, cfg)
    fused = feats.fused()
    assert fused.shape == (3, 3 * 384)
    np.testing.assert_allclose(np.linalg.norm(fused, axis=1), 1.0, rtol=1e-5)
    sims = feats.fields["local"] @ feats.fields["local"].T
    assert sims[0, 0] > sims[0, 1]

    def boom(*a, **k):
        raise AssertionError("a cache hit must not load the encoder")

    monkeypatch.setattr(encoders_mod, "load_encoder", boom)
    assert embed_dataset(ds, cfg) == key


def test_changed_descriptions_change_the_key(folder_dataset, tmp_path):
    cfg = Config(store=str(tmp_path / "store"))
    ds = get_dataset(str(folder_dataset))
    key = embed_dataset(ds, cfg)
    path = folder_dataset / "descriptions.jsonl"
    path.write_text(path.read_text().replace("A greeting.", "Saying hello."))
    with pytest.raises(MissingArtifactError, match="zssar embed"):
        text_features_for(ds, cfg)
    assert embed_dataset(ds, cfg) != key


def test_bad_descriptions_and_missing_encoder(folder_dataset, tmp_path):
    cfg = Config(store=str(tmp_path / "store"))
    ds = get_dataset(str(folder_dataset))
    (folder_dataset / "descriptions.jsonl").write_text('{"idx": 0, "label": "wave hand"}\n')
    with pytest.raises(PipelineError, match="descriptions.jsonl line 1: missing field"):
        embed_dataset(ds, cfg)
    cfg.embed.encoder = str(tmp_path / "no-such-model")
    (folder_dataset / "descriptions.jsonl").unlink()
    with pytest.raises(MissingArtifactError, match="zssar describe"):
        embed_dataset(ds, cfg)


def test_shipped_descriptions_cover_builtin_datasets():
    from pipeline.describe.io import load_descriptions

    for name in ("ntu60", "ntu120", "pkummd51", "synthetic120"):
        d = load_descriptions(get_dataset(name), "descriptions")
        assert len(d.records) == get_dataset(name).num_classes


def test_help_is_fast_and_light():
    code = (
        "import sys; from pipeline.cli import app; "
        "bad = {'torch', 'pandas', 'sentence_transformers'} & set(sys.modules); print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

"""`zssar evaluate`: splits x seeds x methods, split-by-split mean and spread, cached stage by stage."""

import json
from pathlib import Path

import pytest
from backbone_data import tiny_config

from pipeline.catalog import get_dataset
from pipeline.errors import PipelineError
from pipeline.stages.evaluate import evaluate, expand_splits, markdown
from pipeline.stages.report import build_report


def tiny_evaluation(tmp_path: Path, seeds: int):
    """A one-epoch backbone on 4 synthetic clips per class, and a two-cycle schedule of 40 steps."""
    cfg = tiny_config(tmp_path / "store", epochs=1)
    cfg.results = str(tmp_path / "results")
    cfg.skeleton.synthetic.samples_per_class = 4
    cfg.skeleton.synthetic.frames = cfg.skeleton.prepare.frames = 16
    cfg.train.seeds, cfg.train.cycles, cfg.train.steps_per_cycle = seeds, 2, 40
    cfg.train.classifier_epochs, cfg.train.processes = 20, 1
    return cfg


def test_split_ranges_expand_and_duplicates_are_refused():
    assert expand_splits(["random:5:0-2", "unseen:1,2"]) == [
        "random:5:0",
        "random:5:1",
        "random:5:2",
        "unseen:1,2",
    ]
    assert expand_splits(["numpy:5:3-3"]) == ["numpy:5:3"]
    with pytest.raises(PipelineError, match="listed twice"):
        expand_splits(["random:5:0-1", "random:5:1"])
    with pytest.raises(PipelineError, match="first>-<last"):
        expand_splits(["random:5:3-1"])


def test_evaluate_two_splits_two_methods_then_all_cached(tmp_path, monkeypatch, capsys):
    cfg = tiny_evaluation(tmp_path, seeds=2)
    dataset = get_dataset("synthetic60")
    record = evaluate(dataset, cfg, ["random:5:0-1"], ["ridge", "fsvae"])
    assert record["splits"] == ["random:5:0", "random:5:1"] and [r["method"] for r in record["rows"]] == [
        "ridge",
        "fsvae",
        "best on carve",
    ]
    assert record["methods"] == ["ridge", "fsvae"]
    for row in record["rows"]:
        assert row["zsl"]["n"] == 4 and row["zsl_over_splits"]["n"] == 2
        for s in record["splits"]:
            stats = row["splits"][s]["zsl"]
            assert stats["n"] == 2 and 0 <= stats["mean"] <= 100 and stats["std"] >= 0
    out = capsys.readouterr().out
    assert "| ridge |" in out and "random:5:1" in out and "GZSL H" in out
    saved = Path(cfg.results) / "evaluations" / f"synthetic60-{record['key']}.json"
    assert json.loads(saved.read_text())["rows"] == record["rows"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cached seed was trained again")

    monkeypatch.setattr("pipeline.zsl.protocol.run_seed", no_training)
    assert evaluate(dataset, cfg, ["random:5:0-1"], ["ridge", "fsvae"])["rows"] == record["rows"]
    report = build_report(cfg)["report.md"].read_text()
    assert "## Evaluations" in report and f"evaluation {record['key']}" in report


def test_backbone_seeds_train_a_backbone_each_and_pool_their_runs(tmp_path):
    """--backbone-seeds 2: two backbones per split (seeds 0 and 1000), the methods' runs on both pooled."""
    from pipeline.artifacts.kinds import BACKBONE
    from pipeline.stages.evaluate import backbone_seed
    from pipeline.store import Store

    cfg = tiny_evaluation(tmp_path, seeds=2)
    dataset = get_dataset("synthetic60")
    record = evaluate(dataset, cfg, ["random:5:0"], ["ridge"], backbone_seeds=2)
    assert record["backbone_seeds"] == 2 and record["rows"][0]["zsl"]["n"] == 4
    assert "x 2 backbones" in markdown(record)
    seeds = sorted(meta["spec"]["seed"] for meta in Store(cfg.store).entries(BACKBONE))
    assert seeds == [0, 0, backbone_seed(0, 1), backbone_seed(0, 1)]  # main and val of each
    with pytest.raises(PipelineError, match="backbone-seeds 0"):
        evaluate(dataset, cfg, ["random:5:0"], ["ridge"], backbone_seeds=0)


def test_unknown_method_or_split_fails_before_any_work(tmp_path):
    cfg = tiny_config(tmp_path / "store")
    with pytest.raises(PipelineError, match="train.method 'nope'"):
        evaluate(get_dataset("synthetic60"), cfg, ["random:5:0"], ["ridge", "nope"])
    with pytest.raises(PipelineError, match="split 'random:5'"):
        evaluate(get_dataset("synthetic60"), cfg, ["random:5"], ["ridge"])
    assert not (tmp_path / "store").exists()


def test_cli_evaluate_refuses_bad_ranges_and_methods(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    store = ["--set", f"store={tmp_path / 'store'}", "--set", f"results={tmp_path / 'results'}"]
    result = CliRunner().invoke(app, ["evaluate", "--dataset", "synthetic60", "--splits", "random:5:3-1", *store])
    assert result.exit_code == 2 and "first>-<last" in result.output
    result = CliRunner().invoke(
        app, ["evaluate", "--dataset", "synthetic60", "--splits", "random:5:0", "--methods", "ridge,nope", *store]
    )
    assert result.exit_code == 2 and "train.method 'nope'" in result.output
    assert not (tmp_path / "store").exists() and not (tmp_path / "results").exists()


def test_the_carve_row_takes_each_seeds_best_method_on_the_carve():
    """For every split and seed, the test figures of the method whose pick scored best on the validation
    carve (the first listed on a tie); a seed without a carve figure is left out."""
    from pipeline.stages.evaluate import CARVE_ROW, Cell, _carve_selected

    cells = {
        ("s", "ridge"): Cell(zsl=[50.0, 60.0, 70.0], h=[10.0, None, 30.0], val=[40.0, 45.0, None]),
        ("s", "direct"): Cell(zsl=[55.0, 20.0, 90.0], h=[11.0, 12.0, 13.0], val=[41.0, 45.0, 50.0]),
    }
    _carve_selected(["s"], ["ridge", "direct"], cells)
    row = cells[("s", CARVE_ROW)]
    assert row.zsl == [55.0, 60.0] and row.h == [11.0, None] and row.val == [41.0, 45.0]


def test_the_ensemble_row_takes_every_listed_method_but_the_ridge_baseline():
    from pipeline.stages.ensemble import ensemble_members

    assert ensemble_members(["ridge", "fusion", "descriptor", "fsvae"]) == ["fusion", "descriptor", "fsvae"]
    assert ensemble_members(["ridge", "fsvae"]) == [] and ensemble_members(["fsvae"]) == []


def test_every_seen_clip_trained_on_gives_zsl_only(tmp_path):
    """skeleton.seen_train = all: the backbones and the methods train on every subject's seen clips, the
    seen test parts are empty, and the results say so and carry no GZSL figures."""
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.artifacts.kinds import BACKBONE
    from pipeline.catalog import get_split
    from pipeline.skeleton.descriptor import with_descriptors
    from pipeline.stages.ensemble import ENSEMBLE_ROW, ensemble_scores
    from pipeline.stages.evaluate import CARVE_ROW
    from pipeline.stages.skeleton import extract_features
    from pipeline.store import Store

    cfg = tiny_evaluation(tmp_path, seeds=1)
    cfg.skeleton.seen_train = "all"
    dataset = get_dataset("synthetic60")
    # sadvae: a skeleton latent wider than the classifier's; descriptor: inputs that are not the features
    methods = ["ridge", "fusion", "descriptor", "fsvae", "sadvae"]
    record = evaluate(dataset, cfg, ["random:5:0"], methods)
    assert [row["method"] for row in record["rows"]] == [*methods, CARVE_ROW, ENSEMBLE_ROW]
    for row in record["rows"]:  # the methods, the carve's pick of them and every method but ridge together
        assert row["zsl"]["n"] == 1 and row["h"]["n"] == 0
    store = Store(cfg.store)
    fs = load_feature_set(store, extract_features(dataset, get_split(dataset, "random:5:0"), cfg))
    assert len(fs["test_seen"]) == 0 and len(fs["val_test_seen"]) == 0
    assert len(set(fs["train"].sample_id)) == len(fs["train"]) and len(fs["train"]) == 55 * 4
    main = fs.meta["spec"]["backbones"]["main"]
    assert store.meta(BACKBONE, main)["info"]["subjects"] == "all"
    for method in methods:
        result = json.loads(next((Path(cfg.results)).rglob(f"{method}/*.json")).read_text())
        assert result["gzsl"] is None and "every subject" in result["protocol"]
        # a member read alone through its saved model gives its own figure: the ensemble reads what trained
        parts = with_descriptors(store, load_feature_set(store, result["feature_key"]))
        zsl, h = ensemble_scores(store, [result["model_key"]], parts["test_seen"], parts["test_unseen"])
        assert zsl == pytest.approx(result["zsl_top1"], abs=0.01) and h is None
    cfg.skeleton.seen_train = "some"
    with pytest.raises(PipelineError, match="seen_train = 'some'"):
        evaluate(dataset, cfg, ["random:5:0"], ["ridge"])


def test_the_ensemble_has_gzsl_where_its_members_share_a_gate_that_reads_ridge(tmp_path):
    """train.gate_input = ridge: every member's gate is the same ridge-reading gate, so the ensemble row has
    H; a member read alone gives exactly its own ZSL and H. Each reading its own probabilities: no H."""
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.stages.ensemble import ENSEMBLE_ROW, ensemble_scores
    from pipeline.store import Store

    cfg = tiny_evaluation(tmp_path, seeds=1)
    cfg.train.gate_input = "ridge"
    dataset = get_dataset("synthetic60")
    record = evaluate(dataset, cfg, ["random:5:0"], ["fsvae", "cadavae"])
    row = next(r for r in record["rows"] if r["method"] == ENSEMBLE_ROW)
    assert row["zsl"]["n"] == 1 and row["h"]["n"] == 1 and 0 <= row["h"]["mean"] <= 100
    store = Store(cfg.store)
    for result_file in sorted(Path(cfg.results).rglob("*/*.json")):
        result = json.loads(result_file.read_text())
        if "model_key" not in result:
            continue
        assert result["gate"]["reads"] == "ridge"
        parts = load_feature_set(store, result["feature_key"])
        zsl, gzsl = ensemble_scores(store, [result["model_key"]], parts["test_seen"], parts["test_unseen"])
        assert zsl == pytest.approx(result["zsl_top1"], abs=0.01) and gzsl is not None
        for k in ("seen", "unseen", "h"):
            assert gzsl[k] == pytest.approx(result["gzsl"][k], abs=0.01)
        assert gzsl["unseen"] > 0
    cfg.train.gate_input = "own"
    record = evaluate(dataset, cfg, ["random:5:0"], ["fsvae", "cadavae"])
    row = next(r for r in record["rows"] if r["method"] == ENSEMBLE_ROW)
    assert row["zsl"]["n"] == 1 and row["h"]["n"] == 0

"""The `tuned` preset (released values with a few changed, a small search on the validation carve) and
`train.select = average` (every cycle's models at once), through training, the result and the saved model."""

from pathlib import Path

import numpy as np
import pytest
import torch
from fsvae_toy import DATASET, SPLIT, TINY, make_toy

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.catalog import Dataset
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.predict.models import Scorer, load_model
from pipeline.stages.train import train_split
from pipeline.store import Store
from pipeline.zsl.cycles import CycleEval, averaged, ensemble
from pipeline.zsl.methods.common import TUNED_GRID, TUNED_VALUES
from pipeline.zsl.presets import candidates, resolve
from pipeline.zsl.settings import TrainConfig

KARD_LIKE = Dataset("folder", tuple(f"c{i}" for i in range(18)), path=Path("/data/folder"))


def test_tuned_is_released_with_its_values_set_and_the_users_values_win():
    released = resolve(TrainConfig(method="fsvae"), KARD_LIKE)
    tuned = resolve(TrainConfig(method="fsvae", preset="tuned"), KARD_LIKE)
    assert tuned.preset == "tuned" and tuned.select == "average" == TUNED_VALUES["select"]
    assert tuned.steps_per_cycle == TUNED_VALUES["steps_per_cycle"]
    # the alignment window shrinks with the cycle, as when a user shortens a released cycle
    shortened = resolve(TrainConfig(method="fsvae", steps_per_cycle=TUNED_VALUES["steps_per_cycle"]), KARD_LIKE)
    assert tuned.calibrated_steps == shortened.calibrated_steps < released.calibrated_steps
    assert tuned.schedule == shortened.schedule and tuned.lam == released.lam and tuned.alpha == released.alpha
    mine = resolve(TrainConfig(method="fsvae", preset="tuned", select="carve", steps_per_cycle=900), KARD_LIKE)
    assert (mine.select, mine.steps_per_cycle) == ("carve", 900)
    # the average's burn-in is the tuned preset's; the reproduction presets average nothing to burn in
    assert tuned.burn_in == TUNED_VALUES["burn_in"] > 0 and released.burn_in == 0.0
    assert resolve(TrainConfig(method="msf", preset="tuned", burn_in=0.2), KARD_LIKE).burn_in == 0.2


def test_the_burn_in_leaves_the_first_cycles_out_and_keeps_the_last():
    assert [list(range(10))[averaged(10, b)] for b in (0.0, 0.25, 0.5)] == [
        list(range(10)),
        list(range(2, 10)),
        list(range(5, 10)),
    ]
    assert list(range(2))[averaged(2, 0.99)] == [1]


def test_the_grid_gives_one_candidate_per_point_and_a_set_value_drops_its_axis():
    assert candidates(TrainConfig(method="cadavae", preset="tuned"), KARD_LIKE) == []  # the search is opt-in
    grid = candidates(TrainConfig(method="cadavae", preset="tuned", carve_search=True), KARD_LIKE)
    [axis] = {name for point in TUNED_GRID for name in point}
    assert [getattr(hp, axis) for hp in grid] == [p[axis] for p in TUNED_GRID]
    # CADA-VAE's tuned preset starts from SynSE's CADA-VAE (`paper`: mean squared reconstruction, per-cycle
    # cross-reconstruction), not from the CUB code's run-long warm-ups
    paper = resolve(TrainConfig(method="cadavae", preset="paper", steps_per_cycle=600), KARD_LIKE)
    assert all(hp.recon == paper.recon == "mse" and hp.select == "average" for hp in grid)
    assert all(hp.schedule == paper.schedule for hp in grid)
    assert (
        len(
            candidates(
                TrainConfig(method="fsvae", preset="tuned", carve_search=True, **{axis: TUNED_GRID[0][axis]}),
                KARD_LIKE,
            )
        )
        == 1
    )
    assert candidates(TrainConfig(method="fsvae"), KARD_LIKE) == []
    assert candidates(TrainConfig(method="ridge", preset="tuned", carve_search=True), KARD_LIKE) == []
    assert resolve(TrainConfig(method="ridge", preset="tuned"), KARD_LIKE).select == "carve"


def test_bad_selections_are_refused():
    with pytest.raises(PipelineError, match="train.select 'best'"):
        resolve(TrainConfig(method="fsvae", select="best"), KARD_LIKE)
    with pytest.raises(PipelineError, match="method ridge trains no cycles"):
        resolve(TrainConfig(method="ridge", select="average"), KARD_LIKE)
    with pytest.raises(PipelineError, match="released, paper, tuned"):
        resolve(TrainConfig(method="fsvae", preset="best"), KARD_LIKE)
    for bad in (-0.1, 1.0):
        with pytest.raises(PipelineError, match=f"train.burn_in = {bad}"):
            resolve(TrainConfig(method="fsvae", preset="tuned", burn_in=bad), KARD_LIKE)


def test_the_ensemble_is_the_softmax_of_the_mean_log_probabilities():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 7, 4))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    evals = [
        CycleEval(0.0, np.zeros(7), p[:2], p, np.zeros((0, 2)), np.zeros((4, 2)), float(i))
        for i, p in enumerate(probs)
    ]
    truth = np.array([10, 11, 12, 13, 10, 11, 12])
    classes = np.array([10, 11, 12, 13])
    out = ensemble(evals, truth, classes)
    mean = logits.mean(0)
    expected = np.exp(mean) / np.exp(mean).sum(-1, keepdims=True)
    np.testing.assert_allclose(out.probs_unseen, expected, rtol=1e-5)
    np.testing.assert_allclose(out.probs_seen, expected[:2], rtol=1e-5)
    assert out.zsl_top1 == pytest.approx(100.0 * np.mean(classes[mean.argmax(1)] == truth))
    assert out.loss == 1.0
    # a scorer of three members scores the same way, from the members' latents
    z = rng.normal(size=(7, 3, 2))
    w, b = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4))
    member_logits = np.einsum("nmd,mcd->nmc", z, w) + b
    avg = member_logits.mean(1)
    np.testing.assert_allclose(Scorer(w, b).probs(z), np.exp(avg) / np.exp(avg).sum(-1, keepdims=True), rtol=1e-5)


def test_a_tuned_seed_searches_the_carve_averages_its_cycles_and_saves_every_cycle(tmp_path):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    for k, v in {**TINY, "cycles": 3, "preset": "tuned", "carve_search": True, "steps_per_cycle": None}.items():
        setattr(cfg.train, k, v)
    cfg.train.steps_per_cycle = 60  # the user's cycle length wins over the preset's
    store = Store(cfg.store)
    key, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    tuning = result["tuning"]
    [axis] = tuning["searched"]
    assert [c["values"][axis] for c in tuning["candidates"]] == [p[axis] for p in TUNED_GRID]
    best = max(tuning["candidates"], key=lambda c: c["val_zsl_top1"])
    assert tuning["chosen"] == best["values"] and result["config"]["train"][axis] == best["values"][axis]
    # the tuned burn-in leaves the first half of the three cycles (one) out of the average
    assert result["selection"]["rule"] == "cycles 1-2 averaged" and result["selection"]["cycle"] is None
    assert result["selection"]["val_zsl_top1"] == best["val_zsl_top1"]
    assert result["zsl_top1"] == result["cycle_average"]["zsl_top1"]
    assert result["cycle_average"]["from_cycle"] == 1 and result["cycle_average"]["cycles"] == 2
    assert result["config"]["train"]["steps_per_cycle"] == 60 and result["gzsl"] is not None
    model = load_model(store, result["model_key"])
    assert model.vaes is not None and len(model.vaes) == 2
    fs = load_feature_set(store, key)
    probs = model.unseen_scorer.probs(model.latents(torch.as_tensor(fs["test_unseen"].feature)))
    pred = np.asarray(SPLIT.unseen)[probs.argmax(1)]
    assert round(100.0 * float(np.mean(pred == fs["test_unseen"].class_idx)), 2) == result["zsl_top1"]
    # a new class list gets one classifier per member
    scorer = model.fit_scorer(model.text[list(SPLIT.unseen)], seed=0)
    assert scorer.weight.shape[0] == 2 and scorer.bias.shape == (2, len(SPLIT.unseen))
    # the same configuration trains the same seed again
    [again] = train_split(DATASET, SPLIT, cfg, text=text)
    assert again["zsl_top1"] == result["zsl_top1"] and again["tuning"] == tuning


def test_a_standardised_encoder_reads_its_input_as_ridge_does_and_keeps_the_scale_in_its_state():
    from pipeline.zsl.model import Encoder

    torch.manual_seed(0)
    x = torch.rand(50, 8) * torch.arange(1, 9)
    plain, scaled = Encoder(8, 3, 0, None), Encoder(8, 3, 0, None, standardise=True)
    scaled.load_state_dict({**plain.state_dict(), "in_mean": torch.zeros(8), "in_std": torch.ones(8)})
    scaled.fit_scale(x)
    z = (x - x.mean(0)) / (x.std(0) + 1e-6)
    torch.testing.assert_close(scaled(x)[0], plain(z)[0])
    again = Encoder(8, 3, 0, None, standardise=True)
    again.load_state_dict(scaled.state_dict())
    torch.testing.assert_close(again(x)[0], scaled(x)[0])
    temporal = Encoder(8, 3, 0, None, standardise=True)
    temporal.fit_scale(x[:, :, None].expand(50, 8, 4))
    torch.testing.assert_close(temporal.in_mean, scaled.in_mean)


@pytest.mark.parametrize("method", ["fsvae", "sadvae"])
def test_weight_decay_and_standardised_inputs_train_and_save(tmp_path, method):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    extra = {"latent_dim": 6, "irrelevant_dim": 2} if method == "sadvae" else {}
    for k, v in {**TINY, **extra, "method": method, "weight_decay": 0.01, "standardise": True}.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    key, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    assert result["config"]["train"]["weight_decay"] == 0.01 and result["config"]["train"]["standardise"]
    model = load_model(store, result["model_key"])
    fs = load_feature_set(store, key)
    probs = model.unseen_scorer.probs(model.latents(torch.as_tensor(fs["test_unseen"].feature)))
    pred = np.asarray(SPLIT.unseen)[probs.argmax(1)]
    assert round(100.0 * float(np.mean(pred == fs["test_unseen"].class_idx)), 2) == result["zsl_top1"]
    with pytest.raises(PipelineError, match="weight_decay must not be negative"):
        resolve(TrainConfig(method=method, weight_decay=-1.0), KARD_LIKE)


def test_the_tuned_preset_searches_nothing_unless_asked(tmp_path):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    for k, v in {**TINY, "cycles": 2, "preset": "tuned"}.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    _, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    released = resolve(TrainConfig(method="fsvae"), DATASET)
    assert result["tuning"] is None and result["config"]["train"]["carve_search"] is False
    assert result["config"]["train"]["weight_decay"] == released.weight_decay == 0.0
    assert result["selection"]["rule"] == "cycle 1 only (after the burn-in)"
    assert result["selection"]["val_zsl_top1"] is not None


def test_without_a_carve_the_tuned_preset_trains_its_first_candidate_and_a_rerun_is_read_back(tmp_path):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    for k, v in {**TINY, "cycles": 2, "preset": "tuned", "carve_search": True, "burn_in": 0.0}.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    key, text = make_toy(store, validation=False)
    [result] = train_split(DATASET, SPLIT, cfg, features=key, text=text)
    assert result["tuning"] is None and result["selection"]["rule"] == "every cycle averaged"
    assert all(result["config"]["train"][n] == v for n, v in TUNED_GRID[0].items())
    assert result["gzsl"] is None and "no GZSL gate" in result["notes"][0]
    [again] = train_split(DATASET, SPLIT, cfg, features=key, text=text, reuse=True)
    assert again["created"] == result["created"] and again["zsl_top1"] == result["zsl_top1"]


def test_under_a_carve_pick_the_burn_in_leaves_no_cycle_out(tmp_path):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    for k, v in {**TINY, "cycles": 3, "preset": "tuned", "select": "carve", "burn_in": 0.6}.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    _, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    assert result["config"]["train"]["burn_in"] == 0.6 and result["selection"]["rule"] == "validation carve"
    # every cycle is a candidate, the burnt-in first one too, and the carve's first best is the pick
    val = [c["val_zsl_top1"] for c in result["cycles"]]
    assert len(val) == 3 and result["selection"]["cycle"] == int(np.argmax(val))
    assert result["zsl_top1"] == result["cycles"][result["selection"]["cycle"]]["zsl_top1"]
    assert result["cycle_average"]["from_cycle"] == 0 and result["cycle_average"]["cycles"] == 3
    model = load_model(store, result["model_key"])
    assert model.vaes is not None and len(model.vaes) == 1

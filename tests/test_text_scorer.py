"""`train.scorer = text`: a VAE's skeleton latents decoded into the text space and scored by cosine with the
classes' centred texts, through evaluation, the saved model and `zssar predict`'s scorer."""

import numpy as np
import pytest
import torch
from fsvae_toy import DATASET, SPLIT, TINY, make_toy

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.artifacts.saved_models import read_saved_model
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.predict.models import load_model
from pipeline.stages.train import train_split
from pipeline.store import Store
from pipeline.zsl.classifier import TextScorer, ZSLClassifier, fit_scorer
from pipeline.zsl.presets import resolve
from pipeline.zsl.settings import TrainConfig
from pipeline.zsl.train import TrainData, build_model


def _model(method: str, scorer: str):
    rng = np.random.default_rng(0)
    text = torch.as_tensor(rng.normal(size=(6, 12)), dtype=torch.float32)
    features = torch.as_tensor(np.abs(rng.normal(size=(30, 10))), dtype=torch.float32)
    extra = {"irrelevant_dim": 2} if method == "sadvae" else {}
    hp = resolve(TrainConfig(method=method, scorer=scorer, latent_dim=4, **extra), DATASET)
    data = TrainData(features, features, torch.arange(30) % 6, text, tuple(range(6)))
    return build_model(data, hp, 0), hp, text, features


@pytest.mark.parametrize("method", ["fsvae", "sadvae"])
def test_the_text_scorer_is_the_softmax_of_the_decoded_latents_cosine_with_the_centred_class_texts(method):
    model, hp, seen_text, features = _model(method, "text")
    unseen = torch.as_tensor(np.random.default_rng(1).normal(size=(3, 12)), dtype=torch.float32)
    gen = torch.Generator().manual_seed(0)
    scorer = fit_scorer(model, unseen, np.array([7, 8, 9]), hp, gen)
    assert isinstance(scorer, TextScorer)
    assert torch.equal(gen.get_state(), torch.Generator().manual_seed(0).get_state())  # it draws nothing
    with torch.no_grad():
        mu = model.skeleton_encoder(features)[0]
        center = seen_text.mean(0)
        decoded = model.text_decoder(mu) - center
        cos = torch.nn.functional.cosine_similarity(decoded[:, None], (unseen - center)[None], dim=-1)
    np.testing.assert_allclose(scorer.probs(mu), torch.softmax(cos / 0.1, dim=1).numpy(), rtol=1e-4, atol=1e-6)
    _, released, _, _ = _model(method, "classifier")
    assert isinstance(fit_scorer(model, unseen, np.array([7, 8, 9]), released, gen), ZSLClassifier)


def test_scorers_are_checked():
    assert resolve(TrainConfig(method="fsvae"), DATASET).scorer == "classifier"  # as released
    with pytest.raises(PipelineError, match="train.scorer 'nearest'"):
        resolve(TrainConfig(method="fsvae", scorer="nearest"), DATASET)
    with pytest.raises(PipelineError, match="method ridge has no text decoder"):
        resolve(TrainConfig(method="ridge", scorer="text"), DATASET)


def test_a_text_scored_model_saves_no_classifier_and_predict_reproduces_its_evaluation(tmp_path):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=2)
    for k, v in {**TINY, "cycles": 3, "select": "average", "scorer": "text"}.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    key, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    assert result["config"]["train"]["scorer"] == "text" and result["gzsl"] is not None
    _, weights, _ = read_saved_model(store, result["model_key"])
    assert len(weights["members"]) == 3 and all("classifier" not in m for m in weights["members"])
    model = load_model(store, result["model_key"])
    fs = load_feature_set(store, key)
    probs = model.unseen_scorer.probs(model.latents(torch.as_tensor(fs["test_unseen"].feature)))
    pred = np.asarray(SPLIT.unseen)[probs.argmax(1)]
    assert round(100.0 * float(np.mean(pred == fs["test_unseen"].class_idx)), 2) == result["zsl_top1"]
    # a new class list: the same cosine against its texts, one row of weights per member, no training
    scorer = model.fit_scorer(model.text[list(SPLIT.unseen)], seed=0)
    np.testing.assert_allclose(scorer.weight, model.unseen_scorer.weight, rtol=1e-6)
    assert scorer.weight.shape[:2] == (3, len(SPLIT.unseen))


def test_the_tuned_preset_scores_in_the_text_space_through_a_linear_text_decoder_where_the_method_says_so():
    from pipeline.zsl.model import Decoder

    for method in ("cadavae", "msf", "sadvae"):
        hp = resolve(TrainConfig(method=method, preset="tuned"), DATASET)
        assert (hp.scorer, hp.text_decoder_relu) == ("text", False)
    fsvae = resolve(TrainConfig(method="fsvae", preset="tuned"), DATASET)
    assert (fsvae.scorer, fsvae.text_decoder_relu) == ("text", True)  # Method.tuned keeps its ReLU
    assert resolve(TrainConfig(method="sadvae", preset="tuned"), DATASET).lr == 1e-4
    assert resolve(TrainConfig(method="sadvae", preset="tuned", lr=3e-5), DATASET).lr == 3e-5  # the user wins
    released = resolve(TrainConfig(method="msf"), DATASET)
    assert (released.scorer, released.text_decoder_relu) == ("classifier", True)
    z = torch.randn(64, 4)
    assert (Decoder(4, 12, 0)(z) >= 0).all()
    assert (Decoder(4, 12, 0, relu_output=False)(z) < 0).any()  # a signed text vector can be reconstructed


def test_a_model_saved_before_the_scorer_existed_rebuilds_with_the_released_classifier(tmp_path):
    from pipeline.predict.models import SAVED_BEFORE_SETTING, _rebuild

    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=2)
    for k, v in {**TINY, "preset": "tuned", "scorer": "classifier", "text_decoder_relu": True}.items():
        setattr(cfg.train, k, v)
    cfg.train.weight_decay = 0.0
    store = Store(cfg.store)
    _, text = make_toy(store)
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    info, weights, path = read_saved_model(store, result["model_key"])
    older = {**info, "hyper": {k: v for k, v in info["hyper"].items() if k not in SAVED_BEFORE_SETTING}}
    hp, _ = _rebuild(older, weights["members"][0]["vae"], weights["text"].numpy(), path)
    assert (hp.scorer, hp.text_decoder_relu, hp.preset) == ("classifier", True, "tuned")

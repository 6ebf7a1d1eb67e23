"""MSF-GZSSAR (`msf`) and SA-DVAE (`sadvae`) as methods of the shared trainer: their pieces, presets and runs."""

import json

import numpy as np
import pytest
import torch
from fsvae_toy import DATASET, SPLIT, TINY, make_toy

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.catalog import Dataset
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.stages.train import train_split
from pipeline.store import Store
from pipeline.zsl.losses import discriminator_loss, product_of_marginals, total_correlation, wasserstein2
from pipeline.zsl.presets import resolve
from pipeline.zsl.protocol import _branch
from pipeline.zsl.ridge import PENALTIES
from pipeline.zsl.sadvae import SADVAE, Discriminator, SplitEncoder
from pipeline.zsl.settings import TrainConfig
from pipeline.zsl.train import build_model, train_cycles

NTU60 = Dataset("ntu60", tuple(f"c{i}" for i in range(60)))
NTU120 = Dataset("ntu120", tuple(f"c{i}" for i in range(120)))


@pytest.fixture
def one_thread():
    """Tiny matrices: one thread is fastest and steady on a loaded machine (train_split does the same)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _cfg(tmp_path, method, results="results", **train):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / results), seed=3)
    for k, v in {**TINY, "method": method, **train}.items():
        setattr(cfg.train, k, v)
    return cfg


# --- pieces -----------------------------------------------------------------------------------------------


def test_product_of_marginals_keeps_each_marginal_and_breaks_the_pairing():
    gen = torch.Generator().manual_seed(0)
    a = torch.arange(64.0)[:, None] * torch.ones(1, 3)
    b = 1000 + torch.arange(64.0)[:, None] * torch.ones(1, 2)  # row i of b belongs with row i of a
    kept = []
    for _ in range(100):
        sa, sb = product_of_marginals(a, b, gen)
        # each part: the same rows, reordered
        torch.testing.assert_close(sa[sa[:, 0].argsort()], a)
        torch.testing.assert_close(sb[sb[:, 0].argsort()], b)
        kept.append(int((sb[:, 0] - 1000 == sa[:, 0]).sum()))
    # independent permutations keep a pair with probability 1/B: about one pair of 64 per draw
    assert 0.5 < np.mean(kept) < 1.5 and max(kept) < 10


def test_discriminator_detects_dependent_parts_only(one_thread):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)

    def sample(n: int, dependent: bool) -> tuple[torch.Tensor, torch.Tensor]:
        z_r = torch.randn(n, 8, generator=gen)
        return z_r, z_r.clone() if dependent else torch.randn(n, 8, generator=gen)

    def trained_tc(dependent: bool) -> float:
        d = Discriminator(16)
        opt = torch.optim.Adam(d.parameters(), lr=3e-2)
        for _ in range(300):
            z_r, z_v = sample(128, dependent)
            loss = discriminator_loss(d(z_r, z_v), d(*product_of_marginals(z_r, z_v, gen)))
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            return total_correlation(d(*sample(512, dependent))).item()

    assert trained_tc(dependent=True) > 0.8  # joint pairs recognised: a large penalty for the encoders
    assert abs(trained_tc(dependent=False) - 0.5) < 0.05  # independent parts: nothing to tell apart


def test_discriminator_loss_and_tc_from_logits():
    joint, shuffled = torch.tensor([0.0, 2.0]), torch.tensor([0.0, -2.0])
    expected = (np.log(2) + np.log(1 + np.exp(-2))) / 2  # mean BCE of each half; both halves equal here
    assert discriminator_loss(joint, shuffled).item() == pytest.approx(expected, rel=1e-6)
    assert total_correlation(joint).item() == pytest.approx((0.5 + 1 / (1 + np.exp(-2))) / 2, rel=1e-6)


def test_the_skeleton_latent_splits_into_z_r_and_z_v():
    torch.manual_seed(0)
    enc = SplitEncoder(10, semantic=4, irrelevant=3, hidden=0, freq=None)
    x = torch.randn(5, 10)
    mu, logvar = enc.head(x).chunk(2, dim=-1)  # (5, 7) each: z_r's 4 dimensions, then z_v's 3
    mu_r, logvar_r, mu_v, logvar_v = enc.split(x)
    torch.testing.assert_close(mu_r, mu[:, :4])
    torch.testing.assert_close(logvar_r, logvar[:, :4])
    torch.testing.assert_close(mu_v, mu[:, 4:])
    torch.testing.assert_close(logvar_v, logvar[:, 4:])
    plain = enc(x)  # what the ZSL classifier and evaluation see: z_r only
    torch.testing.assert_close(plain[0], mu_r) and torch.testing.assert_close(plain[1], logvar_r)


def test_sadvae_model_decodes_across_through_z_r_and_z_v():
    hp = resolve(TrainConfig(method="sadvae", latent_dim=6, irrelevant_dim=2), NTU60)
    torch.manual_seed(0)
    text = torch.randn(3, 9)
    model = SADVAE(12, text, hp)
    assert model.skeleton_decoder.net[0].in_features == 8 and model.text_encoder.head.out_features == 12
    names = {n for n, _ in model.named_parameters()}
    vae = {id(p) for p in model.vae_parameters()}
    assert {id(p) for p in model.discriminator.parameters()}.isdisjoint(vae)
    assert len(vae) + len(list(model.discriminator.parameters())) == len(names)
    x, rows, eps = torch.randn(4, 12), torch.tensor([0, 2, 1, 2]), torch.randn(3, 4, 1)
    out = model(x, rows, eps)
    assert out["z_r"].shape == (4, 6) and out["z_v"].shape == (4, 2) and out["mu_s"].shape == (4, 8)
    torch.testing.assert_close(out["s_from_t"], model.skeleton_decoder(torch.cat([out["z_t"], out["z_v"]], -1)))
    torch.testing.assert_close(out["t_from_s"], model.text_decoder(out["z_r"]))
    torch.testing.assert_close(out["s_from_s"], model.skeleton_decoder(torch.cat([out["z_r"], out["z_v"]], -1)))


def test_distribution_alignment_on_hand_computed_gaussians():
    # N((0, 0), diag(1, 1)) vs N((3, 0), diag(4, 1)): W2^2 = 3^2 + (1 - 2)^2 = 10
    # N((1, 1), diag(9, 1)) vs N((1, 1), diag(1, 1)): W2^2 = (3 - 1)^2 = 4
    mu1, mu2 = torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 0.0], [1.0, 1.0]])
    logvar1 = torch.log(torch.tensor([[1.0, 1.0], [9.0, 1.0]]))
    logvar2 = torch.log(torch.tensor([[4.0, 1.0], [1.0, 1.0]]))
    assert wasserstein2(mu1, logvar1, mu2, logvar2).item() == pytest.approx((np.sqrt(10) + 2) / 2)
    assert wasserstein2(mu1, logvar1, mu1, logvar1).item() == 0.0


# --- presets ----------------------------------------------------------------------------------------------


def test_msf_presets_follow_the_released_scripts():
    hp = resolve(TrainConfig(method="msf"), NTU60)
    assert (hp.frequency, hp.calibrated, hp.latent_dim, hp.batch_size, hp.lr) == ("off", False, 100, 64, 1e-4)
    assert (hp.steps_per_cycle, hp.calibrated_steps, hp.recon) == (1700, 300, "mse")
    w = hp.weights
    assert w(0, 1400)["cross"] == 0.0 and w(0, 1401)["cross"] == 1.0  # cr_fact = 1 * (j > 1400)
    assert w(1, 1600)["beta_t"] == 0.0 and w(2, 1600)["beta_t"] == pytest.approx(0.1 * 200 / 3000)
    assert w(0, 1500)["beta_s"] == pytest.approx(0.1 * 500 / 3000)
    assert w(9, 1699)["da"] == 0.0 and w(9, 1699)["align"] == 0.0 and w(9, 1699)["tc"] == 0.0
    paper = resolve(TrainConfig(method="msf", preset="paper"), NTU60)
    assert paper.weights(0, 1400)["da"] == 0.0 and paper.weights(0, 1401)["da"] > 0
    big = resolve(TrainConfig(method="msf"), NTU120)
    assert (big.latent_dim, big.steps_per_cycle, big.calibrated_steps) == (200, 1900, 400)


def test_sadvae_presets_follow_the_released_scripts():
    hp = resolve(TrainConfig(method="sadvae"), NTU60)
    assert (hp.latent_dim, hp.irrelevant_dim, hp.batch_size, hp.discriminator_every) == (160, 8, 32, 5)
    assert hp.lr == pytest.approx(3.389022400898623e-05) and hp.frequency == "off" and not hp.calibrated
    w = hp.weights
    assert w(0, 1360)["cross"] == 0.0 and w(0, 1361)["cross"] == 1.0  # cross alignment after 80% of a cycle
    assert w(0, 1000)["beta_s"] == 0.0 and w(0, 1500)["beta_s"] == pytest.approx(0.1 * 500 / 3000)
    # the TC penalty (and the discriminator's loss) is weighted like the text KL: from the third cycle on
    assert w(1, 1600)["tc"] == 0.0 and w(2, 1600)["tc"] == w(2, 1600)["beta_t"] > 0
    big = resolve(TrainConfig(method="sadvae"), NTU120)
    assert (big.latent_dim, big.irrelevant_dim, big.discriminator_every) == (256, 32, 4)
    short = resolve(TrainConfig(method="sadvae", steps_per_cycle=800), NTU60)
    assert short.calibrated_steps == 160 and short.weights(0, 641)["cross"] == 1.0


def test_split_latent_settings_belong_to_sadvae():
    with pytest.raises(PipelineError, match="SA-DVAE's"):
        resolve(TrainConfig(method="msf", irrelevant_dim=4), NTU60)
    with pytest.raises(PipelineError, match="at least 1"):
        resolve(TrainConfig(method="sadvae", discriminator_every=0), NTU60)


# --- runs -------------------------------------------------------------------------------------------------


def test_sadvae_discriminator_trains_only_once_the_penalty_is_on(tmp_path, one_thread):
    key, text = make_toy(Store(tmp_path / "store"))
    fs = load_feature_set(Store(tmp_path / "store"), key)
    hp = resolve(TrainConfig(method="sadvae", cycles=3, steps_per_cycle=40, lr=1e-3), DATASET)
    table = text.fused()
    data = _branch(fs, ("train", "test_seen", "test_unseen"), SPLIT.seen, SPLIT.unseen, table, hp, "cpu", 0).data
    model = build_model(data, hp, 0)
    weights = [p.detach().clone() for p in model.discriminator.parameters()]
    changed = []
    for _ in train_cycles(model, data, hp, 0):
        now = list(model.discriminator.parameters())
        changed.append(any(not torch.equal(a, b) for a, b in zip(weights, now)))
        weights = [p.detach().clone() for p in now]
    assert changed == [False, False, True]


@pytest.mark.parametrize("method", ["msf", "sadvae"])
def test_method_end_to_end_on_toy_features(tmp_path, method):
    cfg = _cfg(tmp_path, method, cycles=3)
    _, text = make_toy(Store(cfg.store))
    [result] = train_split(DATASET, SPLIT, cfg, text=text)
    files = sorted((tmp_path / "results" / "toy" / SPLIT.slug / method).iterdir())
    assert [f.suffix for f in files] == [".json", ".npz"]
    assert json.loads(files[0].read_text())["method"] == method
    assert result["config"]["train"]["method"] == method and result["config"]["train"]["frequency"] == "off"
    assert result["zsl_top1"] > 100 / len(SPLIT.unseen) + 10 and set(result["gzsl"]) == {"seen", "unseen", "h"}
    assert set(result["gate"]["fit_classes"]).isdisjoint(SPLIT.unseen)
    average = result["cycle_average"]
    assert average["cycles"] == 3 and 0 <= average["zsl_top1"] <= 100 and 0 <= average["val_zsl_top1"] <= 100
    latents = np.load(files[0].parent / result["latents"])
    assert (
        latents["skeleton_mu"].shape[1] == latents["text_mu"].shape[1] == result["config"]["train"]["latent_dim"]
    )
    if method == "sadvae":  # its own step (discriminator draws and permutations) is seeded too
        [again] = train_split(DATASET, SPLIT, _cfg(tmp_path, method, results="again", cycles=3), text=text)
        assert {k: v for k, v in again.items() if k not in ("wall_time_s", "created", "config")} == {
            k: v for k, v in result.items() if k not in ("wall_time_s", "created", "config")
        }


def _write_dump(root, fs):
    """A SynSE-format dump of the toy feature set: the split's folder and its validation carve under val/."""

    def save(folder, name, array):
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / f"{name}.npy", array)

    seen, unseen, val = fs["test_seen"], fs["test_unseen"], root / "val"
    save(root, "train", fs["train"].feature)
    save(root, "train_label", fs["train"].class_idx)
    save(root, "ztest", unseen.feature)
    save(root, "z_label", unseen.class_idx)
    save(root, "ztest_out", unseen.logits)
    save(root, "gtest", np.concatenate([seen.feature, unseen.feature]))
    save(root, "g_label", np.concatenate([seen.class_idx, unseen.class_idx]))
    save(root, "gtest_out", np.concatenate([seen.logits, unseen.logits]))
    save(val, "train", fs["val_train"].feature)
    save(val, "train_label", fs["val_train"].class_idx)
    save(val, "ztest", fs["val_test_unseen"].feature)
    save(val, "z_label", fs["val_test_unseen"].class_idx)
    save(val, "ztest_out", fs["val_test_unseen"].logits)
    save(val, "val", fs["val_test_seen"].feature)
    save(val, "val_label", fs["val_test_seen"].class_idx)
    save(val, "val_out", fs["val_test_seen"].logits)


@pytest.mark.parametrize("method", ["msf", "sadvae"])
def test_method_trains_on_a_synse_format_dump(tmp_path, method):
    key, text = make_toy(Store(tmp_path / "source"))
    _write_dump(tmp_path / "dump", load_feature_set(Store(tmp_path / "source"), key))
    cfg = _cfg(tmp_path, method, cycles=1)
    [result] = train_split(DATASET, SPLIT, cfg, features=str(tmp_path / "dump"), text=text)
    assert result["protocol"] == "imported dump" and result["method"] == method
    assert result["zsl_top1"] > 100 / len(SPLIT.unseen) + 10
    assert result["gzsl"] is not None and result["selection"]["rule"] == "validation carve"


# --- direct: the text-trained backbone's own zero-shot classifier -------------------------------------------


def test_direct_scores_the_projection_through_the_protocol(tmp_path):
    cfg = _cfg(tmp_path, "direct", cycles=None)  # its one candidate, as the preset says
    store = Store(cfg.store)
    key, text = make_toy(store, projection=True)
    [result] = train_split(DATASET, SPLIT, cfg, features=key, text=text)
    assert result["method"] == "direct" and result["config"]["train"]["cycles"] == 1
    assert result["zsl_top1"] > 90 and set(result["gzsl"]) == {"seen", "unseen", "h"}
    assert set(result["gate"]["fit_classes"]).isdisjoint(SPLIT.unseen)
    # by hand: nearest centred unseen text to the projection
    fused = text.fused()
    centred = fused[list(SPLIT.unseen)] - fused[list(SPLIT.seen)].mean(0)
    part = load_feature_set(store, key)["test_unseen"]
    pred = np.asarray(SPLIT.unseen)[(part.projection @ centred.T).argmax(1)]
    assert result["zsl_top1"] == pytest.approx(100 * float(np.mean(pred == part.class_idx)), abs=0.01)


def test_direct_needs_a_projection_and_every_text_field(tmp_path):
    cfg = _cfg(tmp_path, "direct", cycles=None)
    key, text = make_toy(Store(cfg.store))
    with pytest.raises(PipelineError, match="skeleton.backbone.objective=text or both"):
        train_split(DATASET, SPLIT, cfg, features=key, text=text)
    cfg.train.fields = ["label"]
    with pytest.raises(PipelineError, match="train.fields"):
        train_split(DATASET, SPLIT, cfg, features=key, text=text)


# --- fusion: ridge maps per backbone stream and text field, late-fused ---------------------------------------


def _fusion_data(seed=0, n=60, streams=2, width=5, fields=3, field_dim=4):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, streams * width, generator=gen)
    y = torch.randn(n, fields * field_dim, generator=gen)
    return x, y, y.mean(0)


def test_fusion_members_are_ridge_maps_on_each_stream_to_each_field():
    """Ridge decouples over target columns: a field's map is its columns of the stream's map into the whole
    text, so every member equals a ridge fit on that stream's features to that field's centred text."""
    from pipeline.zsl.fusion import fit_fusion, member_latents
    from pipeline.zsl.ridge import fit_ridge, project

    x, y, center = _fusion_data()
    fm = fit_fusion(x, y, center, streams=2, fields=3)
    for p in (0, 3):
        latents = member_latents(x, fm, p)
        assert latents.shape == (60, 6, 4)
        for s in range(2):
            for f in range(3):
                mean, std, maps = fit_ridge(x[:, s * 5 : (s + 1) * 5], (y - center)[:, f * 4 : (f + 1) * 4])
                alone = project(x[:, s * 5 : (s + 1) * 5], mean, std, maps[p])
                torch.testing.assert_close(latents[:, s * 3 + f], alone, atol=1e-5, rtol=1e-4)


def test_fusion_of_one_stream_and_one_field_scores_as_ridge_on_centred_text():
    from pipeline.zsl.fusion import fit_fusion, fused_logits, member_latents, member_weights
    from pipeline.zsl.ridge import TEMPERATURE, fit_ridge, project

    x, y, center = _fusion_data(seed=1, streams=1, fields=1)
    classes = torch.randn(7, 4, generator=torch.Generator().manual_seed(2))
    fm = fit_fusion(x, y, center, streams=1, fields=1)
    weights = torch.as_tensor(member_weights(classes.numpy(), center.numpy(), 1, 1))
    mean, std, maps = fit_ridge(x, y - center)
    unit = torch.nn.functional.normalize(classes - center, dim=1)
    for p in range(len(maps)):
        fused = fused_logits(member_latents(x, fm, p), weights)
        alone = project(x, mean, std, maps[p]) @ unit.T / TEMPERATURE
        torch.testing.assert_close(fused, alone, atol=1e-4, rtol=1e-4)


def test_fusion_refuses_features_that_do_not_split_into_its_streams():
    from pipeline.zsl.fusion import fit_fusion

    x, y, center = _fusion_data(streams=1, width=7)
    with pytest.raises(PipelineError, match="width 7 does not split into 2"):
        fit_fusion(x, y, center, streams=2, fields=3)


def test_a_feature_set_whose_width_does_not_fit_its_networks_is_refused(tmp_path):
    cfg = _cfg(tmp_path, "fusion", cycles=None)
    key, text = make_toy(Store(cfg.store), streams=3)  # 256 columns recorded as three networks'
    with pytest.raises(PipelineError, match=rf"feature set {key}.*256 feature columns.*3 backbone networks"):
        train_split(DATASET, SPLIT, cfg, features=key, text=text)


def test_fusion_scores_every_stream_and_field_through_the_protocol(tmp_path, monkeypatch):
    import pipeline.zsl.fusion

    cfg = _cfg(tmp_path, "fusion", cycles=None)  # its candidates: ridge's penalty grid
    store = Store(cfg.store)
    key, text = make_toy(store, streams=2)
    fits = []
    fit = pipeline.zsl.fusion.fit_fusion
    monkeypatch.setattr(pipeline.zsl.fusion, "fit_fusion", lambda *a, **k: fits.append(1) or fit(*a, **k))
    [result] = train_split(DATASET, SPLIT, cfg, features=key, text=text)
    assert len(fits) == 2 and result["model_key"]  # main and carve: the saved tensors reuse the main fit
    assert result["method"] == "fusion" and result["config"]["train"]["cycles"] == 6
    assert result["zsl_top1"] > 100 / len(SPLIT.unseen) + 10 and set(result["gzsl"]) == {"seen", "unseen", "h"}
    assert set(result["gate"]["fit_classes"]).isdisjoint(SPLIT.unseen)
    # by hand at the selected penalty: the mean over 2 streams x 3 fields of each map's cosine
    fs, fused = load_feature_set(store, key), text.fused()
    seen, unseen = list(SPLIT.seen), list(SPLIT.unseen)
    center = fused[seen].mean(0)
    train, test = fs["train"], fs["test_unseen"]
    score = np.zeros((len(test), len(unseen)))
    for s in range(2):
        xs, xt = train.feature[:, s * 128 : (s + 1) * 128], test.feature[:, s * 128 : (s + 1) * 128]
        mean, std = xs.mean(0), xs.std(0, ddof=1) + 1e-6
        a, b = (xs - mean) / std, (xt - mean) / std
        target = fused[train.class_idx] - center
        w = np.linalg.solve(a.T @ a + PENALTIES[result["selection"]["cycle"]] * np.eye(128), a.T @ target)
        for f in range(3):
            z = (b @ w)[:, f * 16 : (f + 1) * 16]
            t = (fused[unseen] - center)[:, f * 16 : (f + 1) * 16]
            unit_t = t / np.linalg.norm(t, axis=1, keepdims=True)
            score += (z / np.linalg.norm(z, axis=1, keepdims=True)) @ unit_t.T
    pred = np.asarray(unseen)[score.argmax(1)]
    assert result["zsl_top1"] == pytest.approx(100 * float(np.mean(pred == test.class_idx)), abs=0.01)


def test_a_feature_set_says_how_many_networks_its_features_come_from():
    from pipeline.artifacts.feature_sets import FeatureSet

    def streams(info):
        return FeatureSet("k", {}, {"info": info}).streams

    backbone = {"inputs": ["joint", "bone", "velocity"], "multistream": True}
    assert streams({"streams": 2, "config": {"skeleton": {"backbone": backbone}}}) == 2  # the record wins
    assert streams({"config": {"skeleton": {"backbone": backbone}}}) == 3  # extracted before the record
    assert streams({"config": {"skeleton": {"backbone": {**backbone, "multistream": False}}}}) == 1
    assert streams({"origin": "dump"}) == 1 and streams({}) == 1

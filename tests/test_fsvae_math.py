import math

import numpy as np
import pytest
import torch

from pipeline.catalog import Dataset
from pipeline.errors import PipelineError
from pipeline.zsl import dct as D
from pipeline.zsl.evaluate import confusion, harmonic_mean
from pipeline.zsl.gate import GateData, fit_gate
from pipeline.zsl.losses import calibrated_alignment, kl_divergence, reconstruction, wasserstein2
from pipeline.zsl.model import FrequencyEnhance, band_edges, low_band_limit
from pipeline.zsl.presets import resolve
from pipeline.zsl.settings import TrainConfig

NTU60 = Dataset("ntu60", tuple(f"c{i}" for i in range(60)))
NTU120 = Dataset("ntu120", tuple(f"c{i}" for i in range(120)))


@pytest.mark.parametrize("n", [1, 2, 5, 16, 31, 256, 1152])
def test_dct_is_orthonormal_and_inverts(n):
    x = torch.randn(7, n, dtype=torch.float64)
    eye = torch.eye(n, dtype=torch.float64)
    c = D.dct_matrix(eye)  # rows: DCT of the unit vectors, i.e. C^T
    torch.testing.assert_close(c @ c.T, eye)
    torch.testing.assert_close(D.idct(D.dct(x)), x)
    # the orthonormal DCT-II of a constant is concentrated in the first coefficient
    torch.testing.assert_close(
        D.dct(torch.ones(1, n, dtype=torch.float64))[0, 0], torch.tensor(math.sqrt(n), dtype=torch.float64)
    )


@pytest.mark.parametrize("n", [2, 5, 16, 31, 256, 400, 1152])
def test_matrix_and_fft_variants_agree(n):
    x = torch.randn(3, 4, n, dtype=torch.float64)
    torch.testing.assert_close(D.dct_fft(x), D.dct_matrix(x))
    torch.testing.assert_close(D.idct_fft(x), D.idct_matrix(x))
    from scipy.fft import dct as scipy_dct

    np.testing.assert_allclose(D.dct_matrix(x).numpy(), scipy_dct(x.numpy(), norm="ortho", axis=-1), atol=1e-10)


def test_float32_fft_is_accurate():
    x = torch.randn(64, 1152)
    ref = D.dct_matrix(x.double())
    assert (D.dct_fft(x).double() - ref).abs().max() < 1e-4


def test_band_gains_on_both_sides_of_phi():
    # 256 coefficients, 30 bands: edges 0, 8, 17, 25, 34, ...; phi = 30 (released) makes bands 0..2 low
    assert band_edges(256, 30)[:5].tolist() == [0, 8, 17, 25, 34]
    assert low_band_limit(256, 30, 30) == 2
    assert low_band_limit(256, 30, 35) == 3  # paper's phi = 35 also takes band 3 (coefficients 25..33)
    assert low_band_limit(256, 30, None) == 15
    f = FrequencyEnhance(256, 30, strength=0.3, phi=30)
    g = f.band_gains().detach()
    # low: g(i) = 1 + k w_i (1 - i/b); high: g(i) = 1 - k w_i (1 - (i - b)/b); k = 0.3, w_i = 1
    assert g[0].item() == pytest.approx(1.3)
    assert g[2].item() == pytest.approx(1 + 0.3 * (1 - 2 / 30))
    assert g[3].item() == pytest.approx(1 - 0.3 * (1 + 27 / 30))
    assert g[29].item() == pytest.approx(1 - 0.3 * (1 + 1 / 30))
    with torch.no_grad():
        f.w[4] = 2.0
    assert f.band_gains()[4].item() == pytest.approx(1 - 0.3 * 2 * (1 + 26 / 30))
    gain = f.gain().detach()
    assert torch.all(gain[:8] == g[0]) and torch.all(gain[25:34] == g[3]) and gain[255].item() == 1.0


def test_frequency_module_paths_agree_and_learn():
    f = FrequencyEnhance(48, 30, strength=0.3, phi=None)
    x = torch.randn(5, 48)
    direct = f(x)
    manual = D.idct(D.dct(x) * f.gain())
    torch.testing.assert_close(direct, manual)
    torch.testing.assert_close(f(bands=f.split(x)), direct, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(f.split(x).sum(-1), x, atol=1e-5, rtol=1e-5)
    f(x).pow(2).sum().backward()
    assert f.w.grad is not None and f.k.grad is not None and f.w.grad.abs().sum() > 0
    t = FrequencyEnhance(8, 30, strength=0.3, phi=None)  # fewer coefficients than bands (temporal mode)
    y = torch.randn(2, 3, 8)
    torch.testing.assert_close(t(bands=t.split(y)), t(y), atol=1e-5, rtol=1e-5)


def test_calibrated_loss_matches_the_formula():
    rng = np.random.default_rng(0)
    f_t, g_ts, f_s, g_st = (rng.normal(size=(4, 3)) for _ in range(4))
    perm = np.array([2, 0, 3, 1])
    lam = 2.0

    def sig(v):
        return 1 / (1 + np.exp(-v))

    expected = 0.0
    for i in range(4):
        j = perm[i]
        expected += lam / 4 * sig((np.sum((f_t[i] - g_ts[i]) ** 2) - np.sum((f_t[i] - g_ts[j]) ** 2)) / lam)
        expected += lam / 4 * sig((np.sum((f_s[i] - g_st[i]) ** 2) - np.sum((f_s[i] - g_st[j]) ** 2)) / lam)
    got = calibrated_alignment(*(torch.tensor(a) for a in (f_t, g_ts, f_s, g_st)), torch.tensor(perm), lam)
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_kl_matches_closed_form():
    mu, logvar = torch.randn(6, 5, dtype=torch.float64), torch.randn(6, 5, dtype=torch.float64)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p).sum(-1).mean()
    torch.testing.assert_close(kl_divergence(mu, logvar), expected)
    assert kl_divergence(torch.zeros(2, 3), torch.zeros(2, 3)).item() == 0.0


def test_wasserstein_on_hand_computed_gaussians():
    mu1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    mu2 = torch.tensor([[3.0, 4.0], [1.0, 1.0]])
    logvar1 = torch.log(torch.tensor([[1.0, 1.0], [1.0, 4.0]]))  # sigmas (1, 1) and (1, 2)
    logvar2 = torch.log(torch.tensor([[1.0, 1.0], [4.0, 4.0]]))  # sigmas (1, 1) and (2, 2)
    # sample 0: same sigma, means 5 apart -> 5; sample 1: same mean, sigmas differ by (1, 0) -> 1
    assert wasserstein2(mu1, logvar1, mu2, logvar2).item() == pytest.approx(3.0)


def test_reconstruction_kinds():
    x, y = torch.zeros(2, 4), torch.ones(2, 4)
    assert reconstruction(x, y, "mse").item() == 1.0
    assert reconstruction(x, y, "l1").item() == 4.0


def test_harmonic_mean_and_confusion():
    assert harmonic_mean(50.0, 100.0) == pytest.approx(200 / 3)
    assert harmonic_mean(0.0, 0.0) == 0.0
    c = confusion(np.array([1, 1, 3]), np.array([1, 3, 3]))
    assert c == {"labels": [1, 3], "matrix": [[1, 1], [0, 1]]}


def _gate_data(classes, n, offset, rng):
    y = np.repeat(classes, n)
    logits = rng.normal(size=(len(y), 6)) + offset * np.eye(6)[rng.integers(0, 6, len(y))] * 5
    probs = rng.dirichlet(np.ones(4) * (0.3 if offset == 0 else 3.0), len(y))
    return GateData(y, logits, probs)


def test_gate_never_fits_on_unseen_classes():
    rng = np.random.default_rng(0)
    seen, unseen = _gate_data([0, 2, 4], 30, 1, rng), _gate_data([6, 8], 30, 0, rng)
    gate = fit_gate(seen, unseen, k=4, forbidden=[1, 3], seed=0)
    assert set(gate.fit_classes).isdisjoint({1, 3}) and gate.held_out_h > 0.7
    assert gate.temperature in range(1, 10) and 0.25 <= gate.threshold < 0.75
    leaky = _gate_data([6, 3], 30, 0, rng)
    with pytest.raises(PipelineError, match=r"unseen classes \[3\]"):
        fit_gate(seen, leaky, k=4, forbidden=[1, 3], seed=0)
    fixed = fit_gate(seen, unseen, k=4, forbidden=[1, 3], seed=0, temperature=2.0, threshold=0.5)
    assert (fixed.temperature, fixed.threshold) == (2.0, 0.5)


def test_the_crossvalidated_gate_scores_every_clip_out_of_fold_and_fits_on_all_of_them():
    from sklearn.linear_model import LogisticRegression

    from pipeline.zsl.gate import gate_features, routing_h

    rng = np.random.default_rng(1)
    seen, unseen = _gate_data([0, 2, 4], 40, 1, rng), _gate_data([6, 8], 12, 0, rng)
    gate = fit_gate(seen, unseen, k=4, forbidden=[1, 3], seed=0, folds=5)
    assert gate.scored_by == "routing_h (cross-validated)" and gate.held_out_h > 0.7
    x = np.concatenate([gate_features(d.seen_logits, d.zsl_probs, gate.temperature, 4) for d in (seen, unseen)])
    y = np.r_[np.zeros(len(seen.class_idx)), np.ones(len(unseen.class_idx))]
    refit = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(x, y)  # on every clip
    np.testing.assert_allclose(gate.model.coef_, refit.coef_, rtol=1e-6)
    # its recorded score is the routing H of out-of-fold probabilities: never above the in-sample fit's best
    in_sample = max(routing_h(refit.predict_proba(x)[:, 1] > th, y) for th in np.arange(0.25, 0.75, 0.01))
    assert gate.held_out_h <= in_sample + 1e-9
    again = fit_gate(seen, unseen, k=4, forbidden=[1, 3], seed=0, folds=5)
    assert (again.temperature, again.threshold, again.held_out_h) == (
        gate.temperature,
        gate.threshold,
        gate.held_out_h,
    )
    fixed = fit_gate(seen, unseen, k=4, forbidden=[1, 3], seed=0, folds=5, temperature=3.0, threshold=0.4)
    assert (fixed.temperature, fixed.threshold) == (3.0, 0.4)
    assert resolve(TrainConfig(gate="crossval"), NTU60).gate == "crossval"
    with pytest.raises(PipelineError, match="train.gate 'bagged'"):
        resolve(TrainConfig(gate="bagged"), NTU60)
    assert resolve(TrainConfig(), NTU60).gate_input == "own"
    assert resolve(TrainConfig(gate_input="ridge"), NTU60).gate_input == "ridge"
    with pytest.raises(PipelineError, match="train.gate_input 'fusion'"):
        resolve(TrainConfig(gate_input="fusion"), NTU60)


def test_released_schedule_matches_the_scripts():
    hp = resolve(TrainConfig(), NTU60)
    assert (hp.steps_per_cycle, hp.calibrated_steps, hp.alpha, hp.latent_dim, hp.phi) == (1700, 300, 0.5, 100, 30)
    w = hp.weights
    assert w(0, 1000)["beta_s"] == 0.0
    assert w(0, 1500)["beta_s"] == pytest.approx(0.1 * 500 / 3000)
    assert w(0, 1400)["align"] == 0.0 and w(0, 1401)["align"] == 0.5
    assert w(1, 1600)["beta_t"] == 0.0  # text KL only from the third cycle (cycle_num > 1)
    assert w(2, 1600)["beta_t"] == pytest.approx(0.1 * 200 / 3000)
    assert w(5, 100)["cross"] == 0.0 and w(5, 100)["da"] == 0.0


def test_presets_and_overrides():
    hp = resolve(TrainConfig(), NTU120)
    assert (hp.steps_per_cycle, hp.calibrated_steps, hp.alpha, hp.latent_dim) == (1900, 400, 0.1, 200)
    paper = resolve(TrainConfig(preset="paper"), NTU60)
    assert (paper.steps_per_cycle, paper.alpha, paper.phi) == (1900, 0.1, 35)
    mine = resolve(TrainConfig(alpha=0.25, steps_per_cycle=170, phi=12), NTU60)
    assert (mine.alpha, mine.steps_per_cycle, mine.calibrated_steps, mine.phi) == (0.25, 170, 30, 12)
    assert mine.weights(0, 141)["align"] == 0.25 and mine.weights(0, 140)["align"] == 0.0
    assert resolve(TrainConfig(frequency="temporal"), NTU60).phi is None
    off = resolve(TrainConfig(calibrated=False), NTU60)
    assert off.weights(0, 1650)["align"] == 0.0
    cada = resolve(TrainConfig(method="cadavae"), NTU60)
    assert cada.frequency == "off" and cada.recon == "l1"
    assert cada.weights(9, 1699)["da"] == pytest.approx(8.13) and cada.weights(0, 0)["cross"] == 0.0
    synse = resolve(TrainConfig(method="cadavae", preset="paper"), NTU60)
    assert synse.weights(0, 1401)["cross"] == 1.0 and synse.weights(0, 1401)["da"] == 0.0
    with pytest.raises(PipelineError, match="train.method"):
        resolve(TrainConfig(method="nope"), NTU60)
    with pytest.raises(PipelineError, match="train.fields"):
        resolve(TrainConfig(fields=["label", "colour"]), NTU60)


def test_zsl_classifier_line_form_trains_the_released_classifier():
    """The line form (two C x C products per epoch) gives the classifier the released form gives when it
    materialises `samples` latents per class: same draws, same Adam steps, weights equal up to rounding."""
    from pipeline.zsl.classifier import _fit_linear, fit_zsl_classifier
    from pipeline.zsl.model import reparameterize

    class TextEncoder(torch.nn.Module):
        def forward(self, t):
            return t[:, :6] * 2.0, t[:, 6:] - 1.0  # mu, logvar of a 6-d latent

    model = torch.nn.Module()
    model.text_encoder = TextEncoder()
    text = torch.randn(4, 12, generator=torch.Generator().manual_seed(0))
    classes = np.array([3, 8, 11, 17])
    line = fit_zsl_classifier(model, text, classes, 50, 40, 1e-2, torch.Generator().manual_seed(5))

    gen = torch.Generator().manual_seed(5)
    mu, logvar = (v.repeat(50, 1) for v in model.text_encoder(text))
    z = reparameterize(mu, logvar, torch.randn(len(mu), 1, generator=gen))
    released = _fit_linear(z, torch.arange(4).repeat(50), 4, 40, 1e-2, gen)
    torch.testing.assert_close(line.linear.weight, released.weight, rtol=0, atol=1e-5)
    torch.testing.assert_close(line.linear.bias, released.bias, rtol=0, atol=1e-5)
    assert list(line.classes) == [3, 8, 11, 17]


def test_encoding_only_the_used_text_rows_changes_nothing():
    """A batch that uses a few rows of the class table: encoding only those (what the CPU trainer does when
    the table has more rows than the batch) gives the same latents and the same gradients."""
    from pipeline.zsl.model import FSVAE

    hp = resolve(TrainConfig(latent_dim=8), NTU60)
    gen = torch.Generator().manual_seed(0)
    text = torch.randn(20, 48, generator=gen)
    rows = torch.tensor([3, 17, 3, 9, 0, 17, 17, 12])
    grads = []
    for used in (None, torch.unique(rows, return_inverse=True)):
        torch.manual_seed(1)
        model = FSVAE(32, text, hp)
        mu, logvar = model.text_latents(rows, used)
        (mu.pow(2).sum() + logvar.exp().sum()).backward()
        grads.append((mu.detach(), [p.grad.clone() for p in model.text_encoder.parameters()]))
    (mu_all, g_all), (mu_used, g_used) = grads
    torch.testing.assert_close(mu_used, mu_all)
    for a, b in zip(g_all, g_used):
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-6)
    assert model.text_encoder.freq is not None and g_used[0].abs().sum() > 0  # k of the frequency module learns

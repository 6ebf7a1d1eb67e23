"""`--preset released` against the released FS-VAE scripts (wenhanwu95/FS-VAE train.py, model.py,
gating_train.py), formula by formula: on a fixed batch, fixed weights and fixed noise, the pipeline's loss,
gradients and classifier logits equal the released lines written out in `parity_reference`."""

import numpy as np
import parity_reference as R
import pytest
import torch
import torch.nn.functional as F

from pipeline.catalog import Dataset
from pipeline.zsl.classifier import fit_zsl_classifier
from pipeline.zsl.gate import GateData, fit_gate
from pipeline.zsl.presets import resolve
from pipeline.zsl.settings import TrainConfig
from pipeline.zsl.train import TrainData, _batch, build_model, cycle_batches, fsvae_step

NTU60 = Dataset("ntu60", tuple(f"c{i}" for i in range(60)))
NTU120 = Dataset("ntu120", tuple(f"c{i}" for i in range(120)))
B = 16


def _data(d_s: int = 64, d_t: int = 96, n: int = 48, classes: int = 6) -> TrainData:
    g = torch.Generator().manual_seed(0)
    features = torch.relu(torch.randn(n, d_s, generator=g))
    text = torch.randn(classes, d_t, generator=g)
    text = text / text.norm(dim=1, keepdim=True)  # train.py: text_feat / torch.norm(text_feat, dim=1)
    rows = torch.arange(n) % classes
    return TrainData(features, features, rows, text, tuple(range(classes)))


def _pipeline_loss(model, data, hp, cycle, step):
    """fsvae_step on the batch of the first B samples; its generator's draws: eps (2, B, 1), then the perm."""
    model.zero_grad()
    gen = torch.Generator().manual_seed(11)
    loss = fsvae_step(model, _batch(data, torch.arange(B)), hp.weights(cycle, step), hp, gen)
    loss.backward()
    g = torch.Generator().manual_seed(11)
    eps = torch.randn(2, B, 1, generator=g)
    return loss, eps, torch.randperm(B, generator=g)


def _released_loss(p, data, eps, perm, lmd, alpha, cycle_num, j, cr_fact_epoch, split_freq, skeleton_negative):
    """train.py train_one_cycle, one iteration: k_fact, cr_fact, k_fact2 (165-167), the forward passes (174-188),
    t_cali with its negative t_perm (193-198), s_cali (223-235: no negative in the released file), the loss
    (237-249). `skeleton_negative` gives the paper's symmetric s_cali instead, for the paper preset."""
    k_fact = max((0.1 * (j - 1000) / 3000), 0)
    cr_fact = 1 * (j > cr_fact_epoch)
    k_fact2 = max((0.1 * (j - cr_fact_epoch) / 3000), 0) * (cycle_num > 1)
    s, t = data.features[:B], data.text[data.rows[:B]]
    freq = (30, split_freq)
    smu, slv = R.encoder(p, "se", s, freq)
    sz = R.reparameterize(smu, slv, eps[0])
    sout = R.decoder(p, "sd", sz)
    tmu, tlv = R.encoder(p, "te", t, freq)
    tz = R.reparameterize(tmu, tlv, eps[1])
    tout = R.decoder(p, "td", tz)
    sfromt, tfroms = R.decoder(p, "sd", tz), R.decoder(p, "td", sz)
    s_recons, t_recons = F.mse_loss(sout, s), F.mse_loss(tout, t)
    s_kld, t_kld = R.kl_divergence_released(smu, slv), R.kl_divergence_released(tmu, tlv)
    t_cali_temp0 = torch.sum(torch.square(t - tfroms[perm]), 1) - torch.sum(torch.square(t - tfroms), 1)
    t_cali = torch.mean(1.0 / (1.0 + torch.exp(t_cali_temp0 / lmd)))
    s_cali_temp0 = -torch.sum(torch.square(s - sfromt), 1)
    if skeleton_negative:
        s_cali_temp0 = s_cali_temp0 + torch.sum(torch.square(s - sfromt[perm]), 1)
    s_cali = torch.mean(1.0 / (1.0 + torch.exp(s_cali_temp0 / lmd)))
    loss = lmd * alpha * cr_fact * (t_cali + s_cali)
    loss = loss + s_recons + t_recons
    return loss - (k_fact * s_kld + k_fact2 * t_kld)


def _assert_parity(model, p, ours, theirs):
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)
    grads = dict(zip(p, torch.autograd.grad(theirs, list(p.values()))))
    mine = R.pipeline_grads(model)
    assert set(mine) == set(grads)
    for name, g in grads.items():
        torch.testing.assert_close(mine[name], g, rtol=1e-4, atol=1e-6, msg=name)
    assert all(float(g.abs().sum()) > 0 for g in grads.values())


def test_released_loss_and_gradients_equal_train_py():
    data = _data()
    hp = resolve(TrainConfig(latent_dim=8), NTU60)
    assert (hp.preset, hp.skeleton_negative, hp.phi, hp.lam, hp.alpha) == ("released", False, 30, 100.0, 0.5)
    model = build_model(data, hp, 3)
    p = R.released_weights(model)
    for cycle, j in ((3, 1500), (1, 1450), (0, 1200)):  # all terms on; text KL off (cycle_num <= 1); no L_align
        ours, eps, perm = _pipeline_loss(model, data, hp, cycle, j)
        theirs = _released_loss(p, data, eps, perm, 100.0, 0.5, cycle, j, 1400, 30, skeleton_negative=False)
        _assert_parity(model, p, ours, theirs)


def test_paper_preset_keeps_the_symmetric_calibrated_loss():
    data = _data()
    hp = resolve(TrainConfig(preset="paper", latent_dim=8), NTU60)
    assert (hp.skeleton_negative, hp.phi, hp.alpha) == (True, 35, 0.1)
    assert (hp.calibrated_steps, hp.steps_per_cycle) == (400, 1900)
    model = build_model(data, hp, 3)
    p = R.released_weights(model)
    ours, eps, perm = _pipeline_loss(model, data, hp, 3, 1600)
    theirs = _released_loss(p, data, eps, perm, 100.0, 0.1, 3, 1600, 1500, 35, skeleton_negative=True)
    _assert_parity(model, p, ours, theirs)
    released_formula = _released_loss(p, data, eps, perm, 100.0, 0.1, 3, 1600, 1500, 35, skeleton_negative=False)
    assert abs(released_formula.item() - ours.item()) > 1e-3  # the skeleton-side negative changes the loss


def test_released_classifier_is_linear_plus_relu_as_train_py():
    """train.py train_classifier (286-314): MLP([latent, ss]) = Linear + ReLU (model.py 92-105, Xavier-uniform
    gain 0.5, zero bias), 300 full-batch Adam steps of cross-entropy on the ReLU'd outputs of 500 text latents
    per class (here 40 latents and 30 steps), prediction argmax of the ReLU'd outputs and the gate's softmax
    over them."""
    data = _data()
    hp = resolve(TrainConfig(latent_dim=8), NTU60)
    assert hp.classifier_relu
    model = build_model(data, hp, 3)
    classes = np.array([2, 5, 7, 11])
    text, samples, epochs, lr = data.text[:4], 40, 30, 1e-2
    cls = fit_zsl_classifier(model, text, classes, samples, epochs, lr, torch.Generator().manual_seed(5))

    g = torch.Generator().manual_seed(5)  # the draws in the pipeline's order: the latents' noise, then the init
    with torch.no_grad():
        mu, logvar = model.text_encoder(text.repeat([samples, 1]))  # n_t.repeat([500, 1]): row i is class i % ss
        t_z = R.reparameterize(mu, logvar, torch.randn(len(mu), 1, generator=g))
    y = torch.tensor(range(4)).repeat([samples])
    weight = torch.empty(4, 8)
    torch.nn.init.xavier_uniform_(weight, gain=0.5, generator=g)
    weight.requires_grad_(True)
    bias = torch.zeros(4, requires_grad=True)
    opt = torch.optim.Adam([weight, bias], lr=lr)
    for _ in range(epochs):
        out = F.relu(t_z @ weight.T + bias)
        c_loss = F.cross_entropy(out, y)
        opt.zero_grad()
        c_loss.backward()
        opt.step()

    test_mu = torch.randn(30, 8, generator=torch.Generator().manual_seed(9)) * 3
    with torch.no_grad():
        pre = test_mu @ weight.T + bias
        t_out = F.relu(pre)
        torch.testing.assert_close(cls.logits(test_mu), t_out, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(cls.probs(test_mu), F.softmax(t_out, 1).numpy(), rtol=1e-4, atol=1e-6)
    assert (pre < 0).any()  # the ReLU clips some logits: the comparison would fail with linear ones
    assert not np.allclose(cls.probs(test_mu), F.softmax(pre, 1).numpy(), atol=1e-3)
    linear = fit_zsl_classifier(
        build_model(data, resolve(TrainConfig(preset="paper", latent_dim=8), NTU60), 3),
        text,
        classes,
        samples,
        epochs,
        lr,
        torch.Generator().manual_seed(5),
    )
    assert not linear.relu and linear.logits(test_mu).min() < 0


def test_fresh_batches_are_distinct_and_new_every_step():
    """train.py 169 `next(iter(train_loader))` with shuffle=True: a new permutation's first 64 every step."""
    gen = torch.Generator().manual_seed(0)
    batches = cycle_batches(100, 400, 64, "fresh", gen)
    assert batches.shape == (400, 64)
    assert all(len(set(row.tolist())) == 64 for row in batches)
    assert len({tuple(sorted(row.tolist())) for row in batches}) == 400
    counts = torch.bincount(batches.flatten(), minlength=100).float()  # each sample in 64% of the batches
    assert counts.mean() == 256 and float((counts - 256).abs().max()) < 60
    first = torch.bincount(batches[:, 0], minlength=100).float()  # the order within a batch is random too
    assert float(first.max()) < 15
    assert cycle_batches(10, 3, 64, "fresh", gen).shape == (3, 10)  # fewer samples than B: the whole set
    torch.testing.assert_close(
        cycle_batches(100, 5, 8, "replacement", torch.Generator().manual_seed(1)),
        torch.randint(100, (5, 8), generator=torch.Generator().manual_seed(1)),
    )


def test_epoch_batches_pass_over_the_data():
    """SA-DVAE train.py: `for i, (inputs, target) in enumerate(train_loader)`, one pass, batches disjoint."""
    batches = cycle_batches(100, 7, 32, "epoch", torch.Generator().manual_seed(0))
    assert batches.shape == (7, 32)
    for first in (0, 3):
        passed = batches[first : first + 3].flatten().tolist()
        assert len(set(passed)) == 96
    assert not torch.equal(batches[0], batches[3])


def test_samplers_by_preset():
    def sampler(method, preset):
        return resolve(TrainConfig(method=method, preset=preset), NTU60).sampler

    assert [sampler(m, "released") for m in ("fsvae", "msf", "cadavae", "sadvae")] == [
        "fresh",
        "fresh",
        "fresh",
        "epoch",
    ]
    assert {sampler(m, "paper") for m in ("fsvae", "msf", "cadavae", "sadvae")} == {"replacement"}
    assert resolve(TrainConfig(sampler="replacement"), NTU60).sampler == "replacement"


def test_released_gate_settings_and_fit():
    """gating_train.py with fsvae_60.sh's --th 50 --t 2: a logistic regression of sorted top-k ZSL
    probabilities and temperature-2 seen probabilities, unweighted, P(unseen) > 0.5, scored by plain held-out
    accuracy. Its LogisticRegression(C=1, multi_class='multinomial') on two classes minimises
    sum_i CE_i + (|w_0|^2 + |w_1|^2) / 2 (with intercepts); that minimiser, solved here directly, gives the
    same probabilities as the gate's binary fit at C = 2."""
    from scipy.optimize import minimize

    hp = resolve(TrainConfig(gate="released"), NTU60)
    assert (hp.gate, hp.gate_temperature, hp.gate_threshold) == ("released", 2.0, 0.5)
    assert resolve(TrainConfig(gate="released"), NTU120).gate_temperature == 2.0
    assert resolve(TrainConfig(gate="released", gate_threshold=0.3), NTU60).gate_threshold == 0.3
    assert resolve(TrainConfig(method="sadvae", gate="released"), NTU60).gate_temperature == 0.0  # searched
    assert resolve(TrainConfig(), NTU60).gate == "balanced"

    rng = np.random.default_rng(0)
    k = 3

    def data(n, peak, classes):
        zsl = rng.dirichlet(np.ones(k) * peak, n)
        return GateData(np.asarray(classes)[rng.integers(0, len(classes), n)], rng.normal(0, 2, (n, 8)), zsl)

    seen, unseen = data(120, 0.5, [1, 2, 3]), data(40, 3.0, [4, 5])
    gate = fit_gate(seen, unseen, k, forbidden=[9], seed=0, temperature=2.0, threshold=0.5, balanced=False)
    assert (gate.temperature, gate.threshold, gate.scored_by) == (2.0, 0.5, "accuracy")

    split_rng = np.random.default_rng(0)
    held = [split_rng.permutation(n) for n in (120, 40)]  # fit_gate's 80 / 20 split
    x = [np.concatenate([_top(d.zsl_probs, k), _top(_softmax(d.seen_logits / 2.0), k)], 1) for d in (seen, unseen)]
    x_fit = np.concatenate([x[0][held[0][24:]], x[1][held[1][8:]]])
    y_fit = np.r_[np.zeros(96), np.ones(32)].astype(int)

    def objective(theta):
        w = theta.reshape(2, -1)
        logits = x_fit @ w[:, :-1].T + w[:, -1]
        ce = -(logits[np.arange(len(y_fit)), y_fit] - np.logaddexp(logits[:, 0], logits[:, 1]))
        return ce.sum() + 0.5 * (w[:, :-1] ** 2).sum()

    w = minimize(objective, np.zeros(2 * (x_fit.shape[1] + 1)), method="L-BFGS-B", options={"gtol": 1e-10}).x
    w = w.reshape(2, -1)
    probe = np.concatenate([x[0][:10], x[1][:10]])
    logits = probe @ w[:, :-1].T + w[:, -1]
    p_unseen = np.exp(logits[:, 1] - np.logaddexp(logits[:, 0], logits[:, 1]))
    np.testing.assert_allclose(gate.model.predict_proba(probe)[:, 1], p_unseen, atol=1e-3)  # lbfgs' tolerance
    from sklearn.linear_model import LogisticRegression

    c1 = LogisticRegression(C=1.0, max_iter=5000).fit(x_fit, y_fit).predict_proba(probe)[:, 1]
    assert np.abs(c1 - p_unseen).max() > 5e-3  # C = 1 (the option's name, read as binary) would not match
    balanced = fit_gate(seen, unseen, k, forbidden=[9], seed=0, temperature=2.0, threshold=0.5)
    assert balanced.scored_by == "routing_h"
    assert not np.allclose(balanced.model.predict_proba(probe)[:, 1], p_unseen, atol=1e-2)


def _top(probs: np.ndarray, k: int) -> np.ndarray:
    """gating_train.py: np.sort(prob, 1)[:, ::-1][:, :f]."""
    return np.sort(probs, 1)[:, ::-1][:, :k]


def _softmax(z: np.ndarray) -> np.ndarray:
    """gating_train.py temp_scale: exp(x) / sum(exp(x)) of the logits over T."""
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize("method", ["fsvae", "msf", "sadvae"])
def test_released_presets_use_the_relu_classifier(method):
    assert resolve(TrainConfig(method=method), NTU60).classifier_relu
    assert not resolve(TrainConfig(method=method, preset="paper"), NTU60).classifier_relu
    assert not resolve(TrainConfig(method="cadavae"), NTU60).classifier_relu  # CADA-VAE's LINEAR_LOGSOFTMAX

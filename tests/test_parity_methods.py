"""`--preset released` of `msf`, `sadvae` and `cadavae` against their released scripts, formula by formula:
on a fixed batch, weights and noise, the pipeline's loss and gradients equal the released lines written out
in `parity_reference` (EHZ9NIWI7/MSF-GZSSAR train.py, pha123661/SA-DVAE train.py and model.py,
edgarschnfld/CADA-VAE-PyTorch model/vaemodel.py)."""

import parity_reference as R
import torch
import torch.nn.functional as F

from pipeline.catalog import Dataset
from pipeline.zsl.presets import resolve
from pipeline.zsl.settings import TrainConfig
from pipeline.zsl.train import TrainData, _batch, build_model, discriminator_step, fsvae_step, sadvae_step

NTU60 = Dataset("ntu60", tuple(f"c{i}" for i in range(60)))
B = 16


def _data(d_s: int = 24, d_t: int = 20, n: int = 48, classes: int = 6) -> TrainData:
    g = torch.Generator().manual_seed(0)
    features = torch.relu(torch.randn(n, d_s, generator=g))
    text = torch.randn(classes, d_t, generator=g)
    text = text / text.norm(dim=1, keepdim=True)
    return TrainData(features, features, torch.arange(n) % classes, text, tuple(range(classes)))


def _grads_match(model, p, theirs, names=None):
    grads = dict(zip(p, torch.autograd.grad(theirs, list(p.values()), allow_unused=True)))
    mine = R.pipeline_grads(model)
    for name in names or mine:
        torch.testing.assert_close(mine[name], grads[name], rtol=1e-4, atol=1e-6, msg=name)
        assert float(grads[name].abs().sum()) > 0, name


def test_msf_released_loss_equals_train_py():
    """MSF train.py train_one_cycle: k_fact, cr_fact, k_fact2 as FS-VAE's; loss = s_recons + t_recons
    - (k_fact s_kld + k_fact2 t_kld) + cr_fact (s_crecons + t_crecons), no calibrated loss, no alignment."""
    data = _data()
    hp = resolve(TrainConfig(method="msf", latent_dim=6), NTU60)
    model = build_model(data, hp, 1)
    p = R.released_weights(model)
    s, t = data.features[:B], data.text[data.rows[:B]]
    for cycle_num, j in ((3, 1500), (1, 1200)):
        model.zero_grad()
        ours = fsvae_step(
            model, _batch(data, torch.arange(B)), hp.weights(cycle_num, j), hp, torch.Generator().manual_seed(4)
        )
        ours.backward()
        eps = torch.randn(2, B, 1, generator=torch.Generator().manual_seed(4))
        k_fact = max((0.1 * (j - 1000) / 3000), 0)
        cr_fact = 1 * (j > 1400)
        k_fact2 = max((0.1 * (j - 1400) / 3000), 0) * (cycle_num > 1)
        smu, slv = R.encoder(p, "se", s, None)
        sz = R.reparameterize(smu, slv, eps[0])
        tmu, tlv = R.encoder(p, "te", t, None)
        tz = R.reparameterize(tmu, tlv, eps[1])
        loss = F.mse_loss(R.decoder(p, "sd", sz), s) + F.mse_loss(R.decoder(p, "td", tz), t)
        loss = loss - (k_fact * R.kl_divergence_released(smu, slv) + k_fact2 * R.kl_divergence_released(tmu, tlv))
        s_crecons, t_crecons = F.mse_loss(R.decoder(p, "sd", tz), s), F.mse_loss(R.decoder(p, "td", sz), t)
        loss = loss + cr_fact * s_crecons + cr_fact * t_crecons
        torch.testing.assert_close(ours, loss, rtol=1e-5, atol=1e-6)
        _grads_match(model, p, loss, ["se.mu_w", "se.lv_w", "te.mu_w", "sd.w", "td.w"] if cr_fact else None)


def _sadvae(step_cfg=None):
    data = _data()
    hp = resolve(TrainConfig(method="sadvae", latent_dim=6, irrelevant_dim=2, **(step_cfg or {})), NTU60)
    model = build_model(data, hp, 2)
    return data, hp, model, R.released_weights(model)


def _sadvae_forward(p, s, t, eps, ils):
    """SA-DVAE train.py train_one_cycle: smu, slv, ismu, islv from one encoder (model.py Encoder: z_v the last
    i_latent_size dimensions); the skeleton decoder reads [z_r, z_v] and [z_t, z_v], the text decoder z_t
    and z_r."""
    mu, lv = R.encoder(p, "se", s, None)
    smu, slv, ismu, islv = mu[:, :-ils], lv[:, :-ils], mu[:, -ils:], lv[:, -ils:]
    sz, isz = R.reparameterize(smu, slv, eps[0]), R.reparameterize(ismu, islv, eps[1])
    tmu, tlv = R.encoder(p, "te", t, None)
    tz = R.reparameterize(tmu, tlv, eps[2])
    return smu, slv, ismu, islv, sz, isz, tmu, tlv, tz


def test_sadvae_released_loss_equals_train_py():
    """SA-DVAE train.py train_one_cycle with len(train_loader) = 1700 (the preset's cycle): kld_loss_factor,
    kld_loss_factor_2 and cross_alignment_loss_factor (the `# hyper params` block), the ELBO and cross-alignment
    terms, loss_tc = mean(discriminator([sz, isz])) scaled by kld_loss_factor_2, and the loss they sum to."""
    data, hp, model, p = _sadvae()
    s, t = data.features[:B], data.text[data.rows[:B]]
    n_loader = 1700
    cr_fact_iter = int(0.8 * n_loader)
    for cycle_num, i in ((3, 1500), (2, 1000)):
        kld = max((0.1 * (i - (n_loader / 1700 * 1000)) / (n_loader / 1700 * 3000)), 0)
        kld_2 = max((0.1 * (i - cr_fact_iter) / (n_loader / 1700 * 3000)), 0) * (cycle_num > 1)
        cross = 1 * (i > cr_fact_iter)
        w = hp.weights(cycle_num, i)
        assert abs(w["beta_s"] - kld) < 1e-12 and abs(w["tc"] - kld_2) < 1e-12 and w["cross"] == cross
        model.zero_grad()
        critic = torch.optim.SGD(model.discriminator.parameters(), lr=0.0)
        ours = sadvae_step(
            model,
            _batch(data, torch.arange(B)),
            w,
            hp,
            torch.Generator().manual_seed(6),
            critic,
            critic_turn=False,
        )
        ours.backward()
        eps = torch.randn(3, B, 1, generator=torch.Generator().manual_seed(6))
        smu, slv, ismu, islv, sz, isz, tmu, tlv, tz = _sadvae_forward(p, s, t, eps, 2)
        loss = F.mse_loss(R.decoder(p, "sd", torch.cat([sz, isz], -1)), s) + F.mse_loss(R.decoder(p, "td", tz), t)
        loss = loss - (
            kld * (R.kl_divergence_released(smu, slv) + R.kl_divergence_released(ismu, islv))
            + kld_2 * R.kl_divergence_released(tmu, tlv)
        )
        loss = loss + cross * (
            F.mse_loss(R.decoder(p, "sd", torch.cat([tz, isz], -1)), s) + F.mse_loss(R.decoder(p, "td", sz), t)
        )
        loss = loss + torch.mean(R.discriminator(p, torch.cat([sz, isz], dim=-1))) * kld_2
        torch.testing.assert_close(ours, loss, rtol=1e-5, atol=1e-6)
        _grads_match(model, p, loss, ["se.mu_w", "se.lv_w", "te.mu_w", "sd.w", "td.w"])


def test_sadvae_discriminator_step_equals_train_py():
    """SA-DVAE train.py, the `if dis_step == 0` block: fresh draws of z_r, z_v (skeleton pair) and z_t, z_v
    (text pair), each against the pair shuffled by model.py permute_dims (two independent randperms), BCE on
    D's sigmoid outputs, loss_dis = (loss_s_dis + loss_t_dis) / 2 scaled by kld_loss_factor_2."""
    data, hp, model, p = _sadvae()
    out = model(data.features[:B], data.rows[:B], torch.randn(3, B, 1, generator=torch.Generator().manual_seed(1)))
    critic = torch.optim.SGD(model.discriminator.parameters(), lr=0.0)  # keeps the weights; the grads stay
    discriminator_step(model, out, 0.04, torch.Generator().manual_seed(8), critic)

    g = torch.Generator().manual_seed(8)  # discriminator_step's draws: 4 noises, then (p, q) per pair
    eps = torch.randn(4, B, 1, generator=g)
    mu_r, lv_r, mu_v, lv_v = (out[k].detach() for k in ("mu_r", "logvar_r", "mu_v", "logvar_v"))
    mu_t, lv_t = out["mu_t"].detach(), out["logvar_t"].detach()
    ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)

    def pair_loss(a, b):
        perm1, perm2 = torch.randperm(B, generator=g), torch.randperm(B, generator=g)
        return (
            F.binary_cross_entropy(R.discriminator(p, torch.cat([a, b], -1)), ones)
            + F.binary_cross_entropy(R.discriminator(p, torch.cat([a[perm1], b[perm2]], -1)), zeros)
        ) / 2

    loss_s_dis = pair_loss(R.reparameterize(mu_r, lv_r, eps[0]), R.reparameterize(mu_v, lv_v, eps[1]))
    loss_t_dis = pair_loss(R.reparameterize(mu_t, lv_t, eps[2]), R.reparameterize(mu_v, lv_v, eps[3]))
    scaled = 0.04 * (loss_s_dis + loss_t_dis) / 2
    names = ["dis.w1", "dis.b1", "dis.w2", "dis.b2"]
    grads = torch.autograd.grad(scaled, [p[n] for n in names])
    net = model.discriminator.net
    for mine, theirs in zip((net[0].weight, net[0].bias, net[2].weight, net[2].bias), grads):
        torch.testing.assert_close(mine.grad, theirs, rtol=1e-4, atol=1e-7)
        assert float(theirs.abs().sum()) > 0


def test_sadvae_released_discriminator_steps_while_its_weight_is_zero():
    """train.py: dis_step counts down every iteration and dis_optimizer.step() runs on the scaled (here zero)
    loss, so Adam's step count advances; the paper preset keeps D idle until the weight is on."""
    for preset, expected in (("released", 1), ("paper", 0)):
        data, _, model, _ = _sadvae()
        hp = resolve(TrainConfig(method="sadvae", preset=preset, latent_dim=6, irrelevant_dim=2), NTU60)
        assert hp.discriminator_always == (preset == "released")
        critic = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3)
        w = hp.weights(0, 100)
        assert w["tc"] == 0.0
        sadvae_step(model, _batch(data, torch.arange(B)), w, hp, torch.Generator().manual_seed(0), critic, True)
        steps = [int(s["step"]) for s in critic.state.values()]
        assert (steps[0] if steps else 0) == expected


def test_cadavae_released_loss_terms_equal_vaemodel():
    """CADA-VAE model/vaemodel.py trainstep: L1 reconstructions summed (L1Loss(size_average=False)), KLD summed
    over both modalities and weighted by beta, the cross-reconstruction and the Wasserstein distance summed over
    the batch, the warm-ups min(max((epoch - start) / (end - start) * factor, 0), factor). Every term is summed
    over the batch where the pipeline averages, so the released loss is B times the pipeline's. Compared at
    epoch 50 of 100 (the run's midpoint, where the per-epoch and per-step warm-ups agree). The released
    encoder samples with sigma = exp(logvar) and has hidden layers: listed in the README, not compared here."""
    data = _data()
    hp = resolve(TrainConfig(method="cadavae", latent_dim=6), NTU60)
    model = build_model(data, hp, 5)
    p = R.released_weights(model)
    img, att = data.features[:B], data.text[data.rows[:B]]
    model.zero_grad()
    w = hp.weights(5, 0)  # cycle 5 of 10, step 0: run fraction 0.5
    ours = fsvae_step(model, _batch(data, torch.arange(B)), w, hp, torch.Generator().manual_seed(3))
    ours.backward()
    eps = torch.randn(2, B, 1, generator=torch.Generator().manual_seed(3))
    epoch = 50

    def warm(factor, start, end):
        return min(max(1.0 * (epoch - start) / (1.0 * (end - start)) * factor, 0), factor)

    beta, cross, distance_factor = warm(0.25, 0, 93), warm(2.37, 21, 75), warm(8.13, 6, 22)
    assert abs(w["beta_s"] - beta) < 1e-9 and abs(w["cross"] - cross) < 1e-9 and w["da"] == distance_factor
    mu_img, logvar_img = R.encoder(p, "se", img, None)
    mu_att, logvar_att = R.encoder(p, "te", att, None)
    z_img, z_att = R.reparameterize(mu_img, logvar_img, eps[0]), R.reparameterize(mu_att, logvar_att, eps[1])
    l1 = torch.nn.L1Loss(reduction="sum")
    reconstruction = l1(R.decoder(p, "sd", z_img), img) + l1(R.decoder(p, "td", z_att), att)
    cross_reconstruction = l1(R.decoder(p, "sd", z_att), img) + l1(R.decoder(p, "td", z_img), att)
    kld = (0.5 * torch.sum(1 + logvar_att - mu_att.pow(2) - logvar_att.exp())) + (
        0.5 * torch.sum(1 + logvar_img - mu_img.pow(2) - logvar_img.exp())
    )
    sigma_gap = torch.sqrt(logvar_img.exp()) - torch.sqrt(logvar_att.exp())
    distance = torch.sqrt(torch.sum((mu_img - mu_att) ** 2, dim=1) + torch.sum(sigma_gap**2, dim=1)).sum()
    loss = reconstruction - beta * kld + cross * cross_reconstruction + distance_factor * distance
    torch.testing.assert_close(ours * B, loss, rtol=1e-5, atol=1e-4)
    _grads_match(model, p, loss / B)

"""Item 7: a whole released-style FS-VAE training run beside `train_cycles`, per-cycle ZSL side by side.

The reference (bench/reference_fsvae.py: the released modules, loss and optimiser) trains with the released
loop's own draws: a fresh permutation of the training set every step (`next(iter(train_loader))` with
shuffle=True), noise per sample, the text side's negative permutation, and after every cycle the released
ZSL classifier (MLP([latent, n_unseen]), Linear + ReLU, 500 latents per class, 300 full-batch Adam steps).
The pipeline trains the same initial weights with `--preset released` through `train_cycles` and
`fit_zsl_classifier`. Both draw from their own generators, so the curves agree in level and shape, not
to the sample; the rows give each cycle's ZSL of both and the mean absolute gap.

Features are synthetic and tied to the class texts (a random linear map of each class's text vector plus
noise), so the unseen classes are predictable from their text: a test of the machinery, not of accuracy.
`--quick`: 3 cycles of 200 steps instead of 6 of 1700.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import row, text_table

SEEN, UNSEEN, PER_CLASS, DIM = 20, 5, 40, 256


def _data(seed: int) -> tuple[Any, Any, Any, Any]:
    import torch

    from pipeline.zsl.train import TrainData

    rng = np.random.default_rng(seed)
    text = text_table(SEEN + UNSEEN, seed=seed)
    centres = np.maximum(text @ rng.normal(size=(text.shape[1], DIM)), 0)
    y = np.repeat(np.arange(SEEN + UNSEEN), PER_CLASS)
    x = np.maximum(centres[y] + 0.3 * rng.normal(size=(len(y), DIM)), 0).astype(np.float32)
    train, test = y < SEEN, y >= SEEN
    f = torch.from_numpy(x[train])
    data = TrainData(
        inputs=f,
        features=f,
        rows=torch.from_numpy(y[train]),
        text=torch.from_numpy(text[:SEEN]),
        classes=tuple(range(SEEN)),
    )
    return data, torch.from_numpy(text[SEEN:]), torch.from_numpy(x[test]), y[test] - SEEN


def _released_zsl(ref: Any, unseen_text: Any, x_test: Any, y_test: np.ndarray, gen: Any) -> float:
    """The released classifier on the reference's text encoder, its accuracy on the unseen test clips."""
    import torch

    with torch.no_grad():
        mu, logvar = (v.repeat(500, 1) for v in ref.text_encoder(unseen_text))
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen)
    labels = torch.arange(UNSEEN).repeat(500)
    mlp = torch.nn.Linear(z.shape[1], UNSEEN)
    opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(torch.relu(mlp(z)), labels).backward()
        opt.step()
    with torch.no_grad():
        pred = torch.relu(mlp(ref.sequence_encoder(x_test)[0])).argmax(1).numpy()
    return 100.0 * float(np.mean(pred == y_test))


def curves(seed: int, cycles: int, steps: int) -> tuple[list[float], list[float]]:
    """Per-cycle unseen ZSL top-1 of the reference and of the pipeline, from the same initial weights."""
    import reference_fsvae
    import torch

    from pipeline.catalog import Dataset
    from pipeline.zsl.classifier import fit_zsl_classifier
    from pipeline.zsl.presets import resolve
    from pipeline.zsl.settings import TrainConfig
    from pipeline.zsl.train import build_model, train_cycles

    data, unseen_text, x_test, y_test = _data(seed)
    train = TrainConfig(method="fsvae", preset="released", cycles=cycles, steps_per_cycle=steps)
    hp = resolve(train, Dataset(name="bench", labels=tuple(str(i) for i in range(SEEN + UNSEEN))))
    model = build_model(data, hp, seed)
    ref = reference_fsvae.from_pipeline(model, hp)

    ours = []
    gen = torch.Generator().manual_seed(seed)
    for _, _loss in train_cycles(model, data, hp, seed):
        cls = fit_zsl_classifier(model, unseen_text, np.arange(UNSEEN), 500, 300, 1e-3, gen)
        with torch.no_grad():
            pred = cls.predict(model.skeleton_encoder(x_test)[0])
        ours.append(100.0 * float(np.mean(pred == y_test)))

    theirs = []
    draws = torch.Generator().manual_seed(seed + 1)
    n, batch = len(data.rows), hp.batch_size
    for cycle in range(cycles):
        for step in range(steps):
            idx = torch.randperm(n, generator=draws)[:batch]
            s, t = data.features[idx], data.text[data.rows[idx]]
            eps = torch.randn(2, batch, 1, generator=draws)
            perm = torch.randperm(batch, generator=draws)
            ref.step(s, t, eps[0], eps[1], perm, hp.weights(cycle, step))
        theirs.append(_released_zsl(ref, unseen_text, x_test, y_test, draws))
    return theirs, ours


def run(quick: bool) -> list[dict[str, Any]]:
    cycles, steps = (3, 200) if quick else (6, 1700)
    rows = []
    for seed in (0, 1):
        theirs, ours = curves(seed, cycles, steps)
        pairs = " / ".join(f"{a:.0f}:{b:.0f}" for a, b in zip(theirs, ours))
        gap = float(np.mean(np.abs(np.subtract(theirs, ours))))
        rows.append(
            row(
                f"released-style vs pipeline ZSL per cycle, seed {seed}",
                round(gap, 1),
                "points (mean |gap|)",
                note=f"cycle reference:pipeline {pairs}; {cycles} x {steps} steps, synthetic"
                + (" (quick)" if quick else ""),
            )
        )
    return rows

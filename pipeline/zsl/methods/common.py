"""What several methods' presets and schedules share."""

from __future__ import annotations

from typing import Any

from pipeline.zsl.schedule import Ramp

# Where a paper states nothing about these, the `paper` presets keep this trainer's own choices: batches drawn
# with replacement, the symmetric calibrated loss, a linear ZSL classifier, a discriminator idle while its weight
# is 0. The `released` presets set each as their script does.
TRAINER_CHOICES = dict(
    sampler="replacement", skeleton_negative=True, classifier_relu=False, discriminator_always=False
)

# The `tuned` preset (presets.py): the released values with these set, measured with FS-VAE on two real
# Kinect datasets of 18 and 20 classes over five random splits (bench/NOTES.md, "The tuned preset"): every
# cycle's models averaged rather than one picked on the carve (+6.1 and +4.9 ZSL points), on cycles a third
# as long (each cycle starts from the last, so ten short cycles still train 6000 steps; 2.8x faster).
# Every VAE method also scores in the text space (classifier.py, the text scorer) through a text decoder
# whose output is linear, since text vectors are signed (model.Decoder): measured with all four methods on
# the same data (bench/NOTES.md, "Scoring in the text space"), +1.0 to +10.8 ZSL points over the released
# classifier, and the only change that put each of them past `ridge` on both datasets. A method may keep
# one of these at its released value (Method.tuned).
# The average leaves out the first half of the cycles (`burn_in`): CADA-VAE's run-long warm-ups and MSF's and
# SA-DVAE's cross-reconstruction, which starts in their second cycle, leave the first cycles' models 5 to 30
# points below the later ones on the validation carve on both datasets, and averaging them in dragged the
# seed down (bench/NOTES.md, "Snapshots after the warm-up").
TUNED_VALUES: dict[str, Any] = dict(
    select="average", burn_in=0.5, steps_per_cycle=600, scorer="text", text_decoder_relu=False
)
# The candidates the validation carve chooses from per seed when `train.carve_search` is on: an L2 penalty on
# the VAE weights helped one dataset (+3.7) and not the other (-1.5) under the released classifier. Under the
# text scorer the carve scores the two alike for FS-VAE and CADA-VAE and 0.01 far lower for MSF and SA-DVAE,
# and its picks of 0.01 lost on 6 of 8 seeds (FS-VAE -4.1 on one dataset), so the search is off by default
# (bench/NOTES.md, "Scoring in the text space").
TUNED_GRID: tuple[dict[str, Any], ...] = (dict(weight_decay=0.0), dict(weight_decay=1e-2))

# MSF-GZSSAR and SA-DVAE: no frequency module, no calibrated loss (their train.py aligns by
# cross-reconstruction); the band settings are FS-VAE's, for `train.frequency=feature` ablations.
CROSS_RECONSTRUCTION_PAIR = dict(frequency="off", calibrated=False, bands=30, strength=0.3, phi=30)


def units(v: dict[str, Any], base_steps: int) -> tuple[float, float]:
    """(where the last calibrated_steps of a cycle begin, one step of the preset's cycle), as fractions."""
    return 1.0 - v["calibrated_steps"] / v["steps_per_cycle"], 1.0 / base_steps


def skeleton_kl(step: float) -> Ramp:
    """train.py / cada_vae_training.py: k_fact = max(0.1 * (j - 1000) / 3000, 0) at step j of a cycle."""
    return Ramp(0.1, 1000 * step, 4000 * step)


def alignment(v: dict[str, Any], window: float) -> Ramp:
    """FS-VAE's calibrated loss, alpha from the switch-on step (off unless `calibrated`)."""
    return Ramp(v["alpha"] if v["calibrated"] else 0.0, window, window)


def cross_reconstruction_schedule(v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    """cada_vae_training.py: k_fact2 = k_fact * (j > cr_fact_epoch); cross-reconstruction weight
    cr_fact = 1 * (j > cr_fact_epoch); distance weight lw_fact = 0."""
    window, step = units(v, base_steps)
    return {
        "beta_s": skeleton_kl(step),
        "beta_t": Ramp(0.1, 1000 * step, 4000 * step, on=window),
        "align": alignment(v, window),
        "cross": Ramp(1.0, window, window),
        "da": Ramp(0.0),
    }

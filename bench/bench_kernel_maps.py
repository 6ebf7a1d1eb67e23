"""The kernel maps of `bodyparts` (pipeline/zsl/kernel_ridge.py) at NTU-60's cross-subject size, on the CPU.

On small datasets every training clip is a landmark and a fit takes well under a second; on NTU-60 the
40,320 training clips are spanned by 2,048 landmarks, and the cost is the kernel rows of every clip against
them and the Nystroem features' Gram matrix. One map is one body part of one backbone network: the last
GCN block's 64 channels at six joints (an arm of the NTU layout), regressed on the `bodyparts` text table
(three whole-body fields and four part fields of 384 each). A split fits twelve of them (three networks x
four parts) for the main branch and twelve on the smaller carve, and scores each test clip against them.
"""

from __future__ import annotations

from typing import Any

from common import PER_CLASS, best_of, load_average, row, timed

PART_WIDTH = 64 * 6
TEXT_WIDTH = 7 * 384
MAPS_PER_BRANCH = 12


def run(quick: bool) -> list[dict[str, Any]]:
    import torch

    from pipeline.zsl.kernel_ridge import LANDMARKS, fit_kernel_ridge, kernel_rows

    train_per_class, test_per_class = PER_CLASS["ntu60"]
    n_train = 55 * train_per_class // (5 if quick else 1)
    n_test = 5 * test_per_class
    gen = torch.Generator().manual_seed(0)
    x = torch.relu(torch.randn(n_train, PART_WIDTH, generator=gen))
    y = torch.randn(n_train, TEXT_WIDTH, generator=gen)
    test = torch.relu(torch.randn(n_test, PART_WIDTH, generator=gen))
    fitted = fit_kernel_ridge(x, y)

    def score() -> None:
        rows = kernel_rows((test - fitted.mean) / fitted.std, fitted.landmarks, fitted.bandwidth)
        for m in fitted.maps:
            torch.nn.functional.normalize(rows @ m, dim=1)

    fit = best_of(timed(lambda: fit_kernel_ridge(x, y), repeat=1, warmup=0))
    scored = best_of(timed(score, repeat=2, warmup=1))
    where = f"CPU, {torch.get_num_threads()} torch threads, load average {load_average():.1f}"
    shapes = f"{n_train} training clips, {LANDMARKS} landmarks, {PART_WIDTH} channels, {TEXT_WIDTH}-d text"
    return [
        row("kernel maps: fit one body part's maps (6 penalties)", round(fit, 2), "s", "", f"{where}; {shapes}"),
        row(
            "kernel maps: score the unseen test part (6 penalties)",
            round(scored, 2),
            "s",
            "",
            f"{n_test} clips (NTU-60 55/5 unseen test part); {where}",
        ),
        row(
            "kernel maps: one branch's maps (12 per split and branch)",
            round(MAPS_PER_BRANCH * (fit + scored), 1),
            "s",
            "",
            "the two rows above x 12, the main branch; the carve's is smaller",
        ),
    ]

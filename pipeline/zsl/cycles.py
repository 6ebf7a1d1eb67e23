"""Training a method's models cycle by cycle and evaluating each cycle: the main branch and the validation
branch (on the CPU, the latter in a second process), each from its own seeded streams."""

from __future__ import annotations

import copy
import hashlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.zsl.presets import Hyper

if TYPE_CHECKING:
    from pipeline.zsl.protocol import Branch

EVAL_CHUNK = 8192


@dataclass
class CycleEval:
    zsl_top1: float
    zsl_pred: np.ndarray  # on the unseen test part
    probs_seen: np.ndarray  # ZSL probabilities on the seen test part
    probs_unseen: np.ndarray
    skeleton_mu: np.ndarray  # latents of a subsample of the unseen test part
    text_mu: np.ndarray  # text-encoder means of the unseen classes
    loss: float


def averaged(cycles: int, burn_in: float) -> slice:
    """The cycles a seed averages: all but the first `burn_in` share of them, and never none."""
    return slice(min(int(burn_in * cycles), cycles - 1), None)


def ensemble(evals: list[CycleEval], truth: np.ndarray, classes: np.ndarray) -> CycleEval:
    """Every cycle's model at once: the ZSL log-probabilities averaged (the softmax of the mean logits for
    linear classifiers), so no cycle is picked on a carve of a few dozen clips. Latents for the plots are
    the last cycle's: one model's space."""
    from pipeline.zsl.evaluate import accuracy
    from pipeline.zsl.gate import softmax

    def mean_log(probs: list[np.ndarray]) -> np.ndarray:
        return softmax(np.mean([np.log(np.maximum(p, 1e-30)) for p in probs], axis=0), 1.0).astype(np.float32)

    probs_u = mean_log([e.probs_unseen for e in evals])
    pred = classes[probs_u.argmax(1)]
    last = evals[-1]
    return CycleEval(
        accuracy(pred, truth),
        pred,
        mean_log([e.probs_seen for e in evals]),
        probs_u,
        last.skeleton_mu,
        last.text_mu,
        float(np.mean([e.loss for e in evals])),
    )


@dataclass
class SelectedModel:
    """The main model as it was after the selected cycle, kept so `zssar predict` can use it."""

    state: dict[str, Any]  # a copy of its state_dict
    classifier_rng: Any  # the main classifier generator's state before that cycle's evaluation:
    # replaying it refits exactly the ZSL classifier the result was scored with


def train_branches(
    main: Branch,
    val: Branch | None,
    build_val: Callable[[], Branch] | None,
    hp: Hyper,
    seed: int,
    sample: np.ndarray,
    processes: int,
) -> tuple[tuple[list[CycleEval], list[SelectedModel]], list[CycleEval] | None]:
    """The main model's evaluations and per-cycle states, and the validation model's evaluations. Each
    branch draws from its own streams, so training them one after the other or (on the CPU, `processes`
    >= 2) the validation model in a second process gives the same results; the second process halves the
    wall time of a seed on two free cores. The worker builds its branch from the feature parts (`build_val`,
    NumPy arrays sent through the pipe): tensors would travel through shared memory, which containers
    often keep small."""
    import torch

    if val is None or build_val is None:  # no validation carve (both are None together)
        return train_branch("main", main, hp, seed, sample, keep=True), None
    if processes < 2 or main.data.features.device.type != "cpu":
        return train_branch("main", main, hp, seed, sample, keep=True), train_branch("val", val, hp, seed)[0]
    import concurrent.futures
    import multiprocessing

    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_train_branch_in_worker, build_val, hp, seed, torch.get_num_threads(), os.getpid())
        main_out = train_branch("main", main, hp, seed, sample, keep=True)
        return main_out, future.result()


def train_validation_candidates(
    val: Branch, build_val: Callable[[], Branch], candidates: list[Hyper], seed: int, processes: int
) -> list[list[CycleEval]]:
    """The validation model's evaluations under each candidate's values; on the CPU with `processes` >= 2,
    that many candidates at a time, each in a worker process of its own that builds `val` again with
    `build_val` (same results as in this one)."""
    import torch

    if processes < 2 or val.data.features.device.type != "cpu" or len(candidates) < 2:
        return [train_branch("val", val, hp, seed)[0] for hp in candidates]
    import concurrent.futures
    import multiprocessing

    workers = min(processes, len(candidates))
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(_train_branch_in_worker, build_val, hp, seed, torch.get_num_threads(), os.getpid())
            for hp in candidates
        ]
        return [f.result() for f in futures]


def _train_branch_in_worker(
    build: Callable[[], Branch], hp: Hyper, seed: int, threads: int, parent: int
) -> list[CycleEval]:
    """The validation branch in a worker process, with the parent's thread count. A killed parent takes
    the worker with it (a watcher thread exits when the worker is re-parented), so no orphan keeps
    training."""
    import threading

    import torch

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends this worker
    torch.set_num_threads(threads)
    return train_branch("val", build(), hp, seed)[0]


def train_branch(
    name: str, b: Branch, hp: Hyper, seed: int, sample: np.ndarray | None = None, keep: bool = False
) -> tuple[list[CycleEval], list[SelectedModel]]:
    """Train one branch's model cycle by cycle and evaluate it after each; with `keep`, a copy of its state
    after every cycle (for the model kept for `zssar predict`), with the classifier generator's state
    before that cycle's evaluation."""
    from pipeline.zsl.train import build_model, train_cycles

    model = build_model(b.data, hp, derive(seed, name, "init"))
    gen = generator(b.data.features.device, derive(seed, name, "classifier"))
    evals: list[CycleEval] = []
    states: list[SelectedModel] = []
    for _, loss in train_cycles(model, b.data, hp, derive(seed, name, "train")):
        if keep:
            states.append(SelectedModel(copy.deepcopy(model.state_dict()), gen.get_state()))
        evals.append(_evaluate_cycle(model, b, hp, gen, loss, sample))
    return evals, states


def _evaluate_cycle(
    model: Any, b: Branch, hp: Hyper, gen: Any, loss: float, sample: np.ndarray | None
) -> CycleEval:
    """A fresh ZSL classifier (or the text scorer) for this cycle's model, and its outputs on the branch's test
    parts."""
    import torch

    from pipeline.zsl.classifier import fit_scorer
    from pipeline.zsl.evaluate import accuracy

    cls = fit_scorer(model, b.unseen_text, b.unseen_classes, hp, gen)
    mu_u = _encode(model, b.test_unseen["inputs"])
    mu_s = _encode(model, b.test_seen["inputs"])
    probs_u = cls.probs(mu_u)
    pred = b.unseen_classes[probs_u.argmax(1)]
    with torch.no_grad():
        text_mu = model.text_encoder(b.unseen_text)[0].cpu().numpy()
    mu_sample = (
        mu_u[torch.as_tensor(sample, device=mu_u.device)].cpu().numpy()
        if sample is not None
        else np.zeros((0, mu_u.shape[1]), np.float32)
    )
    return CycleEval(
        accuracy(pred, b.test_unseen["class_idx"]), pred, cls.probs(mu_s), probs_u, mu_sample, text_mu, loss
    )


def _encode(model: Any, inputs: Any) -> Any:
    """Skeleton encoder means, in chunks so large test sets stay within memory. An empty part (no seen test
    clips with skeleton.seen_train = all) gets the width the ZSL classifier reads: the text latent's, which
    SA-DVAE's skeleton encoder matches with z_r only."""
    import torch

    with torch.no_grad():
        return (
            torch.cat(
                [model.skeleton_encoder(inputs[i : i + EVAL_CHUNK])[0] for i in range(0, len(inputs), EVAL_CHUNK)]
            )
            if len(inputs)
            else torch.zeros(0, model.text_encoder.head.out_features // 2, device=inputs.device)
        )


def derive(seed: int, *names: str) -> int:
    """A seed for one named random stream of a run, so streams never share state."""
    return int.from_bytes(hashlib.sha256(":".join([str(seed), *names]).encode()).digest()[:4], "little")


def generator(device: Any, seed: int) -> Any:
    import torch

    return torch.Generator(device=device).manual_seed(seed)

"""Asking the LLM for every class's Global and Local Description, `concurrency` classes at a time."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

from pipeline import console
from pipeline.catalog import Dataset
from pipeline.describe.client import LLMClient, Stopped
from pipeline.describe.prompts import KINDS, Prompts


def describe_label(llm: LLMClient, prompts: Prompts, label: str, what: str) -> dict[str, str]:
    """The two descriptions of one label (`what` names it in errors), through the client's disk cache."""
    return {kind: llm.describe(prompts.render(kind, label), f"{what} ({kind} description)") for kind in KINDS}


def describe_classes(dataset: Dataset, prompts: Prompts, llm: LLMClient, stop: threading.Event) -> list[dict]:
    """One job per class (its two requests), `concurrency` at a time; the first error stops the rest."""

    def one(idx: int, label: str) -> dict[str, Any]:
        try:
            texts = describe_label(llm, prompts, label, f"class {idx} {label!r}")
        except BaseException:
            stop.set()  # here, not in the caller, so the next queued class never sends a request
            raise
        return {
            "idx": idx,
            "label": label,
            "global": texts["global"],
            "local": texts["local"],
            "source": "llm",
            "model": llm.settings.model,
            "prompt_sha256": prompts.sha256,
        }

    pool = ThreadPoolExecutor(max_workers=llm.settings.concurrency, thread_name_prefix="describe")
    try:
        futures = [pool.submit(one, i, label) for i, label in enumerate(dataset.labels)]
        for future in console.track(as_completed(futures), f"describing {dataset.name}", total=len(futures)):
            future.result()
    except BaseException as exc:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, Stopped):
            cause = next((e for e in _errors(futures) if not isinstance(e, Stopped)), None)
            if cause is not None:
                raise cause from None
        raise
    pool.shutdown(wait=True)
    return [f.result() for f in futures]


def _errors(futures: list[Future]) -> list[BaseException]:
    return [e for f in futures if f.done() and not f.cancelled() and (e := f.exception()) is not None]

"""One class description from an OpenAI-compatible endpoint: cached on disk, retried with backoff.

The cache key leaves out the endpoint, so a cache filled against one server (or shared by a team) serves
every run that asks the same model the same prompt with the same parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from pipeline.config import DescribeConfig
from pipeline.errors import PipelineError

CACHE_SCHEMA = "zssar-describe/1"
RETRY_STATUS = {408, 409, 429}
MAX_RETRY_AFTER_S = 60.0
# A server that timed out twice is hung, not busy: retrying it up to max_retries times would multiply
# the wait (six attempts of 60 s by default) for nothing.
MAX_TIMEOUTS = 2
POLL_S = 0.1  # how often a waiting request checks whether another one failed
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)


def llm_configured(settings: DescribeConfig) -> bool:
    """An endpoint or a key given anywhere means the user wants the LLM, not the shipped file."""
    return bool(
        settings.base_url
        or settings.api_key
        or os.environ.get("OPENAI_BASE_URL")
        or os.environ.get("OPENAI_API_KEY")
    )


def parse_reply(content: str | None) -> str:
    """The description from a reply that must be `{"description": "..."}`, maybe inside a ``` fence."""
    if content is None:
        raise ValueError("the reply has no text")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict) or "description" not in obj:
        raise ValueError('expected a JSON object with key "description"')
    description = obj["description"]
    if not isinstance(description, str) or not description.strip():
        raise ValueError('"description" must be a non-empty string')
    return description.strip()


class Stopped(PipelineError):
    """A request given up because another one already failed; that other error is the one to report."""


class _Failure:
    """Why the last attempt failed, kept to explain the error once retries run out."""

    def __init__(
        self, reason: str, reply: str | None = None, retry_after: float | None = None, timed_out: bool = False
    ):
        self.reason, self.reply, self.retry_after, self.timed_out = reason, reply, retry_after, timed_out


class _Deadline(Exception):
    """A request still unanswered when describe.timeout_s ran out."""


class LLMClient:
    """The real `openai` client with its own retries off, so backoff, auth errors and caching are ours."""

    def __init__(self, settings: DescribeConfig, stop: threading.Event | None = None):
        import diskcache
        import openai

        if settings.max_retries < 0 or settings.concurrency < 1 or settings.timeout_s <= 0:
            raise PipelineError(
                f"config describe: need max_retries >= 0, concurrency >= 1 and timeout_s > 0 "
                f"(got {settings.max_retries}, {settings.concurrency}, {settings.timeout_s})"
            )
        self.settings = settings
        base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or None
        # A local server (vLLM, llama.cpp, Ollama) needs no key, but the client insists on one.
        api_key = settings.api_key or os.environ.get("OPENAI_API_KEY") or ("unused" if base_url else None)
        try:
            self._client = openai.OpenAI(
                base_url=base_url, api_key=api_key, max_retries=0, timeout=settings.timeout_s
            )
        except openai.OpenAIError as exc:
            raise PipelineError(f"describe: cannot set up the OpenAI client: {exc}") from None
        self.endpoint = str(self._client.base_url)
        cache_dir = Path(settings.cache_dir).expanduser()
        try:
            self._cache = diskcache.Cache(str(cache_dir))
        except OSError as exc:
            raise PipelineError(f"{cache_dir}: cannot open the LLM cache: {exc}") from None
        self._stop = stop or threading.Event()
        self._lock = threading.Lock()
        self.requests = 0
        self.cache_hits = 0

    def close(self) -> None:
        self._cache.close()
        self._client.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, prompt: str) -> dict[str, Any]:
        s = self.settings
        return {
            "model": s.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": s.temperature,
            "seed": s.seed,
        }

    def cache_key(self, request: dict[str, Any]) -> str:
        blob = json.dumps({"schema": CACHE_SCHEMA, **request}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def describe(self, prompt: str, what: str) -> str:
        """The description the model gives for `prompt`; `what` names the class and kind in errors."""
        request = self.request(prompt)
        key = self.cache_key(request)
        hit = self._cache.get(key)
        if hit is not None:
            try:
                text = parse_reply(hit["content"])
            except (ValueError, KeyError, TypeError):
                pass
            else:
                with self._lock:
                    self.cache_hits += 1
                return text
        attempts = self.settings.max_retries + 1
        failure = _Failure("no attempt made")
        timeouts = 0
        for attempt in range(attempts):
            if attempt:
                self._wait(attempt, failure.retry_after)
            if self._stop.is_set():
                raise Stopped(f"{what}: stopped because another request failed")
            content, failure = self._attempt(request, what)
            if failure is None:
                self._cache.set(key, {"request": request, "content": content})
                return parse_reply(content)
            timeouts += failure.timed_out
            if timeouts >= MAX_TIMEOUTS:
                attempts = attempt + 1
                break
        if failure.reply is not None:
            start = failure.reply[:200]
            raise PipelineError(
                f"{self.endpoint}: model {self.settings.model!r} gave no valid "
                f'{{"description": "..."}} reply for {what} in {attempts} attempts '
                f"({failure.reason}); the reply starts: {start!r}"
            )
        raise PipelineError(f"{self.endpoint}: no answer for {what} in {attempts} attempts: {failure.reason}")

    def _attempt(self, request: dict[str, Any], what: str) -> tuple[str | None, _Failure | None]:
        """One HTTP request; a failure worth retrying comes back, one that is not raises at once."""
        import openai

        with self._lock:
            self.requests += 1
        try:
            response = self._bounded(request, what)
        except _Deadline:
            return None, _Failure(f"no complete answer within {self.settings.timeout_s} s", timed_out=True)
        except ValueError as exc:  # HTTP 200 with a body that is not JSON: the client's json.loads fails
            return None, _Failure(f"the response body is not valid JSON ({exc})")
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise PipelineError(
                f"{self.endpoint}: the API key was rejected (HTTP {exc.status_code}); check "
                f"OPENAI_API_KEY or describe.api_key for this endpoint"
            ) from None
        except openai.APIStatusError as exc:
            if exc.status_code in RETRY_STATUS or exc.status_code >= 500:
                return None, _Failure(f"HTTP {exc.status_code}", retry_after=_retry_after(exc))
            raise PipelineError(
                f"{self.endpoint}: request for {what} failed with HTTP {exc.status_code}: {exc.message}"
            ) from None
        except openai.APITimeoutError:
            return None, _Failure(f"timed out after {self.settings.timeout_s} s", timed_out=True)
        except openai.APIConnectionError as exc:
            return None, _Failure(f"cannot connect ({exc.__cause__ or exc})")
        except openai.APIResponseValidationError as exc:
            return None, _Failure(f"unreadable response ({exc.message})", reply=str(exc.body))
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices:
            return None, _Failure("the response has no choices", reply=str(response))
        content = choices[0].message.content
        try:
            parse_reply(content)
        except ValueError as exc:
            return None, _Failure(str(exc), reply=content or "")
        return content, None

    def _bounded(self, request: dict[str, Any], what: str) -> Any:
        """The client's answer within `timeout_s` for the whole request. The HTTP client's timeout bounds
        each read only, so a server sending a byte at a time would hold it forever: the call runs on a
        daemon thread that is abandoned (and dies with the process) once the time is up."""
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["response"] = self._client.chat.completions.create(**request)
            except BaseException as exc:  # handed to the caller's thread, which sorts it out
                box["error"] = exc

        worker = threading.Thread(target=call, daemon=True, name="describe-request")
        deadline = time.monotonic() + self.settings.timeout_s
        worker.start()
        while worker.is_alive() and (left := deadline - time.monotonic()) > 0:
            if self._stop.is_set():
                raise Stopped(f"{what}: stopped because another request failed")
            worker.join(min(left, POLL_S))
        if worker.is_alive():
            raise _Deadline()
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        """Exponential backoff (or the server's Retry-After); wakes early when another request failed."""
        delay = self.settings.backoff_s * 2 ** (attempt - 1)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        self._stop.wait(delay)


def _retry_after(exc: Any) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

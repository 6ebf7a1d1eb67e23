"""`zssar describe` against a real chat-completions HTTP server on 127.0.0.1, through the real openai client."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.describe.client import parse_reply
from pipeline.describe.io import parse_records
from pipeline.describe.prompts import load_prompts
from pipeline.errors import PipelineError
from pipeline.stages.describe import config_path, describe_dataset

LABELS = ("wave hand", "kick forward", "sit down")
Reply = tuple[int, dict | str]


def completion(content: str, model: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def echo(body: dict, n: int) -> Reply:
    """A well-behaved model: describes the prompt by echoing it inside the JSON the prompt asks for."""
    prompt = body["messages"][-1]["content"]
    return 200, completion(json.dumps({"description": f"echo: {prompt.strip()}"}), body["model"])


class ChatServer:
    """Speaks POST /v1/chat/completions; `reply(body, n)` decides each answer (n counts requests from 0)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply: Callable[[dict, int], Reply] = echo
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(
                        {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                    )
                status, payload = server.reply(body, n)
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    srv = ChatServer()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", srv.url)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A user's dataset folder of three classes."""
    path = tmp_path / "mini"
    path.mkdir()
    (path / "classes.csv").write_text("idx,label\n" + "".join(f"{i},{label}\n" for i, label in enumerate(LABELS)))
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "global.md").write_text("GLOBAL {label}\n")
    (prompts / "local.md").write_text("LOCAL {label}\n")
    cfg = Config(descriptions_dir=str(tmp_path / "descriptions"))
    cfg.describe.cache_dir = str(tmp_path / "cache")
    cfg.describe.prompts_dir = str(prompts)
    cfg.describe.backoff_s = 0.001
    cfg.describe.max_retries = 2
    cfg.describe.timeout_s = 10.0
    cfg.describe.concurrency = 2
    return cfg


def test_writes_every_class_of_a_folder_dataset(server, folder, cfg, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    cfg.describe.model = "tiny-model"
    out = describe_dataset(get_dataset(str(folder)), cfg)

    assert out == folder / "descriptions.jsonl"
    records = parse_records(out)
    assert [r["idx"] for r in records] == [0, 1, 2]
    assert [r["label"] for r in records] == list(LABELS)
    assert records[0]["global"] == "echo: GLOBAL wave hand"
    assert records[2]["local"] == "echo: LOCAL sit down"
    assert {r["source"] for r in records} == {"llm"} and {r["model"] for r in records} == {"tiny-model"}
    assert len({r["prompt_sha256"] for r in records}) == 1
    assert len(server.requests) == 6
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test-secret"
    assert first["body"]["model"] == "tiny-model" and first["body"]["temperature"] == 0
    assert first["body"]["seed"] == 0

    saved = config_path(out).read_text()
    assert "sk-test-secret" not in saved
    assert json.loads(saved)["describe"]["base_url"].startswith(server.url)
    assert "3 classes, 6 requests, 0 cache hits" in capsys.readouterr().out


def test_second_run_is_served_from_the_cache(server, folder, cfg, tmp_path, capsys):
    out = tmp_path / "first.jsonl"
    describe_dataset(get_dataset(str(folder)), cfg, out=out)
    assert len(server.requests) == 6

    again = describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "second.jsonl")
    assert len(server.requests) == 6
    assert again.read_text() == out.read_text()
    assert "0 requests, 6 cache hits" in capsys.readouterr().out


def test_rate_limit_is_retried(server, folder, cfg, tmp_path):
    def limited(body: dict, n: int) -> Reply:
        if n == 0:
            return 429, {"error": {"message": "slow down", "type": "rate_limit", "code": None}}
        return echo(body, n)

    server.reply = limited
    out = describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "d.jsonl")
    assert len(parse_records(out)) == 3
    assert len(server.requests) == 7


def test_timeout_is_retried(server, folder, cfg, tmp_path):
    def slow_once(body: dict, n: int) -> Reply:
        if n == 0:
            time.sleep(1.0)
        return echo(body, n)

    server.reply = slow_once
    cfg.describe.timeout_s = 0.3
    out = describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "d.jsonl")
    assert len(parse_records(out)) == 3
    assert len(server.requests) == 7


def test_fenced_json_is_accepted():
    assert parse_reply('```json\n{"description": "lifts the arm"}\n```') == "lifts the arm"
    with pytest.raises(ValueError):
        parse_reply('{"description": "  "}')


def test_malformed_replies_fail_after_retries_and_write_nothing(server, folder, cfg, tmp_path):
    server.reply = lambda body, n: (200, completion("Sure! The person waves.", body["model"]))
    cfg.describe.concurrency = 1
    out = tmp_path / "d.jsonl"
    with pytest.raises(PipelineError) as err:
        describe_dataset(get_dataset(str(folder)), cfg, out=out)
    message = str(err.value)
    assert "'wave hand'" in message and "3 attempts" in message and "Sure! The person waves." in message
    assert len(server.requests) == 3
    assert not out.exists() and not config_path(out).exists()
    assert list(tmp_path.glob(".d.jsonl*")) == []


def test_rejected_key_stops_at_once(server, folder, cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    server.reply = lambda body, n: (
        401,
        {"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}},
    )
    cfg.describe.concurrency = 1
    with pytest.raises(PipelineError, match="key was rejected") as err:
        describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "d.jsonl")
    assert server.url in str(err.value)
    assert len(server.requests) == 1
    assert not (tmp_path / "d.jsonl").exists()


def test_without_an_llm_the_shipped_file_is_used(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = Config()
    cfg.describe.cache_dir = str(tmp_path / "cache")
    path = describe_dataset(get_dataset("ntu60"), cfg)
    assert path.name == "ntu120.jsonl" and path.is_file()
    said = capsys.readouterr().out
    assert "shipped authored" in said and str(path) in said and "60 classes" in said
    assert not (tmp_path / "cache").exists()


def test_without_an_llm_a_folder_needs_descriptions(monkeypatch, folder, cfg):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(PipelineError, match="OPENAI_BASE_URL"):
        describe_dataset(get_dataset(str(folder)), cfg)


def test_shipped_prompts_ask_for_json_about_the_label():
    prompts = load_prompts("prompts")
    for kind in ("global", "local"):
        text = prompts.render(kind, "throw ball")
        assert "throw ball" in text and '{"description": "..."}' in text and "{label}" not in text

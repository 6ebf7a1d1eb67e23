"""`zssar describe` against misbehaving servers: malformed 200 replies, slow drips, hangs, and Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_describe import LABELS, cfg, echo, folder, server  # noqa: F401 (fixtures)

from pipeline.catalog import get_dataset
from pipeline.describe.io import parse_records
from pipeline.errors import PipelineError
from pipeline.stages.describe import describe_dataset

REPO = Path(__file__).resolve().parents[1]


def test_malformed_json_body_is_retried_then_explained(server, folder, cfg, tmp_path):  # noqa: F811
    server.reply = lambda body, n: (200, '{"choices": [') if n < 2 else echo(body, n)
    cfg.describe.concurrency = 1
    out = describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "d.jsonl")
    assert len(parse_records(out)) == 3 and len(server.requests) == 8
    server.reply = lambda body, n: (200, '{"choices": [')
    cfg.describe.cache_dir = str(tmp_path / "other-cache")
    with pytest.raises(
        PipelineError,
        match=r"no answer for class 0 'wave hand' .* in 3 attempts: "
        r"the response body is not valid JSON",
    ):
        describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "e.jsonl")
    assert not (tmp_path / "e.jsonl").exists()


class RawServer:
    """Accepts HTTP connections and answers with `behaviour(conn)`: a slow drip, or nothing at all."""

    def __init__(self, behaviour: str) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.behaviour = behaviour
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        self.connected.set()
        conn.recv(65536)
        if self.behaviour == "hang":
            self.stop.wait()
            return
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b" ")
                time.sleep(0.2)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.fixture
def drip(monkeypatch) -> Iterator[RawServer]:
    srv = RawServer("drip")
    monkeypatch.setenv("OPENAI_BASE_URL", srv.url)
    yield srv
    srv.close()


def test_timeout_bounds_the_whole_request_of_a_slow_drip(drip, folder, cfg, tmp_path):  # noqa: F811
    cfg.describe.timeout_s = 1.0
    cfg.describe.max_retries = 5
    cfg.describe.concurrency = 1
    start = time.monotonic()
    with pytest.raises(PipelineError, match=r"in 2 attempts: no complete answer within 1.0 s"):
        describe_dataset(get_dataset(str(folder)), cfg, out=tmp_path / "d.jsonl")
    assert time.monotonic() - start < 6  # two attempts of 1 s, not six, nor an endless drip


def test_ctrl_c_exits_promptly_with_a_message(folder, tmp_path):  # noqa: F811
    srv = RawServer("hang")
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENAI_BASE_URL": srv.url, "HF_HUB_OFFLINE": "1"}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "describe", "--dataset", str(folder)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert srv.connected.wait(60), "describe never sent a request"
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - start
    finally:
        proc.kill()
        srv.close()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert elapsed < 15  # not the request's 60 s timeout; room for a loaded machine (5.5 s seen on 2 busy cores)
    assert not (folder / "descriptions.jsonl").exists()

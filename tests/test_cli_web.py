"""`cunwu serve` serves the web application with waitress, and marks the session cookie Secure
whenever it listens beyond this machine."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from typing import Any

import pytest

from web.cli import loopback


@pytest.mark.parametrize("host,expected", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                           ("0.0.0.0", False), ("192.168.1.20", False), ("cunwu.example", False)])
def test_plain_http_only_on_this_machine(host: str, expected: bool) -> None:
    assert loopback(host) is expected


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "CUNWU_HOME": str(home)}
    env.pop("CUNWU_DB", None)
    made = subprocess.run(["cunwu", "demo", "--villages", "1", "--documents", "2"], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    return env


def serve(env: dict[str, str], port: int) -> tuple[subprocess.Popen, str, Any]:
    server = subprocess.Popen(["cunwu", "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/", timeout=2) as response:
                return server, response.read().decode("utf-8"), response.headers
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(server.communicate()[1])


def test_cunwu_serve_answers_on_loopback(demo_home: dict[str, str]) -> None:
    server, body, headers = serve(demo_home, free_port())
    try:
        assert "村级小微权力公开" in body
        assert headers["Server"] == "cunwu"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_cunwu_serve_stops_cleanly_on_sigterm(demo_home: dict[str, str]) -> None:
    server, _body, _headers = serve({**demo_home, "CUNWU_INDEX_POLL": "600"}, free_port())
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    _out, err = server.communicate(timeout=30)
    assert (server.returncode, err.strip().splitlines()[-1]) == (0, "村务网站已停止。")
    assert time.monotonic() - started < 20

"""`cunwu serve` serves the web application with waitress, and marks the session cookie Secure
whenever it listens beyond this machine."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

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


def test_cunwu_serve_answers_on_loopback(tmp_path: Path) -> None:
    env = {**os.environ, "CUNWU_HOME": str(tmp_path)}
    env.pop("CUNWU_DB", None)
    made = subprocess.run(["cunwu", "demo", "--villages", "1", "--documents", "2"], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = subprocess.Popen(["cunwu", "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/", timeout=2) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        assert "村级小微权力公开" in body
        assert response.headers["Server"] == "cunwu"
    finally:
        server.terminate()
        server.wait(timeout=30)

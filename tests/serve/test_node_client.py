"""The official openai Node SDK (tests/node/) against `fakeopenai serve`, scripted over the control API."""

from __future__ import annotations

import fcntl
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

NODE_PROJECT = Path(__file__).resolve().parents[1] / "node"


def node_modules() -> None:
    """Install the Node project's pinned packages (`npm ci`) unless they are installed already."""
    installed = NODE_PROJECT / "node_modules" / "openai" / "package.json"
    with open(NODE_PROJECT / "package-lock.json", "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers never install at once
        if installed.is_file():
            return
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: this test runs the official Node SDK. Install Node.js 20+ with npm.")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_PROJECT, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, f"npm ci failed in {NODE_PROJECT}:\n{result.stdout}\n{result.stderr}"
    assert installed.is_file()


def test_the_node_sdk_against_fakeopenai_serve() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: this test runs the official Node SDK. Install Node.js 20+.")
    node_modules()
    server = subprocess.Popen(
        [sys.executable, "-m", "fakeopenai", "serve", "--script", str(NODE_PROJECT / "answers.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stderr is not None
    first: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: first.put(server.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        base_url = first.get(timeout=20).strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", base_url), base_url
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the request log flowing

        result = subprocess.run(
            [node, "--test", "chat.test.mjs"],
            cwd=NODE_PROJECT,
            env={**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-node-test"},
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert result.returncode == 0, result.stdout + result.stderr
        tests = len(re.findall(r"^test\(", (NODE_PROJECT / "chat.test.mjs").read_text(encoding="utf-8"), re.MULTILINE))
        assert tests >= 2 and f"\n# pass {tests}\n" in result.stdout and "\n# fail 0\n" in result.stdout
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=20)
    stderr = server.stderr.read()
    assert code == 0, stderr
    assert "Traceback" not in stderr and "fakeopenai: stopped after" in stderr

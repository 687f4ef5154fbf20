"""`fakeopenai serve` driven from tests: the server in a subprocess, a chat request to it, the command in-process."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakeopenai._cli import main

HELLO = [{"role": "user", "content": "Hello"}]
KEY = "sk-serve-test"


class Served:
    """`fakeopenai serve` in a subprocess; its first line is the base URL, later lines the request log."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fakeopenai", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put), daemon=True).start()
        self._stderr = threading.Thread(target=self._read, args=(self.process.stderr, self.errors.append), daemon=True)
        self._stderr.start()
        self.base_url = self.next_line()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", self.base_url), self.base_url
        self.url = self.base_url.removesuffix("/v1")
        self.control = self.url + "/_fakeopenai"

    @staticmethod
    def _read(stream: Any, put: Any) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    def next_line(self, timeout: float = 20) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            self.process.kill()
            raise AssertionError("fakeopenai serve printed nothing; stderr:\n" + "\n".join(self.errors)) from None

    def next_api_line(self) -> str:
        """The next log line of a request to the API, skipping those of the control API."""
        line = self.next_line()
        while line.endswith(" [control]"):
            line = self.next_line()
        return line

    def log_lines(self) -> list[str]:
        """The request log lines printed so far (and not yet read)."""
        lines = []
        while not self.lines.empty():
            lines.append(self.lines.get_nowait())
        return lines

    def stop(self, sig: signal.Signals = signal.SIGINT) -> tuple[int, str]:
        """Send `sig`; the exit code and everything printed on stderr."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self._stderr.join(timeout=5)
        return code, "\n".join(self.errors)


def chat(base_url: str, key: str = KEY, **body: Any) -> httpx.Response:
    """POST a chat completion of `HELLO` (and `body`) to `base_url` with `key`."""
    return httpx.post(
        base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO, **body},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command in this process (it stops before serving): exit code, stdout, stderr."""
    try:
        code = main(list(args))
    except SystemExit as stopped:
        code = int(stopped.code or 0)
    out, err = capsys.readouterr()
    return code, out, err

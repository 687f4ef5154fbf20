#!/usr/bin/env bash
# Build .bench-venv/: fakeopenai beside the tools users pick instead today, for `benchmarks/run.py`.
#
# openai-responses pins `openai<3`, so it cannot share the development venv (it
# would downgrade the SDK there). This venv holds fakeopenai (editable), an
# `openai` 2.x SDK (built on `httpx`), openai-responses, respx and
# pytest-httpserver. Then:
#
#     .bench-venv/bin/python benchmarks/run.py
#
# measures all of them side by side in one process, each against the same floor.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${BENCH_VENV:-$root/.bench-venv}"
python="${PYTHON:-python3}"

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e "$root" "openai<3" openai-responses pytest-httpserver respx pytest
"$venv/bin/python" -m pip list 2>/dev/null | grep -i -E '^(openai|openai-responses|respx|pytest[-_]httpserver|httpx|werkzeug|pytest) ' || true
echo "Ready: $venv/bin/python benchmarks/run.py"

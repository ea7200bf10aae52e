#!/usr/bin/env bash
# Runs the FastAPI tutorial's own test file, unmodified, against this service.
#   tests/tutorial/run.sh [path/to/fastapi-todo]   (default: ../shared/peers/fastapi-todo)
# Needs Python 3 and PyPI; builds the release binary first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEER="$(realpath -m "${1:-$ROOT/../shared/peers/fastapi-todo}")"
VENV="${VENV:-$ROOT/target/tutorial-venv}"
[[ -f "$PEER/tests/test_todos.py" ]] || { echo "run.sh: no tutorial tests at $PEER" >&2; exit 1; }

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin todo-api
[[ -x "$VENV/bin/pytest" ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet pytest httpx fastapi; }

cd "$ROOT/tests/tutorial"
TODO_API_BINARY="$ROOT/target/release/todo-api" PYTHONPATH="$ROOT/tests/tutorial" \
  "$VENV/bin/pytest" --noconftest -p against_service -v "$PEER/tests/test_todos.py"

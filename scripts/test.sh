#!/bin/sh
# Set up, then run the whole test suite (and the style checks). Extra
# arguments go to pytest, e.g. `sh scripts/test.sh -k parser`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
.venv/bin/ruff check compiler tests bench
.venv/bin/black --check --quiet compiler tests bench
exec .venv/bin/python -m pytest "$@"

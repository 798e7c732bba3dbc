#!/usr/bin/env bash
# Installs Label Studio in its own virtual environment (.venv-labelstudio): its Django stack pins
# packages (pydantic, numpy, ...) apart from chfen's, so it never shares .venv. Only the slow
# Label Studio round-trip test (tests/stages/annotate/test_labelstudio_server.py) starts it.
# Safe to run twice: skipped when the stamp says this version is installed.
set -euo pipefail
PYTHON="${PYTHON:-python3.11}"
VENV="${LABEL_STUDIO_VENV:-.venv-labelstudio}"
VERSION="1.23.2"
STAMP="$VENV/.label-studio-$VERSION"
if [ -f "$STAMP" ]; then
    exit 0
fi
echo "chfen: installing label-studio==$VERSION into $VENV"
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
"$VENV/bin/python" -m pip install --quiet "label-studio==$VERSION"
touch "$STAMP"

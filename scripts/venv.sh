# Sourced by scripts/serve and scripts/test: makes .venv and installs the project into it.
# The install is skipped when pyproject.toml has not changed since the last one (a stamp
# file holds its hash), so repeated runs start at once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras:+-$extras}"
if [ ! -f "$stamp" ]; then
    echo "Installing myapi into .venv (once; the log is .venv/install.log)..." >&2
    if ! { .venv/bin/python -m pip install --upgrade pip \
           && .venv/bin/python -m pip install -e ".${extras:+[$extras]}"; } \
           > .venv/install.log 2>&1; then
        cat .venv/install.log >&2
        echo "Installing failed; the output is above." >&2
        exit 1
    fi
    touch "$stamp"
fi

#!/bin/sh
# Set up everything agentc and its tests need on a fresh Debian machine:
# the system tools the tests run for real, and a virtualenv in .venv with
# agentc installed (editable) plus the test dependencies.
set -eu
cd "$(dirname "$0")/.."

# Real tools the tests use: shells for the POSIX check, shellcheck, Podman,
# Nix, systemd (for systemd-analyze and the user manager).
need="podman:podman runc:runc busybox:busybox-static shellcheck:shellcheck
nix-instantiate:nix-bin posh:posh mksh:mksh yash:yash zsh:zsh dash:dash
systemd-analyze:systemd xmllint:libxml2-utils"
missing=""
for pair in $need; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing system packages:$missing"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "setup: missing system packages:$missing (install them as root)" >&2
    fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

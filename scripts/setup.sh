#!/bin/sh
# Set up everything agentc and its tests need on a fresh Debian machine: the system packages
# the tests run for real, and a virtualenv in .venv with agentc installed (editable) plus the
# test dependencies. Packages are checked by name, not by a command on PATH: catatonit has no
# command, and a dynamically linked busybox would not run inside the test image.
#
# As root, whatever is missing is installed with apt-get. Otherwise the missing packages are
# listed; with CI set (to anything but empty, false or 0) that is an error.
set -eu
cd "$(dirname "$0")/.."

# Real tools the tests use, by Debian package:
#   podman runc catatonit   rootful Podman; catatonit is the init binary `podman run --init`
#                           needs (Debian's podman only recommends it)
#   busybox-static          the test image's only binary (copied into a container rootfs)
#   shellcheck              the artifact lints
#   nix-bin                 Nix 2.8: the declaration oracle and the Nix integration tests
#   dash posh mksh yash zsh the POSIX shells the generated scripts must run under
#   systemd                 systemd-analyze and the real user manager
#   libxml2-utils           xmllint
#   python3-venv git        the virtualenv; the packaging test builds from the tracked files
#   bison make gcc          build macOS's /bin/sh (bash 3.2) from ../shared/toolchains
#   procps perl             ps and shasum, which macOS has: the simulated Mac hides GNU-only
#                           tools (timeout, sha256sum, ...) and the scripts fall back to these
#   uidmap slirp4netns      rootless Podman, as users run it: newuidmap/newgidmap and the
#                           user-mode network (Debian's podman only recommends them)
#   python3 util-linux      the test users' Python for the simulators (the venv's interpreter
#                           may sit under root's home), and setpriv to run as them
#   curl netcat-openbsd     what the http and tcp health checks run (macOS ships curl and a BSD
#   netcat-traditional      nc); both netcats, as the tcp check must work with either
PACKAGES="podman runc catatonit busybox-static shellcheck nix-bin dash posh mksh yash zsh
systemd libxml2-utils python3-venv git bison make gcc procps perl uidmap slirp4netns python3
util-linux curl netcat-openbsd netcat-traditional"

# Strict in CI: CI set to anything but empty, false or 0 (any case, blanks ignored), as the
# tests read it (tests/conftest.py).
strict=no
case $(printf '%s' "${CI:-}" | tr -d ' \t\r\n' | tr 'A-Z' 'a-z') in '' | false | 0) ;; *) strict=yes ;; esac

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in $PACKAGES; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || :)
        [ "$status" = "install ok installed" ] || missing="$missing $pkg"
    done
else
    echo "setup: not a Debian system; install the equivalents of:$PACKAGES" >&2
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing system packages:$missing"
        apt-get update -qq
        # shellcheck disable=SC2086  # a list of package names
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    elif [ "$strict" = yes ]; then
        echo "setup: missing system packages:$missing (run this script as root to install them)" >&2
        exit 1
    else
        echo "setup: missing system packages:$missing (install them as root)" >&2
    fi
fi

# The users the tests run as (tests/users.py names them): user agents run as a normal user with
# rootless Podman, as people run them; the simulated Mac is uid 501, the first user of a Mac;
# one user has no subordinate ids, for preflight's rootless checks. Each user but that one
# gets a subuid/subgid range. /dev/net/tun is 0666 on a stock Debian (udev's rule), but 0600
# on a fresh machine of this kind, which rootless Podman's network (slirp4netns) cannot open.
# Root only: elsewhere the user tests fail (CI) or skip with what to run.
add_user() { # NAME UID|'' SUBIDS|''
    if ! id -u "$1" >/dev/null 2>&1; then
        holder=$(getent passwd "${2:-none}" | cut -d: -f1)
        if [ -n "$2" ] && [ -n "$holder" ]; then
            echo "setup: uid $2 is taken by $holder; the tests need it for $1" >&2
            exit 1
        fi
        useradd --create-home --shell /bin/sh ${2:+--uid "$2"} -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$1" 2>/dev/null
    fi
    if [ -n "$3" ] && ! grep -q "^$1:" /etc/subuid; then
        usermod --add-subuids "$3" --add-subgids "$3" "$1"
    fi
}
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null 2>&1; then
    add_user agentc-user '' 300000-365535
    add_user agentc-mac 501 400000-465535
    add_user agentc-nosubid '' ''
    [ ! -c /dev/net/tun ] || chmod 0666 /dev/net/tun
fi

# macOS's /bin/sh is bash 3.2 in POSIX mode: the generated scripts are run under it too. It is
# built from the source in ../shared/toolchains (about a minute, once) into .toolchains/.
bash32=.toolchains/bash-3.2/bin/bash
toolchain=../shared/toolchains/build-bash-3.2.sh
if [ ! -x "$bash32" ]; then
    if [ -f "$toolchain" ]; then
        echo "setup: building bash 3.2 (macOS /bin/sh) into .toolchains/bash-3.2"
        sh "$toolchain" "$PWD/.toolchains/bash-3.2" >/dev/null
    elif [ "$strict" = yes ]; then
        echo "setup: $toolchain is missing: cannot build bash 3.2 (macOS /bin/sh)" >&2
        exit 1
    fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: agentc needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

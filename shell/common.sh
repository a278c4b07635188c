# shellcheck shell=sh
# agentc's static library, the part every generated script carries (bin/activate,
# bin/agentctl and the wrapper): what the wrapper does and preflight checks the same way.

# --- the state directory ---------------------------------------------------------

# The agent's state directory's layout, once: what more than one script reads or writes in
# STATE_DIR (each script's own files are named where they are used). Call once STATE_DIR is set.
# shellcheck disable=SC2034,SC2153  # read by, and STATE_DIR set by, the files that carry this one
state_layout() {
    STARTS_FILE=$STATE_DIR/starts               # the breaker's start times, one a line
    INSTALLED_SHA_FILE=$STATE_DIR/installed.sha256 # each installed file with its hash
    PROVENANCE_FILE=$STATE_DIR/provenance.json  # the image record (spec section 7)
    STAGED_DIR=$STATE_DIR/staged                # a failed preflight's artifacts and remediation
    LOCK_DIR=$STATE_DIR/lock                    # one activation at a time
    STATE_BIN_DIR=$STATE_DIR/bin                # the installed wrapper
    STATE_AUTHFILE=$STATE_DIR/auth.json         # the empty authfile where none is declared
    CIDFILE=$STATE_DIR/container.id             # the running container's ID (systemd, local)
    HEALTHY_FILE=$STATE_DIR/healthy             # "generation pid container-id" last seen healthy
    HEALTH_FILE=$STATE_DIR/health               # the wrapper's watch: "healthy|unhealthy SINCE WHY"
    FIRST_FAILURE_FILE=$STATE_DIR/first-failure.log # the logs when a generation first failed
}

# --- Podman ------------------------------------------------------------------------

# podman, through the platform's connection (CONNECTION) if there is one.
# shellcheck disable=SC2317  # also called through bounded()
podman_() {
    if [ -n "$CONNECTION" ]; then
        podman --connection "$CONNECTION" "$@"
    else
        podman "$@"
    fi
}

# --- registry credentials ----------------------------------------------------------

# A registries.conf without its credential-helpers (a TOML array, maybe over several lines):
# the wrapper hands Podman this copy, and the credential probe asks Podman as the wrapper will.
without_helpers() {
    awk 'skip { if (index($0, "]")) skip = 0; next }
        /^[ \t]*credential-helpers[ \t]*=/ { if (!index($0, "]")) skip = 1; next }
        { print }' "$1"
}

# TIMEOUT_BIN: timeout(1) where the host has it (Linux, busybox), else empty (macOS).
find_timeout() {
    TIMEOUT_BIN=
    command -v timeout >/dev/null 2>&1 && TIMEOUT_BIN=timeout
}

# --- bounded commands: a time limit without timeout(1), pauses ------------------------
# Run a command (podman_ and systemctl_ included) with stdin closed, killed after $1 seconds:
# timeout(1) where the host has it (Linux, busybox), which signals the command's whole process
# group; elsewhere (macOS) a watcher that signals the command's process tree (a credential
# helper it started included), TERM, then KILL what is left two seconds later.
bounded() {
    limit=$1
    shift
    case $1 in
    podman_)
        shift
        if [ -n "${CONNECTION:-}" ]; then set -- podman --connection "$CONNECTION" "$@"; else set -- podman "$@"; fi
        ;;
    systemctl_)
        shift
        if [ "$SCOPE" = user ]; then set -- systemctl --user "$@"; else set -- systemctl "$@"; fi
        ;;
    esac
    if [ -n "$TIMEOUT_BIN" ]; then
        [ "${BOUNDED_EXEC:-no}" = no ] || exec "$TIMEOUT_BIN" "$limit" "$@" </dev/null
        "$TIMEOUT_BIN" "$limit" "$@" </dev/null
        return
    fi
    bounded_start=$(date +%s)
    "$@" </dev/null &
    bounded_pid=$!
    (
        # A look a second, with no trap: the TERM this shell sends once the command has
        # answered ends the watcher at once. (A trapped TERM can be lost to a shell about to
        # block in `wait`, as posh and mksh showed: the watcher then sat out the whole limit.)
        n=0
        while [ "$n" -lt "$limit" ]; do
            sleep 1
            kill -0 "$bounded_pid" 2>/dev/null || exit 0
            n=$((n + 1))
        done
        trap '' TERM # from here on, the command ending does not end the clean-up
        tree=$(descendants "$bounded_pid")
        # shellcheck disable=SC2086  # process IDs, one per word
        kill -TERM "$bounded_pid" $tree 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            left=
            for p in $bounded_pid $tree; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
            [ -n "$left" ] || break
            pause
        done
        # shellcheck disable=SC2086
        [ -z "$left" ] || kill -KILL $left 2>/dev/null
    ) >/dev/null 2>&1 &
    bounded_watch=$!
    wait "$bounded_pid"
    bounded_rc=$?
    kill -TERM "$bounded_watch" 2>/dev/null
    wait "$bounded_watch" 2>/dev/null
    # As timeout(1): 124 once the time ran out, whatever the command made of its signal (Podman
    # exits 0 on a TERM). Whole seconds: an answer in the last one may count as none. (Busybox
    # sh runs its own timeout applet above, which says 143 instead.)
    [ $(($(date +%s) - bounded_start)) -lt "$limit" ] || return 124
    return "$bounded_rc"
}

# bounded, as the whole of a command substitution: where timeout(1) runs the command, the
# substitution's subshell becomes timeout (exec), one process fewer. Never call it outside
# $(...): it would replace this script.
bounded_exec() {
    BOUNDED_EXEC=yes
    bounded "$@"
}

# The process IDs below $1 (its children, theirs, ...), from one ps listing.
descendants() {
    ps -A -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
        { parent[$1] = $2 }
        END {
            for (p in parent) {
                q = p
                for (hops = 0; q != root && (q in parent) && hops < 64; hops++) q = parent[q]
                if (q == root && p != root) print p
            }
        }'
}

pause() {
    sleep 0.2 2>/dev/null || sleep 1
}

# --- the declared health check -------------------------------------------------------

# health_check: the declared check, once (types command, http and tcp; process and
# podman-container are the service manager's and Podman's to answer: always healthy here).
# 0 healthy, 1 not, 2 the tool it needs is missing; HEALTH_OUT says what it saw, one line.
health_check() {
    HEALTH_OUT=
    case $HEALTH_TYPE in
    http)
        if ! command -v curl >/dev/null 2>&1; then
            HEALTH_OUT="curl is not installed: the http check cannot run"
            return 2
        fi
        # No proxy from the environment (a loopback check must not leave the host), no
        # redirect followed, the whole request bounded.
        hc_out=$(curl --noproxy '*' -sS -o /dev/null -w '%{http_code}' --max-time "$HEALTH_TIMEOUT" "$HEALTH_URL" 2>&1 </dev/null)
        hc_rc=$?
        case $hc_rc:$hc_out in
        0:[23][0-9][0-9])
            HEALTH_OUT="HTTP $hc_out from $HEALTH_URL"
            return 0
            ;;
        0:*) HEALTH_OUT="HTTP $hc_out from $HEALTH_URL" ;;
        28:*) HEALTH_OUT="$HEALTH_URL did not answer within ${HEALTH_TIMEOUT}s" ;;
        *) health_line "$HEALTH_URL: ${hc_out%000}" ;; # curl's error, before -w's 000
        esac
        return 1
        ;;
    tcp)
        if ! command -v nc >/dev/null 2>&1; then
            HEALTH_OUT="nc (netcat) is not installed: the tcp check cannot run"
            return 2
        fi
        # -z -w: connect, send nothing, give up after the timeout (BSD and GNU netcat alike).
        if nc -z -w "$HEALTH_TIMEOUT" 127.0.0.1 "$HEALTH_PORT" </dev/null >/dev/null 2>&1; then
            HEALTH_OUT="127.0.0.1:$HEALTH_PORT accepts connections"
            return 0
        fi
        HEALTH_OUT="127.0.0.1:$HEALTH_PORT refused the connection or did not answer within ${HEALTH_TIMEOUT}s"
        return 1
        ;;
    command)
        hc_out=$(health_argv bounded "$HEALTH_TIMEOUT" 2>&1)
        hc_rc=$?
        case $hc_rc in
        0)
            HEALTH_OUT="$HEALTH_NAMED exited 0"
            return 0
            ;;
        124) HEALTH_OUT="$HEALTH_NAMED did not finish within ${HEALTH_TIMEOUT}s" ;;
        126 | 127) health_line "$HEALTH_NAMED cannot run (exit $hc_rc): $hc_out" ;;
        *) health_line "$HEALTH_NAMED exited $hc_rc${hc_out:+: $hc_out}" ;;
        esac
        return 1
        ;;
    esac
    return 0
}

# HEALTH_OUT=$1's last non-empty line, at most 200 characters, with what follows a word
# naming a secret (password=..., "token: ...", Authorization: Bearer ...) as <redacted>.
health_line() {
    HEALTH_OUT=$(printf '%s\n' "$1" | awk '
        NF { last = $0 }
        END {
            n = split(last, w, " ")
            out = ""
            hide = 0
            for (i = 1; i <= n; i++) {
                t = w[i]
                if (hide) { t = "<redacted>"; hide = 0 }
                else if (tolower(t) ~ /pass(word|wd)?|token|secret|api.?key|authorization|bearer|credential/) {
                    if (match(t, /[=:]./)) t = substr(t, 1, RSTART) "<redacted>"
                    else hide = 1
                }
                out = out (i > 1 ? " " : "") t
            }
            print substr(out, 1, 200)
        }')
}

# --- the first failure of a generation ------------------------------------------------

# FIRST_FAILURE_FILE: the logs' last lines when this generation first failed to start ($1:
# why), kept apart from their rotation for status and quarantine; once per generation.
keep_first_failure() {
    if [ -f "$FIRST_FAILURE_FILE" ] && IFS= read -r kf_head <"$FIRST_FAILURE_FILE" &&
        [ "$kf_head" = "generation $GENERATION" ]; then
        return 0
    fi
    {
        printf 'generation %s\n%s: %s\n' "$GENERATION" "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$1"
        for kf in "$LOG_APP" "$LOG_OUT" "$LOG_ERR"; do
            [ -f "$kf" ] || continue
            printf '==== the last 50 lines of %s\n' "$kf"
            tail -n 50 "$kf"
        done
    } >"$FIRST_FAILURE_FILE.$$" 2>/dev/null && mv -f "$FIRST_FAILURE_FILE.$$" "$FIRST_FAILURE_FILE"
    return 0
}

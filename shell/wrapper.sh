# shellcheck shell=sh
# shellcheck disable=SC2154,SC2153  # the facts are assigned in the generated part
# bin/sourceos-agent-<name>: the wrapper, the only program a service manager runs for an
# agent. This file and common.sh are agentc's static library, the same for every agent; the
# agent's facts end the script, with the call of wrapper_main that runs it.
#
# It checks what the runtime needs, fails closed with one log line when something is missing
# (exit $FAIL_CLOSED under systemd, which RestartPreventExitStatus does not restart; a clean
# exit under launchd, which KeepAlive {SuccessfulExit = false} does not respawn), isolates
# registry credentials, then execs the runtime.
#
# With --check-create (activation's container-spec preflight; podman agents) it does
# everything it would do before a start, in a scratch state directory, then creates the
# container exactly as it would run it, under a scratch name, and removes it: never started,
# nothing persistent written. Exit 0: it can be created; 3: it cannot be checked before a
# pull; else the cause on stderr.

log() {
    line="$(date -u '+%Y-%m-%dT%H:%M:%SZ') sourceos-agent-${AGENT}[$$]: $*"
    printf '%s\n' "$line" >&2
    [ "$PROBE" = no ] || return 0
    # The app log is written a line at a time, here only: shifted when the next line would
    # pass the bound.
    if [ -f "$LOG_APP" ] && [ $(($(wc -c <"$LOG_APP") + ${#line} + 1)) -gt "$LOG_MAX_BYTES" ]; then
        LOG_FILE=$LOG_APP LOG_KEEP=$LOG_KEEP sh -c "$SHIFT_LOGS"
    fi
    printf '%s\n' "$line" >>"$LOG_APP" 2>/dev/null || :
}

# The shift of a full log (LOG_FILE, in the environment): FILE.N-1 becomes FILE.N down to
# FILE becoming FILE.1, LOG_KEEP copies kept. One sh text, for log() and the rotators' awk.
# shellcheck disable=SC2016  # expanded by the sh that runs it
SHIFT_LOGS='i=$LOG_KEEP; rm -f "$LOG_FILE.$i"; while [ "$i" -gt 1 ]; do j=$((i - 1)); [ ! -e "$LOG_FILE.$j" ] || mv -f "$LOG_FILE.$j" "$LOG_FILE.$i"; i=$j; done; mv -f "$LOG_FILE" "$LOG_FILE.1"'

fail_closed() {
    log "fail-closed: $*"
    if [ "$PROBE" = yes ]; then
        exit 1
    fi
    keep_first_failure "fail-closed: $*"
    if [ "$MANAGER" = launchd ]; then
        exit 0
    fi
    exit "$FAIL_CLOSED"
}

# --- the steps of a start ---------------------------------------------------------

# MANAGER, the platform's LOG_APP and CONNECTION, PROBE and MODE from the arguments, STATE_DIR
# and its layout, PATH; a usage error exits 2.
wrapper_setup() {
    MANAGER=${SOURCEOS_AGENT_MANAGER:-systemd}
    if [ "$MANAGER" = launchd ]; then
        LOG_APP=$LOG_APP_LAUNCHD LOG_OUT=$LOG_OUT_LAUNCHD LOG_ERR=$LOG_ERR_LAUNCHD
        CONNECTION=$CONNECTION_LAUNCHD
    else
        LOG_APP=$LOG_APP_SYSTEMD LOG_OUT=$LOG_OUT_SYSTEMD LOG_ERR=$LOG_ERR_SYSTEMD
        CONNECTION=$CONNECTION_SYSTEMD
    fi
    PROBE=no
    MODE=start
    case ${1:-} in
    '') ;;
    --check-create) [ "$RUNTIME" = podman ] && PROBE=yes ;;
    --stop | --cleanup) [ "$RUNTIME" = podman ] && MODE=${1#--} ;;
    esac
    if [ "$#" -gt 1 ] || { [ "$#" = 1 ] && [ "$PROBE" = no ] && [ "$MODE" = start ]; }; then
        if [ "$RUNTIME" = podman ]; then
            printf '%s\n' "usage: sourceos-agent-$AGENT [--check-create | --stop | --cleanup]" >&2
        else
            printf '%s\n' "usage: sourceos-agent-$AGENT" >&2
        fi
        exit 2
    fi
    # A system manager gives a unit no HOME (its service definition sets the state directory):
    # nothing below needs one.
    STATE_DIR=${SOURCEOS_AGENT_STATE_DIR:-${XDG_STATE_HOME:-${HOME:-}/.local/state}/sourceos/agents/$AGENT}
    state_layout
    find_timeout
    PATH=/opt/podman/bin:/opt/homebrew/bin:/usr/local/bin:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin${HOME:+:$HOME/.nix-profile/bin}:${PATH:-/usr/bin:/bin:/usr/sbin:/sbin}
    export PATH
}

# systemd's ExecStop= and ExecStopPost= (MODE stop or cleanup), then exit.
stop_or_clean_up() {
    # As Podman's own units do: stop the container within the declared shutdown timeout (the
    # unit's TimeoutStopSec leaves Podman time beyond it), then remove it, whatever ended the
    # service: a stop, a crash, a kill -9 of the main process.
    # CIDFILE is written by `podman run --cidfile` under systemd: they act on exactly the
    # container this start made, never on a name.
    # Through a connection (no ID file: the run stayed in the foreground) they act on the
    # container of the agent's name, and only if this agent made it.
    if [ -f "$CIDFILE" ]; then
        set -- --cidfile "$CIDFILE"
    elif [ "$(podman_ container inspect --format '{{index .Config.Labels "org.sourceos.agent"}}' "$CONTAINER" 2>/dev/null </dev/null)" = "$AGENT" ]; then
        set -- "$CONTAINER"
    else
        exit 0
    fi
    if [ "$MODE" = stop ]; then
        podman_ stop --ignore -t "$STOP_TIMEOUT" "$@" >/dev/null </dev/null
    else
        podman_ rm -f --ignore -t 0 "$@" >/dev/null </dev/null && rm -f "$CIDFILE"
    fi
    exit 0
}

# The state and log directories this start writes to.
make_dirs() {
    [ "$PROBE" = yes ] || mkdir -p "${LOG_APP%/*}" 2>/dev/null || :
    [ -d "$STATE_DIR" ] || mkdir -p "$STATE_DIR" || fail_closed "cannot create state directory $STATE_DIR"
}

# The circuit breaker: the first start and BREAKER_MAX (maxRestartsPerHour) restarts within
# an hour. launchd has no start limit of its own; systemd's (StartLimitBurst = BREAKER_MAX + 1)
# starts afresh at every daemon-reload, which any other unit's installation does. The count
# lives in the state directory, so neither resets it; activation and `agentctl restart` do.
breaker() {
    [ -n "$BREAKER_MAX" ] && [ "$PROBE" = no ] || return 0
    now=$(date +%s)
    recent=0
    kept=
    if [ -f "$STARTS_FILE" ]; then
        while IFS= read -r t || [ -n "$t" ]; do
            case $t in '' | *[!0-9]*) continue ;; esac
            if [ $((now - t)) -lt 3600 ]; then
                recent=$((recent + 1))
                kept="$kept$t
"
            fi
        done <"$STARTS_FILE"
    fi
    if [ "$recent" -gt "$BREAKER_MAX" ]; then
        fail_closed "started $recent times in the last hour, the first start and $BREAKER_MAX restarts (maxRestartsPerHour = $BREAKER_MAX); not starting again until an operator runs: agentctl restart"
    fi
    printf '%s%s\n' "$kept" "$now" >"$STARTS_FILE.tmp" && mv -f "$STARTS_FILE.tmp" "$STARTS_FILE"
}

# The agent's standard output and error reach their files through one rotator each (awk,
# reading a FIFO): a file that would pass LOG_MAX_BYTES is shifted (SHIFT_LOGS) between two
# lines, so no line is lost or split, whatever the service manager does with the files it
# opened (launchd never rotates them). The rotators end when the agent's streams close.
bound_logs() {
    # Only under a service manager (its definition names itself): run by hand, the wrapper
    # speaks to the person's terminal.
    [ "$PROBE" = no ] && [ -n "${SOURCEOS_AGENT_MANAGER:-}" ] || return 0
    for bl in out err; do
        rm -f "$STATE_DIR/$bl.pipe"
        mkfifo -m 600 "$STATE_DIR/$bl.pipe" 2>/dev/null || {
            log "cannot make $STATE_DIR/$bl.pipe: this run's output is not bounded"
            return 0
        }
    done
    # mawk (Debian's awk) fills its whole input buffer before it hands over a line: a quiet
    # agent's last lines would wait for the next 4 KB. Interactive, it reads line by line.
    AWK_LINES=
    case $(awk -W version 2>&1 </dev/null) in mawk*) AWK_LINES=interactive ;; esac
    rotate_log "$LOG_OUT" <"$STATE_DIR/out.pipe" >/dev/null 2>&1 &
    rotate_log "$LOG_ERR" <"$STATE_DIR/err.pipe" >/dev/null 2>&1 &
    exec >"$STATE_DIR/out.pipe" 2>"$STATE_DIR/err.pipe"
    rm -f "$STATE_DIR/out.pipe" "$STATE_DIR/err.pipe" # open at both ends: the names can go
}

# stdin, line by line, appended to the file $1, shifted before it would pass the bound.
rotate_log() {
    mkdir -p "${1%/*}" 2>/dev/null
    rl_size=0
    [ ! -f "$1" ] || rl_size=$(wc -c <"$1")
    LOG_FILE=$1 LOG_KEEP=$LOG_KEEP SHIFT_LOGS=$SHIFT_LOGS LC_ALL=C awk ${AWK_LINES:+-W "$AWK_LINES"} -v max="$LOG_MAX_BYTES" -v size="$rl_size" '
        BEGIN { file = ENVIRON["LOG_FILE"] }
        {
            n = length($0) + 1
            if (size > 0 && size + n > max) {
                close(file)
                system(ENVIRON["SHIFT_LOGS"])
                size = 0
            }
            print >> file
            fflush(file)
            size += n
        }'
}

# A declared environment file must be readable before anything starts.
check_env_file() {
    if [ -n "$ENV_FILE" ] && [ ! -r "$ENV_FILE" ]; then
        fail_closed "environment file $ENV_FILE is missing or unreadable"
    fi
}

# A native agent: wait up to STARTUP_TIMEOUT for the program, export the environment file,
# exec the program.
run_program() {
    waited=0
    while [ ! -x "$PROGRAM" ]; do
        if [ "$waited" -ge "$STARTUP_TIMEOUT" ]; then
            case $PROGRAM in
            /nix/store/*) fail_closed "Nix store target $PROGRAM is missing (garbage-collected?); re-run activation to rebuild it" ;;
            esac
            if [ -L "$PROGRAM" ]; then
                fail_closed "$PROGRAM is a dangling link (its Nix store target was garbage-collected?); re-run activation"
            fi
            fail_closed "$PROGRAM does not exist or is not executable"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    if [ -n "$ENV_FILE" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            case $line in '' | '#'*) continue ;; *=*) ;; *) log "ignoring a line without = in $ENV_FILE"; continue ;; esac
            name=${line%%=*}
            case $name in '' | [0-9]* | *[!A-Za-z0-9_]*) log "ignoring invalid variable name in $ENV_FILE"; continue ;; esac
            export "$name=${line#*=}"
        done <"$ENV_FILE"
    fi
    log "starting $PROGRAM"
    start_watch
    with_command exec "$PROGRAM" </dev/null
}

# Podman, and the authfile the run is given (an empty one made where none is declared).
ensure_authfile() {
    command -v podman >/dev/null 2>&1 || fail_closed "podman is not installed (searched PATH=$PATH)"
    AUTHFILE=${AUTHFILE_DECLARED:-$STATE_AUTHFILE}
    if [ "$AUTH_MODE" = service-account ]; then
        [ -r "$AUTHFILE" ] || fail_closed "service-account authfile $AUTHFILE is missing or unreadable"
    else
        # A probe creates no authfile outside its scratch directory.
        if [ "$PROBE" = yes ] && [ ! -f "$AUTHFILE" ]; then
            AUTHFILE=$STATE_AUTHFILE
        fi
        if [ ! -f "$AUTHFILE" ]; then
            if ! { { [ -d "${AUTHFILE%/*}" ] || mkdir -p "${AUTHFILE%/*}"; } && printf '%s\n' '{"auths":{}}' >"$AUTHFILE"; }; then
                fail_closed "cannot create the empty authfile $AUTHFILE"
            fi
        fi
    fi
}

# Registry credentials isolated from the host's (unless allowAmbientDockerConfig).
isolate_credentials() {
    # Podman reads credentials from --authfile/REGISTRY_AUTH_FILE, from DOCKER_CONFIG,
    # and from $XDG_CONFIG_HOME/containers/auth.json: point all three at agent-owned
    # files. The agent's config directory gets the host's Podman configuration
    # (connections included) but never its auth.json.
    ISOLATED=$STATE_DIR/isolated
    ISOLATED_CONFIG=$ISOLATED/home/.config # the agent's config directory: its home's .config
    HOST_CONTAINERS=${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/containers
    # Made afresh at every start, in one mkdir; home is described below. (An isolated/config
    # beside home is an earlier agentc's config directory.)
    if [ -d "$ISOLATED/config" ] || [ -e "$ISOLATED/home" ] || [ -h "$ISOLATED/home" ]; then
        rm -rf "$ISOLATED/config" "${ISOLATED:?}/home"
    fi
    mkdir -p "$ISOLATED/docker" "$ISOLATED_CONFIG/containers" ||
        fail_closed "cannot create $ISOLATED"
    printf '%s\n' '{"auths":{}}' >"$ISOLATED/docker/config.json"
    printf '%s\n' '{"auths":{}}' >"$ISOLATED_CONFIG/containers/auth.json"
    for f in containers.conf podman-connections.json storage.conf policy.json; do
        if [ -f "$HOST_CONTAINERS/$f" ]; then
            cp "$HOST_CONTAINERS/$f" "$ISOLATED_CONFIG/containers/$f" || fail_closed "cannot copy $HOST_CONTAINERS/$f"
        fi
    done
    # The registries.conf the runtime would read (the user's, found through HOME, else the
    # system's) without its credential-helpers: they are credentials too. CONTAINERS_REGISTRIES_CONF makes this copy the one it reads; drop-in
    # directories are still read (preflight names helpers there as ambient credentials).
    registries=${HOME:+$HOME/.config/containers/registries.conf}
    [ -n "$registries" ] && [ -f "$registries" ] || registries=/etc/containers/registries.conf
    : >"$ISOLATED/registries.conf" || fail_closed "cannot write $ISOLATED/registries.conf"
    if [ -f "$registries" ]; then
        without_helpers "$registries" >"$ISOLATED/registries.conf" ||
            fail_closed "cannot copy $registries"
    fi
    CONTAINERS_REGISTRIES_CONF=$ISOLATED/registries.conf
    export CONTAINERS_REGISTRIES_CONF
    if [ -d "$HOST_CONTAINERS/containers.conf.d" ]; then
        cp -R "$HOST_CONTAINERS/containers.conf.d" "$ISOLATED_CONFIG/containers/" || fail_closed "cannot copy $HOST_CONTAINERS/containers.conf.d"
    fi
    # Podman finds more through HOME: the legacy ~/.dockercfg, the user's registries.conf.d
    # drop-ins (credential-helpers among their mirrors and aliases), policy.json and the
    # registries' CA certificates in certs.d. It gets a home of its own: .config is the
    # agent's config directory (drop-ins copied without credential-helpers, CA certificates
    # without client keys), .ssh the user's (a connection's known hosts); XDG_DATA_HOME keeps
    # a rootless store where it is.
    REAL_HOME=${HOME:-}
    if [ -n "$REAL_HOME" ]; then
        if [ -e "$REAL_HOME/.ssh" ] && ! ln -s "$REAL_HOME/.ssh" "$ISOLATED/home/.ssh"; then
            fail_closed "cannot link $REAL_HOME/.ssh"
        fi
        for d in "$REAL_HOME/.config/containers/registries.conf.d"/*.conf; do
            [ -f "$d" ] || continue
            if ! { mkdir -p "$ISOLATED_CONFIG/containers/registries.conf.d" &&
                without_helpers "$d" >"$ISOLATED_CONFIG/containers/registries.conf.d/${d##*/}"; }; then
                fail_closed "cannot copy $d"
            fi
        done
        for d in "$REAL_HOME/.config/containers/certs.d"/*/*.crt; do
            [ -f "$d" ] || continue
            c=${d%/*}
            c=$ISOLATED_CONFIG/containers/certs.d/${c##*/}
            if ! { mkdir -p "$c" && cp "$d" "$c/"; }; then
                fail_closed "cannot copy $d"
            fi
        done
        XDG_DATA_HOME=${XDG_DATA_HOME:-$REAL_HOME/.local/share}
        export XDG_DATA_HOME
    fi
    HOME=$ISOLATED/home
    DOCKER_CONFIG=$ISOLATED/docker
    XDG_CONFIG_HOME=$ISOLATED_CONFIG
    export HOME DOCKER_CONFIG XDG_CONFIG_HOME
}

# The image is here, or a start under pull = "always" pulls it; else fail closed.
check_image() {
    podman_ image exists "$IMAGE" </dev/null
    rc=$?
    case $rc:$PULL in
    0:*) ;;
    1:always)
        if [ "$PROBE" = yes ]; then
            log "image $IMAGE is not present locally yet (pull = always pulls it at start)"
            exit 3
        fi
        ;;
    1:*) fail_closed "image $IMAGE is not present locally and pull = $PULL; load it, then tag it as $IMAGE" ;;
    *) fail_closed "podman${CONNECTION:+ --connection $CONNECTION} did not answer (exit $rc): is the Podman machine running and its socket reachable?" ;;
    esac
}

# A container of the agent's name that another made is never replaced.
refuse_foreign_container() {
    # --replace only ever replaces this agent's own container (labelled so at creation): a
    # foreign one of the same name is left alone and the start fails closed.
    if [ "$PROBE" = no ] &&
        owner=$(podman_ container inspect --format '{{index .Config.Labels "org.sourceos.agent"}}' "$CONTAINER" 2>/dev/null </dev/null) &&
        [ "$owner" != "$AGENT" ]; then
        fail_closed "a container named $CONTAINER exists that agent $AGENT did not create${owner:+ (agent $owner made it)}; not replacing it"
    fi
}

# The container, created as Quadlet would run it: `podman run` with the declared argv, exec'd
# (the probe creates it under a scratch name and removes it).
run_container() {
    set -- podman
    [ -n "$CONNECTION" ] && set -- ${1+"$@"} --connection "$CONNECTION"
    # The probe creates under a scratch name, never replacing anything, and never pulls.
    if [ "$PROBE" = yes ]; then
        set -- ${1+"$@"} create --name "$CONTAINER-preflight-$$" --rm --init --pull=never
    else
        pull=never
        [ "$PULL" = always ] && pull=always
        set -- ${1+"$@"} run --name "$CONTAINER" --replace --rm --init --pull="$pull"
        if [ "$MANAGER" = systemd ] && [ -z "$CONNECTION" ]; then
            # Podman's systemd integration (what Quadlet writes): conmon stays in the unit's cgroup
            # and tells systemd the container is up (Type=notify), `podman run` returns, and the
            # container's ID goes where ExecStop= and ExecStopPost= find it. (Through a connection,
            # conmon runs on the other end and cannot notify this manager: the run stays in the
            # foreground of a Type=simple unit.)
            rm -f "$CIDFILE"
            # The container's output goes to conmon's, which is this wrapper's (the log
            # rotators'), as Quadlet's units pass it through: not to an unbounded file of
            # Podman's own.
            set -- ${1+"$@"} --detach --sdnotify=conmon --cgroups=no-conmon --cidfile "$CIDFILE" \
                --log-driver passthrough
        fi
    fi
    set -- ${1+"$@"} --label "org.sourceos.agent=$AGENT" --authfile "$AUTHFILE" --stop-timeout "$STOP_TIMEOUT"
    # shellcheck disable=SC2086  # variable names only ([A-Za-z_][A-Za-z0-9_]*), one per word
    for name in $ENV_NAMES; do # never HOME or the like: validation reserves them
        set -- ${1+"$@"} --env "$name"
    done
    [ -n "$ENV_FILE" ] && set -- ${1+"$@"} --env-file "$ENV_FILE"
    # Then the declared options (ports, mounts, limits, hardening), the image, its command.
    if [ "$PROBE" = yes ]; then
        probe_id=$(with_run_options then_image "$@" </dev/null) || exit 1
        podman_ rm -f "$probe_id" >/dev/null </dev/null || exit 1
        exit 0
    fi
    log "starting container $CONTAINER from $IMAGE"
    start_watch
    with_run_options then_image exec "$@" </dev/null
}

# --- the health watch ---------------------------------------------------------------
# After a start, a declared check (command, http, tcp) runs every HEALTH_INTERVAL seconds
# beside the agent. HEALTH_RETRIES failures in a row (counted once a check has passed or the
# start period is over) end the run as a failure, as Podman's --health-on-failure=kill does:
# the container or the program is killed, and the restart policy and the breaker count it as
# a crash. The watch's word is in HEALTH_FILE for status; it ends with the agent, whose
# cgroup (systemd) or process group (launchd) it shares.
start_watch() {
    case $HEALTH_TYPE in command | http | tcp) ;; *) return 0 ;; esac
    rm -f "$HEALTH_FILE"
    sw_main=$$ # after exec: the program, or `podman run` (which detaches under systemd)
    (watch_health "$sw_main") </dev/null >/dev/null 2>&1 &
}

# Whether the watched run goes on: the main process ($1), or, once `podman run` has detached
# (systemd), the container's conmon, which Podman names. (Not --conmon-pidfile: conmon fails
# to start under a state directory whose path is not ASCII.)
watched_alive() {
    kill -0 "$WATCHED" 2>/dev/null && return 0
    [ "$WATCHED" = "$1" ] && [ -f "$CIDFILE" ] || return 1
    WATCHED=$(podman_ container inspect --format '{{.State.ConmonPid}}' "$CONTAINER" 2>/dev/null </dev/null)
    [ -n "$WATCHED" ] && [ "$WATCHED" != 0 ] && kill -0 "$WATCHED" 2>/dev/null
}

watch_health() {
    WATCHED=$1
    wh_started=$(date +%s) wh_passed=no wh_fails=0 wh_since=
    while :; do
        sleep "$HEALTH_INTERVAL"
        watched_alive "$1" || exit 0
        if health_check; then
            [ "$wh_fails$wh_passed" = 0yes ] || watch_word healthy "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$HEALTH_OUT"
            wh_passed=yes wh_fails=0
            continue
        fi
        [ "$wh_passed" = yes ] || [ $(($(date +%s) - wh_started)) -ge "$HEALTH_START_PERIOD" ] || continue
        wh_fails=$((wh_fails + 1))
        [ "$wh_fails" -gt 1 ] || wh_since=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
        watch_word unhealthy "$wh_since" "$HEALTH_OUT"
        if [ "$wh_fails" -ge "$HEALTH_RETRIES" ]; then
            log "unhealthy: $wh_fails checks in a row failed since $wh_since ($HEALTH_OUT); ending this run"
            keep_first_failure "unhealthy: $HEALTH_OUT"
            if [ "$RUNTIME" = podman ]; then
                podman_ kill --signal KILL "$CONTAINER" >/dev/null 2>&1
            else
                kill -KILL "$1" 2>/dev/null
            fi
            exit 0
        fi
    done
}

# HEALTH_FILE := "$1 $2 $3" (word, since, what the check said), replaced whole.
watch_word() {
    printf '%s %s %s\n' "$1" "$2" "$3" >"$HEALTH_FILE.$$" && mv -f "$HEALTH_FILE.$$" "$HEALTH_FILE"
}

# VOLUME_SOURCE: what a volume's host directory $1 is mounted from. A start fails closed when
# it is missing (activation creates it); the probe mounts an empty scratch directory in its
# place until install has created it.
volume_source() {
    VOLUME_SOURCE=$1
    [ -d "$1" ] && return 0
    [ "$PROBE" = yes ] || fail_closed "volume directory $1 is missing; re-run activation to create it"
    STAND_INS=$((${STAND_INS:-0} + 1))
    VOLUME_SOURCE=$STATE_DIR/volume-$STAND_INS
    mkdir -p "$VOLUME_SOURCE" || fail_closed "cannot create $VOLUME_SOURCE"
}

# SECRET_SOURCE: the secret file $1, which a start requires (its content is never read here);
# the probe mounts an empty scratch file in its place while it is missing (preflight reports
# it as secret-file).
secret_source() {
    SECRET_SOURCE=$1
    [ -f "$1" ] && return 0
    [ "$PROBE" = yes ] || fail_closed "secret file $1 is missing"
    STAND_INS=$((${STAND_INS:-0} + 1))
    SECRET_SOURCE=$STATE_DIR/secret-$STAND_INS
    : >"$SECRET_SOURCE" || fail_closed "cannot create $SECRET_SOURCE"
}

# "$@" with the image and the container's command appended (with_run_options calls it).
then_image() {
    with_command "$@" "$IMAGE"
}

# --- main ------------------------------------------------------------------------
# One start (or, with an option, the probe, the stop or the clean-up) of the agent.
wrapper_main() {
    wrapper_setup ${1+"$@"}
    [ "$MODE" = start ] || stop_or_clean_up
    make_dirs
    bound_logs
    breaker
    check_env_file
    [ "$RUNTIME" = podman ] || run_program
    ensure_authfile
    host_sources
    [ "$ALLOW_AMBIENT" = yes ] || isolate_credentials
    REGISTRY_AUTH_FILE=$AUTHFILE
    export REGISTRY_AUTH_FILE
    check_image
    refuse_foreign_container
    run_container
}

# shellcheck shell=sh
# shellcheck disable=SC2154,SC2153  # the facts are assigned in the generated part
# bin/agentctl: the operator verbs for one agent (DESIGN.md section 6). This file, then
# common.sh and lib.sh, are agentc's static library, the same for every agent; the agent's
# facts end the script, with the call of agentctl_main that runs it.
#
# Usage: agentctl VERB [--json] [options]
#   preflight | stage | install | activate | start | stop | restart | status | health |
#   logs [-n N] [-f] | doctor | quarantine [--output-dir DIR] | uninstall
# start and restart refuse while preflight fails, unless --allow-failed-preflight.

# --- status and preflight -------------------------------------------------------------
usage() {
    echo "usage: agentctl VERB [--json] [options]"
    echo "  preflight | stage | install | activate | start | stop | restart | status | health |"
    echo "  logs [-n N] [-f] | doctor | quarantine [--output-dir DIR] |"
    echo "  uninstall [--purge-data [--yes]]"
}

# RUNS=the runs (launchd) or restarts (systemd) the service manager counts.
restarts() {
    RUNS=
    if [ "$PLATFORM" = darwin ]; then
        sm_text && job_field runs && RUNS=$JF
    else
        RUNS=$(systemctl_ show -p NRestarts --value "$UNIT_NAME" 2>/dev/null)
    fi
    return 0
}

last_exit() {
    if [ "$PLATFORM" = darwin ]; then
        code=
        sm_text && job_field "last exit code" && code=$JF
        [ -n "$code" ] && echo "exit code $code"
    else
        props=$(systemctl_ show -p Result -p ExecMainStatus --value "$UNIT_NAME" 2>/dev/null | tr '\n' ' ')
        [ -n "$props" ] && echo "result $props" | sed 's/ *$//'
    fi
    # The wrapper's last fail-closed word, or its health watch's, among the app log's last 20
    # lines.
    [ -f "$LOG_APP" ] || return 0
    said=
    while IFS= read -r le_line; do
        case $le_line in *fail-closed* | *"]: unhealthy: "*) said=$le_line ;; esac
    done <<LOG
$(tail -n 20 "$LOG_APP" 2>/dev/null)
LOG
    [ -z "$said" ] || printf '%s\n' "$said"
}

cmd_status() {
    [ "$PLATFORM" = darwin ] && sm_look # one launchctl print answers every question below
    installed_state
    state=$INSTALLED
    sm_state
    manager=$SMS
    sm_pid
    pid=$SMP
    restarts
    runs=$RUNS
    last=
    while IFS= read -r line; do
        [ -n "$line" ] && last=${last:+$last;}$line
    done <<LAST
$(last_exit)
LAST
    sm_forget
    generation=$(sed -n 's/^  "declarationSha256": "\([0-9a-f]*\)",*$/\1/p' "$STATE_DIR/manifest.json" 2>/dev/null)
    quarantined=
    [ -f "$STATE_DIR/quarantined" ] && quarantined=$(cat "$STATE_DIR/quarantined" 2>/dev/null)
    container=
    [ "$RUNTIME" = podman ] && container=$(container_state)
    CSTATE=$container SMS=$manager # what health_now reads
    # Stopped, with the restarts the breaker allows used up (launchd counts the first run too).
    LIMIT_REACHED=false
    case $manager in failed | stopped)
        lr_restarts=${runs:-0}
        [ "$PLATFORM" != darwin ] || lr_restarts=$((lr_restarts - 1))
        [ -z "$BREAKER_MAX" ] || [ "$lr_restarts" -lt "$BREAKER_MAX" ] || LIMIT_REACHED=true
        ;;
    esac
    # An agent that runs but fails its check is not `running`.
    health_now
    case $state:$HEALTH_STATE in running:unhealthy) state=unhealthy ;; esac
    if [ "$JSON" = yes ]; then
        printf '{'
        json_pairs agent "$AGENT" label "$LABEL" state "$state" platform "$PLATFORM" \
            serviceManager "$manager" pid "$pid" container "${container:-}" restarts "${runs:-0}" \
            lastExit "$last" generation "${generation:-$DECLARATION_SHA256}" source "$HERE" \
            serviceFile "$SERVICE_FILE" quarantined "$quarantined"
        printf ',"restartLimitReached":%s,"firstFailure":' "$LIMIT_REACHED"
        if first_failure; then
            printf '{'
            json_pairs file "$FIRST_FAILURE_FILE" reason "$FIRST_FAILURE"
            printf '}'
        else
            printf 'null'
        fi
        printf ',"logs":{'
        json_pairs app "$LOG_APP" stdout "$LOG_OUT" stderr "$LOG_ERR"
        printf '},"owner":{'
        json_pairs project "$OWNER_PROJECT" component "$OWNER_COMPONENT" contact "$OWNER_CONTACT"
        printf '},"health":{'
        json_pairs type "$HEALTH_TYPE" command "$HEALTH_COMMAND" check "$HEALTH_NAMED" \
            status "$HEALTH_STATE" output "$HEALTH_OUT" since "$HEALTH_SINCE"
        printf '},"published":['
        JA_SEP=
        published_ports published_json
        printf '],"data":['
        JA_SEP=
        volume_dirs json_item
        named_volumes json_item
        printf '],"provenance":%s}\n' "$(cat "$PROVENANCE_FILE" 2>/dev/null || echo null)"
        return 0
    fi
    shown=$state
    [ "$state" != unhealthy ] || shown="running (unhealthy since $HEALTH_SINCE: $HEALTH_OUT)"
    echo "$AGENT ($LABEL): $shown${quarantined:+ (quarantined to $quarantined)}"
    echo "- owner: $OWNER_PROJECT / $OWNER_COMPONENT (contact: $OWNER_CONTACT)"
    echo "- service manager: $([ "$PLATFORM" = darwin ] && echo "launchd $DOMAIN" || echo "systemd$SCOPE_FLAG") reports $manager${pid:+, pid $pid}"
    if [ "$RUNTIME" = podman ]; then
        echo "- container $CONTAINER: ${container:-absent} (image $IMAGE)"
        prov=$(sed -n -e 's/.*"imageId":"\([^"]*\)".*"pulledAt":"\([^"]*\)".*"firstSeenAt":"\([^"]*\)".*/\1 (pulled \2, run here since \3)/p' \
            -e 's/.*"imageId":"\([^"]*\)".*"pulledAt":null.*"firstSeenAt":"\([^"]*\)".*/\1 (pull time unknown, run here since \2)/p' "$PROVENANCE_FILE" 2>/dev/null)
        echo "- image: ${prov:-not recorded (activation records it)}${SOURCE_IMAGE:+, tagged from $SOURCE_IMAGE}"
    fi
    echo "- restarts/runs: ${runs:-0}${last:+; last exit: $last}"
    if first_failure; then
        echo "- first failure of this generation: $FIRST_FAILURE (kept in $FIRST_FAILURE_FILE)"
    fi
    [ "$LIMIT_REACHED" = false ] || echo "- restart limit reached: the first start and $BREAKER_MAX restarts within the hour (maxRestartsPerHour = $BREAKER_MAX); not restarted until: agentctl restart"
    echo "- generation: ${generation:-$DECLARATION_SHA256} from $HERE"
    echo "- service file: $SERVICE_FILE"
    echo "- logs: $LOG_APP, $LOG_OUT, $LOG_ERR"
    echo "- health: $HEALTH_STATE ($HEALTH_TYPE: $HEALTH_OUT)${HEALTH_COMMAND:+; check by hand: $HEALTH_COMMAND}"
    PUBLISHED='' DATA=''
    published_ports list_published
    volume_dirs list_volume
    named_volumes list_volume
    [ -z "$PUBLISHED" ] || echo "- published:$PUBLISHED"
    [ -z "$DATA" ] || echo "- data (kept by uninstall unless --purge-data):$DATA"
}

# A published port (address $1, port $2, protocol $3) as ADDRESS:PORT/PROTOCOL, added to
# PUBLISHED; published_json prints it as the next element of a JSON array.
# shellcheck disable=SC2317  # called through published_ports
list_published() {
    case $1 in *:*) lp_address="[$1]" ;; *) lp_address=$1 ;; esac
    PUBLISHED="$PUBLISHED $lp_address:$2/$3"
}

# shellcheck disable=SC2317  # called through published_ports
published_json() {
    case $1 in *:*) pj_address="[$1]" ;; *) pj_address=$1 ;; esac
    json_item "$pj_address:$2/$3"
}

# $1 as the next element of a JSON array (JA_SEP: what goes before it).
# shellcheck disable=SC2317  # called through the facts' lists
json_item() {
    printf '%s' "$JA_SEP"
    json_str "$1"
    JA_SEP=,
}

# shellcheck disable=SC2317  # called through volume_dirs and named_volumes
list_volume() {
    DATA="$DATA $1"
}

cmd_preflight() {
    preflight
    if [ "$JSON" = yes ]; then
        passed=true
        [ "$PREFLIGHT_FAILED" = 1 ] && passed=false
        printf '{'
        json_pairs agent "$AGENT"
        printf ',"passed":%s,"preflight":[' "$passed"
        checks_json
        printf ']}\n'
    else
        echo "$AGENT preflight: $([ "$PREFLIGHT_FAILED" = 1 ] && echo failed || echo passed)"
        while IFS="$TAB" read -r id st d r; do
            [ -n "$id" ] || continue
            echo "- $id: $st: $d${r:+ (action: $r)}"
        done <<CHECKS
$CHECKS
CHECKS
    fi
    [ "$PREFLIGHT_FAILED" = 0 ]
}

# health_now: the agent's health at this moment, for status, doctor and `agentctl health`:
# HEALTH_STATE healthy, unhealthy or down (not running), HEALTH_OUT why, HEALTH_SINCE since
# when it is unhealthy (the wrapper's watch says when its checks began to fail, else now).
# SMS (sm_state) and, for podman, CSTATE (the container's state) are read by the caller.
health_now() {
    HEALTH_SINCE=
    if [ "$SMS" != running ]; then
        HEALTH_STATE=down HEALTH_OUT="the service manager reports it $SMS"
        return 1
    fi
    if [ "$RUNTIME" = podman ] && [ "$CSTATE" != running ]; then
        HEALTH_STATE=unhealthy HEALTH_OUT="container $CONTAINER is ${CSTATE:-absent}"
    elif health_check; then
        HEALTH_STATE=healthy
        [ -n "$HEALTH_OUT" ] || HEALTH_OUT="running, as $HEALTH_NAMED"
        return 0
    else
        HEALTH_STATE=unhealthy
    fi
    hn_word='' hn_since=''
    [ -f "$HEALTH_FILE" ] && read -r hn_word hn_since _ <"$HEALTH_FILE" 2>/dev/null
    if [ "$hn_word" = unhealthy ] && [ -n "$hn_since" ]; then
        HEALTH_SINCE=$hn_since
    else
        HEALTH_SINCE=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
    fi
    return 1
}

# FIRST_FAILURE: when and why this generation first failed to start, where that was kept.
first_failure() {
    FIRST_FAILURE=
    [ -f "$FIRST_FAILURE_FILE" ] || return 1
    { IFS= read -r ff_generation && IFS= read -r FIRST_FAILURE; } <"$FIRST_FAILURE_FILE"
    [ "$ff_generation" = "generation $GENERATION" ] && [ -n "$FIRST_FAILURE" ]
}

# The declared check, run now: exit 0 healthy, 1 unhealthy or not running.
cmd_health() {
    [ "$PLATFORM" = darwin ] && sm_look
    sm_state
    sm_pid
    CSTATE=
    [ "$RUNTIME" = podman ] && [ "$SMS" = running ] && CSTATE=$(container_state)
    sm_forget
    health_now
    hc_rc=$?
    if [ "$JSON" = yes ]; then
        printf '{'
        json_pairs agent "$AGENT" status "$HEALTH_STATE" type "$HEALTH_TYPE" check "$HEALTH_NAMED" \
            output "$HEALTH_OUT" since "$HEALTH_SINCE" serviceManager "$SMS" pid "$SMP"
        printf '}\n'
    elif [ "$HEALTH_STATE" = unhealthy ]; then
        echo "$AGENT: unhealthy since $HEALTH_SINCE: $HEALTH_OUT"
    else
        echo "$AGENT: $HEALTH_STATE ($HEALTH_TYPE: $HEALTH_OUT)"
    fi
    return "$hc_rc"
}

# --- start, stop, restart -------------------------------------------------------------
# End a verb that did not do what was asked: exit $1, the reason $2 on stderr, or with --json
# one JSON document on stdout (result "refused" or "failed", the state, any preflight).
refuse() {
    if [ "$JSON" = yes ]; then
        printf '{'
        installed_state
        json_pairs agent "$AGENT" verb "$VERB" result "$3" reason "$2" state "$INSTALLED"
        printf ',"preflight":['
        checks_json
        printf ']}\n'
    else
        printf '%s\n' "agentctl: $2" >&2
    fi
    exit "$1"
}

require_installed() {
    [ -f "$SERVICE_FILE" ] || refuse 1 "$AGENT is not installed; run: agentctl install" refused
}

require_preflight() {
    preflight
    if [ "$PREFLIGHT_FAILED" = 1 ] && [ "$ALLOW_FAILED" = no ]; then
        failing=
        while IFS="$TAB" read -r id st d r; do
            [ "$st" = fail ] && failing="$failing$NL- $id: $d${r:+ (action: $r)}"
        done <<CHECKS
$CHECKS
CHECKS
        refuse 3 "$VERB refused: preflight fails:$failing$NL(override with --allow-failed-preflight)" refused
    fi
}

result() {
    installed_state
    if [ "$JSON" = yes ]; then
        printf '{'
        json_pairs agent "$AGENT" verb "$VERB" result "$1" state "$INSTALLED"
        printf '}\n'
    else
        echo "$AGENT: $VERB: $1 (now $INSTALLED)"
    fi
}

healthy_or_fail() {
    wait_healthy || refuse 4 "$AGENT did not become healthy: $HEALTH_ERROR" failed
    record_healthy "$pid"
}

cmd_start() {
    require_installed
    require_preflight
    if [ "$PLATFORM" = darwin ]; then
        if ! sm_loaded && ! out=$(launchctl bootstrap "$DOMAIN" "$SERVICE_FILE" 2>&1); then
            refuse 1 "launchctl bootstrap failed: $(bootstrap_error "$out")" failed
        fi
        out=$(launchctl kickstart "$DOMAIN/$LABEL" 2>&1) || refuse 1 "launchctl kickstart failed: $(oneline "$out")" failed
    else
        out=$(bounded_exec 120 systemctl_ start "$UNIT_NAME" 2>&1) || refuse 1 "systemctl start failed: $(oneline "$out")" failed
    fi
    healthy_or_fail
    result started
}

# A stop that did not stop (launchd or systemd refused, or the service outlived the wait) is
# a failure, never "stopped".
cmd_stop() {
    if [ "$PLATFORM" = darwin ]; then
        bootout_and_wait || refuse 1 "$BOOTOUT_ERR" failed
    else
        if ! out=$(bounded_exec 120 systemctl_ stop "$UNIT_NAME" 2>&1); then
            case $out in *"not loaded"*) ;; *) refuse 1 "systemctl stop failed: $(oneline "$out")" failed ;; esac
        fi
    fi
    result stopped
}

cmd_restart() {
    require_installed
    require_preflight
    rm -f "$STARTS_FILE"
    if [ "$PLATFORM" = darwin ]; then
        if sm_loaded; then
            out=$(launchctl kickstart -k "$DOMAIN/$LABEL" 2>&1) || refuse 1 "launchctl kickstart failed: $(oneline "$out")" failed
        elif ! out=$(launchctl bootstrap "$DOMAIN" "$SERVICE_FILE" 2>&1); then
            refuse 1 "launchctl bootstrap failed: $(bootstrap_error "$out")" failed
        else
            out=$(launchctl kickstart "$DOMAIN/$LABEL" 2>&1) || refuse 1 "launchctl kickstart failed: $(oneline "$out")" failed
        fi
    else
        bounded 60 systemctl_ reset-failed "$UNIT_NAME" >/dev/null 2>&1
        out=$(bounded_exec 120 systemctl_ restart "$UNIT_NAME" 2>&1) || refuse 1 "systemctl restart failed: $(oneline "$out")" failed
    fi
    healthy_or_fail
    result restarted
}

# --- logs and doctor ------------------------------------------------------------------
cmd_logs() {
    set --
    for f in "$LOG_APP" "$LOG_OUT" "$LOG_ERR"; do
        [ -f "$f" ] && set -- ${1+"$@"} "$f"
    done
    if [ $# -eq 0 ]; then
        echo "agentctl: no logs yet ($LOG_APP, $LOG_OUT, $LOG_ERR)" >&2
        exit 1
    fi
    if [ "$FOLLOW" = yes ]; then
        exec tail -n "$LINES" -f "$@"
    fi
    tail -n "$LINES" "$@"
}

cmd_doctor() {
    if [ "$JSON" = yes ]; then
        # One document: the status, the preflight and the drift of what install wrote.
        status=$(cmd_status)
        preflight
        printf '{"status":%s,"preflight":{"passed":%s,"checks":[' "$status" \
            "$([ "$PREFLIGHT_FAILED" = 1 ] && echo false || echo true)"
        checks_json
        printf ']},"drift":['
        sep=
        if [ -f "$INSTALLED_SHA_FILE" ]; then
            while read -r sum path; do
                if [ ! -f "$path" ]; then
                    d=missing
                elif [ "$(sha256_of "$path")" != "$sum" ]; then
                    d=changed
                else
                    d=unchanged
                fi
                printf '%s{' "$sep"
                json_pairs path "$path" state "$d"
                printf '}'
                sep=,
            done <"$INSTALLED_SHA_FILE"
        fi
        printf ']}\n'
        [ "$PREFLIGHT_FAILED" = 0 ]
        return
    fi
    echo "== status"
    cmd_status
    echo "== preflight"
    cmd_preflight && ok=yes || ok=no
    echo "== drift"
    if [ -f "$INSTALLED_SHA_FILE" ]; then
        while read -r sum path; do
            if [ ! -f "$path" ]; then
                echo "- missing: $path"
            elif [ "$(sha256_of "$path")" != "$sum" ]; then
                echo "- changed since install: $path"
            else
                echo "- unchanged: $path"
            fi
        done <"$INSTALLED_SHA_FILE"
    else
        echo "- not installed by activate"
    fi
    [ "$ok" = yes ]
}

# --- quarantine -----------------------------------------------------------------------
# Auth configuration with every credential value replaced: compiler/host/quarantine.py's four
# patterns, for sed (a quoted value may hold escaped quotes; POSIX sed takes the longest).
redact() {
    sed -E \
        -e 's%"([A-Za-z0-9_.-]*([Aa][Uu][Tt][Hh]|[Pp][Aa][Ss][Ss][Ww]|[Tt][Oo][Kk][Ee][Nn]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Kk][Ee][Yy]|[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll]|[Cc][Oo][Oo][Kk][Ii][Ee]|[Ss][Ee][Ss][Ss][Ii][Oo][Nn])[A-Za-z0-9_.-]*)"([[:space:]]*[:=][[:space:]]*)"([^"]|\\")*"%"\1"\3"<redacted>"%g' \
        -e 's%(^|[[:space:],{;])([A-Za-z0-9_.-]*([Aa][Uu][Tt][Hh]|[Pp][Aa][Ss][Ss][Ww]|[Tt][Oo][Kk][Ee][Nn]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Kk][Ee][Yy]|[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll]|[Cc][Oo][Oo][Kk][Ii][Ee]|[Ss][Ee][Ss][Ss][Ii][Oo][Nn])[A-Za-z0-9_.-]*)([[:space:]]*=[[:space:]]*)"([^"]|\\")*"%\1\2\4"<redacted>"%g' \
        -e 's%(^|[[:space:]?&;/:])([A-Za-z0-9_.-]*([Aa][Uu][Tt][Hh]|[Pp][Aa][Ss][Ss][Ww]|[Tt][Oo][Kk][Ee][Nn]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Kk][Ee][Yy]|[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll]|[Cc][Oo][Oo][Kk][Ii][Ee]|[Ss][Ee][Ss][Ss][Ii][Oo][Nn])[A-Za-z0-9_.-]*)=([^&[:space:]"'"'"'#]+)%\1\2=<redacted>%g' \
        -e 's%(://[^/:@[:space:]"]*):([^@/[:space:]"]+)@%\1:<redacted>@%g'
}

cmd_quarantine() {
    stamp=$(date -u '+%Y%m%d-%H%M%S')
    dir=$OUTPUT_DIR/$AGENT-$stamp
    mkdir -p "$dir" || {
        echo "agentctl: cannot create $dir" >&2
        exit 1
    }
    items=
    QFAILED=0
    record() { # name status detail [step: a failed one fails the quarantine]
        flat "$3"
        items="$items$1$TAB$2$TAB$FLAT$NL"
        [ "${4:-}" = step ] && [ "$2" = failed ] && QFAILED=1
        return 0
    }
    capture() { # file command...
        out=$1
        shift
        if "$@" >"$dir/$out" 2>"$dir/$out.err"; then
            rm -f "$dir/$out.err"
            record "$out" captured ""
        else
            record "$out" failed "$(oneline "$(cat "$dir/$out.err" 2>/dev/null)")"
            rm -f "$dir/$out.err"
            [ -s "$dir/$out" ] || rm -f "$dir/$out"
        fi
    }
    if [ "$CAPTURE_RUNTIME_STATE" = yes ]; then
        # Runtime state first: once stopped, the container (run with --rm) is gone.
        # 5. service manager status
        if [ "$PLATFORM" = darwin ]; then
            capture service-status.txt launchctl print "$DOMAIN/$LABEL"
        else
            capture service-status.txt systemctl_ show "$UNIT_NAME"
        fi
    fi
    if [ "$RUNTIME" = podman ] && [ "$CAPTURE_RUNTIME_STATE" = yes ]; then
        # 6. Podman machine and engine  7. container  8. image, while they still exist
        if [ "$REQUIRE_MACHINE" = yes ]; then
            capture podman-machine.json bounded 30 podman machine inspect "$MACHINE"
        fi
        capture podman-info.json bounded 30 podman_ info --format json
        capture container-inspect.json bounded 30 podman_ container inspect "$CONTAINER"
    fi
    if [ "$RUNTIME" = podman ] && [ "$CAPTURE_IMAGE_METADATA" = yes ]; then
        # 8. image
        capture image-inspect.json bounded 30 podman_ image inspect "$IMAGE"
    fi
    # 1. stop  2. disable
    if [ "$PLATFORM" = darwin ]; then
        bootout_and_wait
        stop_out=$BOOTOUT_ERR
        if out=$(launchctl disable "$DOMAIN/$LABEL" 2>&1); then
            record disable ok "launchctl disable $DOMAIN/$LABEL"
        else
            record disable failed "$(oneline "$out")" step
        fi
    else
        stop_out=$(bounded_exec 120 systemctl_ stop "$UNIT_NAME" 2>&1)
        if out=$(bounded_exec 60 systemctl_ disable ${RUNTIME_UNITS:+--runtime} "$UNIT_NAME" 2>&1); then
            record disable ok "systemctl$SCOPE_FLAG disable ${RUNTIME_UNITS:+--runtime }$UNIT_NAME"
        else
            record disable failed "$(oneline "$out")" step
        fi
    fi
    if [ "$RUNTIME" = podman ]; then
        remove_own_container 10
    fi
    sm_state
    now_state=$SMS
    if [ "$PLATFORM" = darwin ] && sm_loaded; then
        # Still loaded: launchd keeps it alive whatever its process does now.
        record stop failed "still loaded in $DOMAIN: $(oneline "$stop_out")" step
    else
        case $now_state in
        running | starting) record stop failed "still $now_state: $(oneline "$stop_out")" step ;;
        *) record stop ok "$now_state" ;;
        esac
    fi
    # 3. move the service definition aside
    if [ -f "$SERVICE_FILE" ]; then
        name=$([ "$PLATFORM" = darwin ] && echo service.plist.disabled || echo service.unit.disabled)
        if [ "$CAPTURE_SERVICE_DEFINITION" = no ]; then
            rm -f "$SERVICE_FILE"
            record service-definition removed "$SERVICE_FILE"
        elif mv "$SERVICE_FILE" "$dir/$name"; then
            record "$name" captured "moved from $SERVICE_FILE"
        else
            record "$name" failed "cannot move $SERVICE_FILE" step
        fi
        [ "$PLATFORM" = linux ] && bounded 60 systemctl_ daemon-reload >/dev/null 2>&1
    else
        record service-definition absent "$SERVICE_FILE"
    fi
    # 4. logs
    if [ "$CAPTURE_LOGS" = yes ]; then
        for f in "$LOG_APP" "$LOG_OUT" "$LOG_ERR" "$FIRST_FAILURE_FILE"; do
            if [ -f "$f" ]; then
                if cp "$f" "$dir/${f##*/}"; then
                    record "${f##*/}" captured "$f"
                else
                    record "${f##*/}" failed "$f"
                fi
            else
                record "${f##*/}" absent "$f"
            fi
        done
    fi
    if [ "$RUNTIME" = podman ] && [ "$CAPTURE_REDACTED_AUTH_CONFIG" = yes ]; then
        # 9. auth configuration, secrets redacted
        {
            for f in "$AUTHFILE" "${DOCKER_CONFIG:-$HOME/.docker}/config.json" "${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json"; do
                [ -f "$f" ] || continue
                printf '{"file": '
                json_str "$f"
                printf ', "content": '
                redact <"$f" | tr '\n' ' '
                printf '}\n'
            done
        } >"$dir/auth-redacted.json"
        record auth-redacted.json captured "tokens, passwords and auth values redacted"
    fi
    date -u '+%Y-%m-%dT%H:%M:%SZ' >"$STATE_DIR/quarantined.at" 2>/dev/null
    printf '%s\n' "$dir" >"$STATE_DIR/quarantined" 2>/dev/null
    # 11. remediation
    {
        echo "# $AGENT quarantined"
        echo
        echo "The service was stopped, disabled and its definition moved here, with its logs and"
        echo "runtime state, at $stamp (UTC). Nothing for it is enabled on this host."
        echo
        echo "## What to look at"
        echo "- \`service-status.txt\`: what the service manager last knew (runs, last exit)."
        echo "- the logs: the last \`fail-closed\` line names the missing dependency."
        echo "- \`auth-redacted.json\`: which credential sources the runtime could see."
        echo
        echo "## To bring it back"
        echo "1. Fix the cause (see the logs and \`agentctl preflight\`)."
        if [ "$PLATFORM" = darwin ]; then
            echo "2. \`launchctl enable $DOMAIN/$LABEL\`"
        else
            echo "2. nothing to re-enable by hand"
        fi
        echo "3. Re-run activation: \`$HERE/bin/activate\`"
        echo
        echo "## To remove it for good"
        echo "\`agentctl uninstall\`"
    } >"$dir/remediation.md"
    record remediation.md captured ""
    # A secret is named with its path, never copied; the agent's data stays where it is.
    secret_files quarantined_secret
    volume_dirs quarantined_data
    named_volumes quarantined_data
    # 10. manifest of everything captured, with hashes
    {
        printf '{'
        json_pairs agent "$AGENT" label "$LABEL" quarantinedAt "$stamp" source "$HERE"
        printf ',"items":['
        sep=
        while IFS="$TAB" read -r n st d; do
            [ -n "$n" ] || continue
            sum=
            [ -f "$dir/$n" ] && sum=$(sha256_of "$dir/$n")
            printf '%s{' "$sep"
            json_pairs name "$n" status "$st" detail "$d" sha256 "$sum"
            printf '}'
            sep=,
        done <<ITEMS
$items
ITEMS
        printf ']}\n'
    } >"$dir/manifest.json"
    if [ "$JSON" = yes ]; then
        installed_state
        now=$INSTALLED
        printf '{'
        json_pairs agent "$AGENT" directory "$dir" state "$now"
        printf ',"ok":%s}\n' "$([ "$QFAILED" = 0 ] && echo true || echo false)"
    else
        echo "$AGENT quarantined to $dir"
        while IFS="$TAB" read -r n st d; do
            [ -n "$n" ] && echo "- $n: $st${d:+ ($d)}"
        done <<ITEMS
$items
ITEMS
        installed_state
        echo "- persistence: $INSTALLED"
        [ "$QFAILED" = 0 ] || echo "- not every step succeeded: see $dir/manifest.json"
    fi
    [ "$QFAILED" = 0 ] || exit 1
}

# shellcheck disable=SC2317  # called through secret_files
quarantined_secret() {
    record "secret $1" "not captured" "$2: the file stays where it is; its content is never copied"
}

# shellcheck disable=SC2317  # called through volume_dirs and named_volumes
quarantined_data() {
    record "data $1" "not captured" "left in place, untouched"
}

# --- uninstall ------------------------------------------------------------------------
cmd_uninstall() {
    uninstall_installed
    removed=$REMOVED kept=$KEPT
    if [ "$PURGE" = yes ]; then
        purge_data
        removed="$removed${PURGED:+$NL$PURGED}" kept=$KEPT
    fi
    if [ "$JSON" = yes ]; then
        installed_state
        now=$INSTALLED
        printf '{'
        json_pairs agent "$AGENT" removed "${removed%"$NL"}" kept "${kept%"$NL"}" state "$now"
        printf '}\n'
    else
        echo "$AGENT uninstalled"
        while IFS= read -r p; do
            [ -n "$p" ] && echo "- removed $p"
        done <<REMOVED
$removed
REMOVED
        while IFS= read -r p; do
            [ -n "$p" ] && echo "- kept $p"
        done <<KEPT
$kept
KEPT
        installed_state
        echo "- persistence: $INSTALLED"
    fi
}

# uninstall --purge-data: the agent's volumes too, after a confirmation (or --yes). PURGED:
# what was removed; what could not be is left in KEPT.
purge_data() {
    PURGED='' pd_list=''
    volume_dirs list_data
    named_volumes list_data
    [ -n "$pd_list" ] || return 0
    if [ "$YES" != yes ]; then
        printf '%s\n' "agentctl: remove $AGENT's data for good?$pd_list" >&2
        printf '%s' "type yes to remove it: " >&2
        pd_answer=
        read -r pd_answer </dev/tty 2>/dev/null || read -r pd_answer || pd_answer=
        if [ "$pd_answer" != yes ]; then
            echo "agentctl: data kept" >&2
            return 0
        fi
    fi
    volume_dirs purge_one
    named_volumes purge_one
    PURGED=${PURGED%"$NL"}
    KEPT=$(printf '%s' "$KEPT" | grep -v '^data ')
}

# shellcheck disable=SC2317  # called through volume_dirs and named_volumes
list_data() {
    case $1 in
    */*) [ -d "$1" ] && pd_list="$pd_list$NL  $1" ;;
    *) pd_list="$pd_list$NL  named volume $1" ;;
    esac
}

# shellcheck disable=SC2317  # called through volume_dirs and named_volumes
purge_one() {
    case $1 in
    */*)
        [ -d "$1" ] || return 0
        if rm -rf "$1"; then
            PURGED="${PURGED}data $1$NL"
        else
            KEPT="${KEPT}data $1 (could not be removed)$NL"
        fi
        ;;
    *)
        if bounded 60 podman_ volume rm --force "$1" >/dev/null 2>&1; then
            PURGED="${PURGED}named volume $1$NL"
        elif bounded 10 podman_ volume exists "$1" >/dev/null 2>&1; then
            KEPT="${KEPT}data in the named volume $1 (could not be removed)$NL"
        fi
        ;;
    esac
}

# --- main ------------------------------------------------------------------------
# The verb asked for, with its options.
agentctl_main() {
    lib_setup
    # A registered copy of agentctl lives in the state directory; the compiled tree it came
    # from is recorded beside it.
    if [ ! -f "$HERE/bin/activate" ] && [ -f "$STATE_DIR/source" ]; then
        set_sources "$(cat "$STATE_DIR/source")"
    fi

    VERB=${1:-}
    [ $# -gt 0 ] && shift
    JSON=no
    ALLOW_FAILED=no
    LINES=50
    FOLLOW=no
    OUTPUT_DIR=${HOME}/Desktop/sourceos-quarantine
    PASS=
    PURGE=no
    YES=no
    while [ $# -gt 0 ]; do
        case $1 in
        --json) JSON=yes ;;
        --allow-failed-preflight) ALLOW_FAILED=yes ;;
        -n) LINES=${2:?-n needs a number}; shift ;;
        -f) FOLLOW=yes ;;
        --output-dir) OUTPUT_DIR=${2:?--output-dir needs a directory}; shift ;;
        --stage-only | --dry-run) PASS="$PASS $1" ;;
        --purge-data) PURGE=yes ;;
        --yes) YES=yes ;;
        *)
            echo "agentctl: unknown option: $1" >&2
            exit 2
            ;;
        esac
        shift
    done

    case $VERB in
    status) cmd_status ;;
    health) cmd_health || exit 1 ;;
    preflight) cmd_preflight || exit 3 ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_restart ;;
    logs) cmd_logs ;;
    doctor) cmd_doctor || exit 1 ;;
    quarantine) cmd_quarantine ;;
    uninstall) cmd_uninstall ;;
    stage | install | activate)
        # shellcheck disable=SC2086  # PASS is a list of flags
        set -- $PASS
        [ "$VERB" = stage ] && set -- ${1+"$@"} --stage-only
        [ "$ALLOW_FAILED" = yes ] && set -- ${1+"$@"} --allow-failed-preflight
        [ "$JSON" = yes ] && set -- ${1+"$@"} --json
        exec "$HERE/bin/activate" ${1+"$@"}
        ;;
    '' | -h | --help | help) usage ;;
    *)
        echo "agentctl: unknown verb: $VERB" >&2
        usage >&2
        exit 2
        ;;
    esac
}

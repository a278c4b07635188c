# shellcheck shell=sh
# shellcheck disable=SC2154,SC2153  # the facts are assigned in the generated part
# bin/activate: guarded activation of one agent (DESIGN.md section 5). This file, then
# common.sh and lib.sh, are agentc's static library, the same for every agent; the agent's
# facts end the script, with the call of activate_main that runs it.
#
# Order (spec section 10): evaluate, lint wrapper, lint service definition,
# preflight, install only if preflight passed, enable only if install succeeded,
# start only if enable succeeded, health, emit status. A failed preflight stages
# the agent and enables nothing; a failure after install is rolled back.
#
# Usage: activate [--stage-only] [--dry-run] [--allow-failed-preflight] [--json]
# Exit: 0 done, 1 lint failed, 2 usage, 3 preflight failed (staged),
#       4 install/enable/start/health failed (rolled back), 5 locked.

# --- the report -----------------------------------------------------------------------
usage() {
    echo "usage: activate [--stage-only] [--dry-run] [--allow-failed-preflight] [--json]"
}

# Here-documents, not pipelines, feed the loops: no subshell forks.
report_json() {
    allow=false
    [ "$ALLOW_FAILED" = yes ] && allow=true
    printf '{'
    json_pairs agent "$AGENT" state "$STATE" platform "$PLATFORM" declarationSha256 "$DECLARATION_SHA256"
    printf ',"allowFailedPreflight":%s,"unchanged":%s,"steps":[' "$allow" "$UNCHANGED"
    sep=
    while IFS="$TAB" read -r s st d; do
        [ -n "$s" ] || continue
        printf '%s{' "$sep"
        json_pairs step "$s" status "$st" detail "$d"
        printf '}'
        sep=,
    done <<STEPS
$STEPS
STEPS
    printf ']'
    if [ -n "$HEALTH_REPORT" ]; then # the check, what it said last, and how long it took
        printf ',"health":{'
        json_pairs type "$HEALTH_TYPE" check "$HEALTH_NAMED" status "$HEALTH_REPORT" output "$HEALTH_OUT"
        printf ',"seconds":%s,"settleSeconds":%s}' "${HEALTH_SECONDS:-0}" "$SETTLE"
    fi
    printf ',"preflight":['
    checks_json
    printf '],"remediation":['
    sep=
    while IFS= read -r r; do
        [ -n "$r" ] || continue
        printf '%s' "$sep"
        json_str "$r"
        sep=,
    done <<REMEDIATION
$REMEDIATION
REMEDIATION
    printf ']}\n'
}

# TITLE: the heading a check is reported under (a variable, not output: no subshell).
check_title() {
    case $1 in
    podman-machine-exists | podman-machine-running) TITLE="podman machine" ;;
    podman-socket) TITLE=socket ;;
    rootless-subids | rootless-uidmap | rootless-network) TITLE="rootless podman" ;;
    local-image | image-tag) TITLE=image ;;
    authfile | host-auth-isolation | credential-helper) TITLE=auth ;;
    volume-source) TITLE=volumes ;;
    secret-file) TITLE=secrets ;;
    port-free) TITLE=ports ;;
    resource-limits) TITLE=limits ;;
    health-tool) TITLE=health ;;
    log-directory) TITLE=logs ;;
    label-not-disabled | label-not-conflicting) TITLE=label ;;
    service-not-duplicated) TITLE="legacy service" ;;
    *) TITLE=$1 ;;
    esac
}

report_text() {
    if [ -n "$CHECKS" ]; then
        if [ "$PREFLIGHT_FAILED" = 1 ]; then
            echo "$AGENT preflight: failed"
        else
            echo "$AGENT preflight: passed"
        fi
        # Failures and warnings, then what passed of the machine, image and authfile: one pass.
        passed=
        while IFS="$TAB" read -r id st d r; do
            case $st in
            fail) check_title "$id" && echo "- $TITLE: $d" ;;
            warn) check_title "$id" && echo "- $TITLE: $d (warning)" ;;
            pass)
                case $id in
                podman-machine-exists | local-image | authfile)
                    check_title "$id" && passed="$passed- $TITLE: $d$NL"
                    ;;
                esac
                ;;
            esac
        done <<CHECKS
$CHECKS
CHECKS
        printf '%s' "$passed"
    elif [ "$UNCHANGED" = true ]; then
        echo "$AGENT preflight: skipped, unchanged"
    else
        echo "$AGENT preflight: not run"
    fi
    while IFS= read -r r; do
        [ -n "$r" ] && echo "- action: run \`$r\`"
    done <<REMEDIATION
$REMEDIATION
REMEDIATION
    while IFS="$TAB" read -r s st d; do
        case $st in fail) echo "- $s failed: $d" ;; esac
    done <<STEPS
$STEPS
STEPS
    case $STATE in
    staged) echo "- persistence: staged but not enabled${STAGED_NOW:+ (see $STAGED_DIR/remediation.txt)}" ;;
    running)
        if [ "$UNCHANGED" = true ]; then
            echo "- persistence: installed, enabled and running (unchanged)"
        else
            echo "- persistence: installed, enabled and running"
        fi
        ;;
    enabled) echo "- persistence: installed and enabled, not running" ;;
    installed) echo "- persistence: installed, not enabled" ;;
    absent) echo "- persistence: nothing installed" ;;
    esac
    [ "$ALLOW_FAILED" = yes ] && [ "$PREFLIGHT_FAILED" = 1 ] && echo "- note: installed despite a failed preflight (--allow-failed-preflight)"
    [ -n "$RECOVERED" ] && echo "- note: $RECOVERED"
    return 0
}

finish() {
    manager_unlock
    step status pass "$STATE"
    if [ "$DRY_RUN" = no ] && [ -d "$STATE_DIR" ]; then
        if [ "$LOCKED" = yes ]; then # written in the lock directory; renamed in whole by one mv
            if report_json >"$LOCK_DIR/status.json"; then
                if [ "$PROVENANCE" = pending ]; then
                    mv -f "$LOCK_DIR/provenance.json" "$LOCK_DIR/status.json" "$STATE_DIR/"
                else
                    mv -f "$LOCK_DIR/status.json" "$STATE_DIR/"
                fi
            fi
        elif report_json >"$STATE_DIR/.status.json.$$"; then
            mv -f "$STATE_DIR/.status.json.$$" "$STATE_DIR/status.json"
        fi
        if [ "$LOCKED" = yes ]; then  # journal and lock in one process; the EXIT trap is left none
            rm -rf "$STATE_DIR/journal" "$LOCK_DIR"
            LOCKED=no
        else
            rm -f "$STATE_DIR/journal"
        fi
    fi
    if [ "$JSON" = yes ]; then
        report_json
    else
        report_text
    fi
    exit "$EXIT"
}

journal() {
    [ "$DRY_RUN" = yes ] && return 0
    printf '%s\n' "$1" >>"$STATE_DIR/journal"
    # Test hook: die as if killed at this step boundary (tests prove the next run repairs it).
    if [ "${SOURCEOS_AGENT_TEST_KILL_AT:-}" = "$1" ]; then
        kill -9 $$
    fi
}

# --- the lock: one activation at a time, stale locks recovered --------------------
# shellcheck disable=SC2317  # called from the EXIT trap
release_lock() {
    manager_unlock
    if [ "$LOCKED" = yes ]; then
        rm -rf "$LOCK_DIR"
        LOCKED=no
    fi
}

acquire_lock() {
    lock=$LOCK_DIR
    if mkdir "$lock" 2>/dev/null; then
        echo "$$" >"$lock/pid"
        LOCKED=yes
        return 0
    fi
    holder=$(cat "$lock/pid" 2>/dev/null)
    if [ -z "$holder" ]; then
        sleep 1
        holder=$(cat "$lock/pid" 2>/dev/null)
    fi
    if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
        LOCK_HOLDER=$holder
        return 1
    fi
    mv "$lock" "$lock.stale.$$" 2>/dev/null || return 1
    rm -rf "$lock.stale.$$"
    mkdir "$lock" 2>/dev/null || return 1
    echo "$$" >"$lock/pid"
    LOCKED=yes
    RECOVERED="recovered a stale lock left by process ${holder:-unknown}"
    return 0
}

# One change to the service manager at a time, across agents: a daemon-reload while another
# unit starts can lose that unit's readiness notification (measured: of five agents activated
# together, one's start failed so, now and then). Install, enable and start, and a rollback,
# hold this lock; preflight and the health wait do not, so agents activated together still
# overlap their waits. A lock whose holder is gone is taken over.
manager_lock() {
    [ "$PLATFORM" = linux ] && [ "$MANAGER_LOCKED" = no ] || return 0
    ml_tries=0
    while ! mkdir "$MANAGER_LOCK" 2>/dev/null; do
        ml_holder=$(cat "$MANAGER_LOCK/pid" 2>/dev/null)
        if [ -n "$ml_holder" ] && ! kill -0 "$ml_holder" 2>/dev/null; then
            mv "$MANAGER_LOCK" "$MANAGER_LOCK.stale.$$" 2>/dev/null && rm -rf "$MANAGER_LOCK.stale.$$"
            continue
        fi
        ml_tries=$((ml_tries + 1))
        [ "$ml_tries" -lt 600 ] || return 0 # two minutes: go on rather than hang a switch
        pause
    done
    echo "$$" >"$MANAGER_LOCK/pid"
    MANAGER_LOCKED=yes
}

manager_unlock() {
    [ "$MANAGER_LOCKED" = yes ] || return 0
    rm -rf "$MANAGER_LOCK"
    MANAGER_LOCKED=no
}

# --- steps -----------------------------------------------------------------------
evaluate() {
    manifest=$HERE/manifest.json
    if [ ! -f "$manifest" ]; then
        step evaluate fail "no manifest.json beside bin/activate"
        return 1
    fi
    # One awk pass: "sum  path" per artifact, then the declaration hash on the last line.
    listed=$(awk -F'"' '/^  "declarationSha256": / {decl=$4} /^    "[^"]+": \{$/ {path=$2}
        /"sha256":/ {print $4 "  " path} END {print decl}' "$manifest")
    recorded=${listed##*"$NL"}
    case $listed in *"$NL"*) listed=${listed%"$NL"*} ;; *) listed= ;; esac
    if [ "$recorded" != "$DECLARATION_SHA256" ]; then
        step evaluate fail "manifest.json declares ${recorded:-no} declaration hash, this script embeds $DECLARATION_SHA256: recompile"
        return 1
    fi
    sha256_check "$HERE" "$listed"
    if [ -n "$BAD" ]; then
        step evaluate fail "artifacts differ from manifest.json: $(oneline "$BAD")"
        return 1
    fi
    step evaluate pass "declaration $DECLARATION_SHA256 (agentc $AGENTC_VERSION)"
}

lint_wrapper() {
    if ! sh -n "$WRAPPER_SOURCE" 2>/dev/null; then
        check wrapper-lint fail "$WRAPPER_NAME does not parse as sh" "recompile with agentc"
        step lint-wrapper fail "the wrapper does not parse"
        return 1
    fi
    set --
    while IFS= read -r pattern; do
        [ -n "$pattern" ] && set -- ${1+"$@"} -e "$pattern"
    done <<PATTERNS
$GNU_PATTERNS
PATTERNS
    found=
    while IFS= read -r hit; do # "line:text" of each match; a comment line is no finding
        [ -n "$hit" ] || continue
        code=${hit#*:}
        while :; do
            case $code in " "* | "$TAB"*) code=${code#?} ;; *) break ;; esac
        done
        case $code in "#"*) ;; *) found="$found$hit$NL" ;; esac
    done <<HITS
$(grep -nE "$@" "$WRAPPER_SOURCE")
HITS
    found=${found%"$NL"}
    if [ -n "$found" ]; then
        check wrapper-lint fail "GNU-only or bash-only syntax: $(oneline "$(first_lines 3 "$found")")" "recompile with agentc; the wrapper must be POSIX sh"
        step lint-wrapper fail "non-portable syntax in $WRAPPER_NAME"
        return 1
    fi
    detail="POSIX sh, no GNU-only syntax"
    if command -v shellcheck >/dev/null 2>&1; then
        if ! sc=$(shellcheck -s sh -S warning -f gcc "$WRAPPER_SOURCE" 2>&1); then
            check wrapper-lint fail "shellcheck: $(oneline "$sc")" "recompile with agentc"
            step lint-wrapper fail "shellcheck findings"
            return 1
        fi
        detail="$detail, shellcheck clean"
    fi
    check wrapper-lint pass "$detail"
    step lint-wrapper pass "$detail"
}

lint_service_definition() {
    if [ ! -f "$SERVICE_SOURCE" ]; then
        check service-definition-lint fail "missing $SERVICE_SOURCE" "recompile with agentc"
        step lint-service-definition fail "missing service definition"
        return 1
    fi
    unbounded_restarts
    if [ "$PLATFORM" = darwin ]; then
        if [ -n "$UNBOUNDED" ]; then
            check service-definition-lint fail "KeepAlive is a bare true" "recompile with agentc"
            step lint-service-definition fail "KeepAlive = true"
            return 1
        fi
        if command -v plutil >/dev/null 2>&1 && ! out=$(plutil -lint "$SERVICE_SOURCE" 2>&1); then
            check service-definition-lint fail "plutil: $out" "recompile with agentc"
            step lint-service-definition fail "invalid plist"
            return 1
        fi
        check service-definition-lint pass "$PLIST_NAME"
        step lint-service-definition pass "$PLIST_NAME"
        return 0
    fi
    if [ -n "$UNBOUNDED" ]; then
        check service-definition-lint fail "unbounded restart: $UNBOUNDED" "recompile with agentc"
        step lint-service-definition fail "restart policy"
        return 1
    fi
    if [ "$DRY_RUN" = no ] && command -v systemd-analyze >/dev/null 2>&1; then
        # Verified under its own name in the lock directory this activation holds: the lock's
        # release removes it, and nothing is written to /tmp.
        lock=$LOCK_DIR
        if ! cp "$SERVICE_SOURCE" "$lock/$UNIT_NAME" 2>/dev/null; then
            out="cannot copy the unit into $lock to verify it"
        elif [ "$SCOPE" = user ]; then
            out=$(
                # shellcheck disable=SC2030  # for systemd-analyze in this subshell only
                export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$lock}"
                bounded_exec 30 systemd-analyze --user verify "$lock/$UNIT_NAME" 2>&1
            )
        else
            out=$(bounded_exec 30 systemd-analyze verify "$lock/$UNIT_NAME" 2>&1)
        fi
        if [ -n "$out" ]; then
            check service-definition-lint fail "systemd-analyze verify: $(oneline "$out")" "recompile with agentc"
            step lint-service-definition fail "systemd-analyze verify reported problems"
            return 1
        fi
        check service-definition-lint pass "$UNIT_NAME, systemd-analyze verify clean"
        step lint-service-definition pass "$UNIT_NAME verified"
        return 0
    fi
    check service-definition-lint pass "$UNIT_NAME"
    step lint-service-definition pass "$UNIT_NAME"
}

# UNBOUNDED=what in the service definition lets the manager restart without bound (a plist's
# bare `KeepAlive` true and a unit's Restart=always, unless the declaration waived
# unbounded-keepalive; a unit that restarts without a start limit in [Unit], or with start
# limits outside it, where systemd ignores them), else empty. Read in this shell: no process.
unbounded_restarts() {
    UNBOUNDED='' ub_section='' ub_key=no ub_restart=no ub_burst=no ub_interval=no
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "$ub_key" = yes ]; then # the value after <key>KeepAlive</key>
            ub_key=no
            case $line in *"<true/>"*) [ "$KEEPALIVE_WAIVED" = yes ] || UNBOUNDED="KeepAlive true" ;; esac
            continue
        fi
        case $line in
        *"<key>KeepAlive</key>"*) ub_key=yes ;;
        "["*) ub_section=$line ;;
        Restart=no) ;;
        Restart=always*)
            ub_restart=yes
            [ "$KEEPALIVE_WAIVED" = yes ] || UNBOUNDED=Restart=always
            ;;
        Restart=*) ub_restart=yes ;;
        StartLimit*)
            if [ "$ub_section" != "[Unit]" ]; then
                UNBOUNDED="$line outside [Unit]"
            else
                case $line in
                StartLimitBurst=[1-9]*) ub_burst=yes ;;
                StartLimitIntervalSec=[1-9]*) ub_interval=yes ;;
                esac
            fi
            ;;
        esac
    done <"$SERVICE_SOURCE"
    if [ -z "$UNBOUNDED" ] && [ "$ub_restart" = yes ] && [ "$ub_burst$ub_interval" != yesyes ]; then
        UNBOUNDED="restarts without StartLimitBurst and a non-zero StartLimitIntervalSec in [Unit]"
    fi
}

stage() {
    staged=$STAGED_DIR
    [ ! -e "$staged.new" ] || rm -rf "$staged.new"
    mkdir -p "$staged.new" || return 1
    cp "$WRAPPER_SOURCE" "$HERE/manifest.json" "$staged.new/" &&
        rendered_service >"$staged.new/${SERVICE_SOURCE##*/}" || return 1
    {
        echo "$AGENT was staged, not installed, by the activation of $INVOKED_AT."
        if [ "$PREFLIGHT_FAILED" = 1 ]; then
            echo "Preflight failed:"
            while IFS="$TAB" read -r id st d r; do
                [ "$st" = fail ] && echo "- $id: $d"
            done <<CHECKS
$CHECKS
CHECKS
            echo "To fix it:"
            while IFS= read -r r; do
                [ -n "$r" ] && echo "- $r"
            done <<REMEDIATION
$REMEDIATION
REMEDIATION
        else
            echo "Preflight passed (staged on request with --stage-only)."
        fi
        echo "Then run: $HERE/bin/activate"
    } >"$staged.new/remediation.txt"
    [ ! -e "$staged" ] || rm -rf "$staged"
    mv "$staged.new" "$staged"
}

# Register the agent for `sourceos-agent`: its agentctl, manifest and compiled tree. (Under
# the lock: the manifest and the tree's path are written in the lock directory, then renamed
# into the state directory, each whole, by one mv; what a failure leaves goes with the lock.)
register() {
    { [ -d "$STATE_BIN_DIR" ] || mkdir -p "$STATE_BIN_DIR"; } &&
        install_atomic "$STATE_BIN_DIR/agentctl" "$HERE/bin/agentctl" &&
        cp "$HERE/manifest.json" "$LOCK_DIR/manifest.json" 2>/dev/null &&
        { printf '%s\n' "$HERE" >"$LOCK_DIR/source"; } 2>/dev/null &&
        mv -f "$LOCK_DIR/manifest.json" "$LOCK_DIR/source" "$STATE_DIR/"
}

# What uninstall may remove: each installed file with its hash at install time.
record_installed() {
    write_atomic "$INSTALLED_SHA_FILE" 644 \
        sha256_list "$SERVICE_FILE" "$WRAPPER_FILE" ${CREATED_AUTHFILE:+"$CREATED_AUTHFILE"}
}

# write_atomic DEST MODE COMMAND...: COMMAND's output replaces DEST all at once, with MODE
# 600 or 644. The temporary sibling is created new (noclobber) with MODE through the umask:
# no chmod process. No subshell: every shell here goes on after a failed redirection (of a
# function or builtin too), and the umask is set back to the 022 the script's head set.
write_atomic() {
    dest=$1 mode=$2
    shift 2
    atomic_tmp "$dest"
    [ "$mode" != 600 ] || umask 077
    set -C
    { "$@" >"$tmp"; } 2>/dev/null
    wa_rc=$?
    set +C
    umask 022
    atomic_finish "$wa_rc" "$dest"
}

# install_atomic DEST SRC: an executable (755) copy of SRC replaces DEST all at once.
# install(1) copies and sets the mode in one process, where cat and chmod take two.
install_atomic() {
    atomic_tmp "$1"
    install -c -m 755 "$2" "$tmp" 2>/dev/null
    atomic_finish $? "$1"
}

# tmp=DEST's temporary sibling, with nothing in its place.
atomic_tmp() {
    tmp="${1%/*}/.${1##*/}.tmp.$$"
    if [ -e "$tmp" ] || [ -h "$tmp" ]; then
        rm -f "$tmp"
    fi
}

# atomic_finish STATUS DEST: after a write of status STATUS, the temporary sibling renamed
# over DEST; where either failed, the sibling is removed and DEST left as it was.
atomic_finish() {
    if [ "$1" = 0 ] && mv -f "$tmp" "$2"; then
        return 0
    fi
    rm -f "$tmp"
    return 1
}

installed_identical() {
    [ -f "$SERVICE_FILE" ] && [ -f "$WRAPPER_FILE" ] &&
        cmp -s "$WRAPPER_SOURCE" "$WRAPPER_FILE" &&
        rendered_service | cmp -s - "$SERVICE_FILE"
}

backup_previous() {
    [ ! -e "$STATE_DIR/previous" ] || rm -rf "$STATE_DIR/previous"
    if [ -f "$SERVICE_FILE" ] || [ -f "$WRAPPER_FILE" ]; then
        mkdir -p "$STATE_DIR/previous"
        [ -f "$SERVICE_FILE" ] && cp -p "$SERVICE_FILE" "$STATE_DIR/previous/service"
        [ -f "$WRAPPER_FILE" ] && cp -p "$WRAPPER_FILE" "$STATE_DIR/previous/wrapper"
        sm_enabled && : >"$STATE_DIR/previous/enabled"
        sm_state
        [ "$SMS" = running ] && : >"$STATE_DIR/previous/running"
    fi
    return 0
}

install_files() {
    set -- "${LOG_APP%/*}" "${LOG_OUT%/*}" "${LOG_ERR%/*}" "$STATE_BIN_DIR" "${SERVICE_FILE%/*}"
    if [ "$RUNTIME" = podman ] && [ "$AUTH_MODE" = empty-authfile ]; then
        [ -f "$AUTHFILE" ] || set -- ${1+"$@"} "${AUTHFILE%/*}"
        mkdir -p "$@" || return 1
        if [ ! -f "$AUTHFILE" ]; then
            write_atomic "$AUTHFILE" 600 printf '%s\n' '{"auths":{}}' || return 1
            CREATED_AUTHFILE=$AUTHFILE
        fi
    else
        mkdir -p "$@" || return 1
    fi
    install_atomic "$WRAPPER_FILE" "$WRAPPER_SOURCE" || return 1
    write_atomic "$SERVICE_FILE" 644 rendered_service || return 1
    # The manager reads the new unit now: `systemctl enable` reloads it only when the enabling
    # links change, and an agent enabled before keeps them (its restart would run the old unit).
    if [ "$PLATFORM" = linux ]; then
        bounded 60 systemctl_ daemon-reload || return 1
    fi
}

enable_service() {
    if [ "$PLATFORM" = darwin ]; then
        if label_disabled; then
            launchctl enable "$DOMAIN/$LABEL" || return 1
            WE_ENABLED_OVERRIDE=yes
        fi
        if sm_loaded && ! bootout_and_wait; then
            ENABLE_ERROR=$BOOTOUT_ERR
            return 1
        fi
        if ! out=$(launchctl bootstrap "$DOMAIN" "$SERVICE_FILE" 2>&1); then
            ENABLE_ERROR=$(bootstrap_error "$out")
            return 1
        fi
    else
        if ! out=$(bounded_exec 60 systemctl_ enable ${RUNTIME_UNITS:+--runtime} "$UNIT_NAME" 2>&1); then
            ENABLE_ERROR=$(oneline "$out")
            return 1
        fi
    fi
}

start_service() {
    if [ "$PLATFORM" = darwin ]; then
        out=$(launchctl kickstart "$DOMAIN/$LABEL" 2>&1) || {
            START_ERROR=$(oneline "$out")
            return 1
        }
    else
        verb=start
        [ -f "$STATE_DIR/previous/running" ] && verb=restart
        # An operator's activation is a first start: the start limit counts from here.
        bounded 60 systemctl_ reset-failed "$UNIT_NAME" >/dev/null 2>&1
        if ! out=$(bounded_exec 120 systemctl_ "$verb" "$UNIT_NAME" 2>&1); then
            # `protocol`: the manager saw the main process exit before its readiness arrived.
            # Podman's notification through conmon loses that race now and then on a loaded
            # host (measured: one agent in a few switches of 20 rootless agents on 2 cores),
            # while the container started: one more start, which the breaker counts.
            [ "$(systemctl_ show -p Result --value "$UNIT_NAME" 2>/dev/null)" = protocol ] || {
                START_ERROR=$(oneline "$out")
                return 1
            }
            bounded 60 systemctl_ reset-failed "$UNIT_NAME" >/dev/null 2>&1
            out=$(bounded_exec 120 systemctl_ start "$UNIT_NAME" 2>&1) || {
                START_ERROR="$(oneline "$out") (a second start, after the first lost its readiness notification)"
                return 1
            }
            START_NOTE=" (a second start: the first one's readiness notification was lost)"
        fi
    fi
}

undo() {
    stop_and_disable
    if [ "$PLATFORM" = darwin ] && [ "$WE_ENABLED_OVERRIDE" = yes ]; then
        launchctl disable "$DOMAIN/$LABEL" >/dev/null 2>&1
    fi
    rm -f "$SERVICE_FILE" "$WRAPPER_FILE"
    if [ "$RUNTIME" = podman ]; then
        remove_own_container 0
    fi
    prev=$STATE_DIR/previous
    if [ -d "$prev" ]; then
        [ -f "$prev/service" ] && cp -p "$prev/service" "$SERVICE_FILE"
        [ -f "$prev/wrapper" ] && cp -p "$prev/wrapper" "$WRAPPER_FILE"
        if [ "$PLATFORM" = linux ]; then
            bounded 60 systemctl_ daemon-reload >/dev/null 2>&1
            [ -f "$prev/enabled" ] && bounded 60 systemctl_ enable ${RUNTIME_UNITS:+--runtime} "$UNIT_NAME" >/dev/null 2>&1
            [ -f "$prev/running" ] && bounded 120 systemctl_ start "$UNIT_NAME" >/dev/null 2>&1
        elif [ -f "$prev/enabled" ]; then
            launchctl bootstrap "$DOMAIN" "$SERVICE_FILE" >/dev/null 2>&1
        fi
        echo "restored the previous generation"
    else
        [ "$PLATFORM" = linux ] && bounded 60 systemctl_ daemon-reload >/dev/null 2>&1
        echo "removed everything this run installed"
    fi
}

rollback() {
    step "$1" fail "$2"
    [ "$1" = install ] || keep_first_failure "$1 failed: $2"
    manager_lock
    what=$(undo)
    manager_unlock
    step rollback pass "$what"
    REMEDIATION="${REMEDIATION}$HERE/bin/agentctl logs -n 50$NL"
    installed_state
    STATE=$INSTALLED
    EXIT=4
    finish
}

# <state>/provenance.json (spec section 7): the image this generation runs, by ID, and since
# when this host has had it. Podman records no pull time: pulledAt is when activation first
# saw this image ID (a changed ID is a new pull or load).
record_provenance() {
    [ "$RUNTIME" = podman ] || return 0
    id=$(bounded_exec 30 podman_ image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null) || return 0
    case $id in sha256:*) ;; *) id=sha256:$id ;; esac
    file=$PROVENANCE_FILE
    # firstSeenAt: when activation first ran this image id here. pulledAt: when the image came
    # to this host under a name, as Podman recorded it (its first tag event for this id: a
    # pull, a load, or `podman tag` after a pull); null where Podman's event log no longer has
    # it, never the time activation first saw it. Both are kept while the id is the same: the
    # event log is read once per image, not at every activation.
    seen='' pulled=''
    if [ -f "$file" ] && IFS= read -r line <"$file"; then # one line; read in the shell
        case $line in
        *'"imageId":"'"$id"'"'*'"firstSeenAt":"'*)
            pulled=${line#*'"pulledAt":'}
            pulled=${pulled%%,*}
            pulled=${pulled#'"'}
            pulled=${pulled%'"'}
            seen=${line#*'"firstSeenAt":"'}
            seen=${seen%%'"'*}
            ;;
        esac
    fi
    if [ -z "$seen" ]; then
        seen=$INVOKED_AT
        pulled=$(bounded_exec 15 podman_ events --stream=false --filter event=tag --filter "image=${id#sha256:}" --format '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' 2>/dev/null)
        pulled=${pulled%%"$NL"*}
    fi
    # In the lock directory: finish renames it into the state directory with status.json.
    {
        printf '{'
        json_pairs agent "$AGENT" runtimeImage "$IMAGE" sourceImage "$SOURCE_IMAGE" imageId "$id"
        case $pulled in
        [0-9][0-9][0-9][0-9]-*Z) printf ',"pulledAt":"%s"' "$pulled" ;;
        *) printf ',"pulledAt":null' ;;
        esac
        printf ','
        json_pairs firstSeenAt "$seen" runtimeAuth "$AUTH_MODE" pullAuth "$PULL_AUTH"
        printf '}\n'
    } >"$LOCK_DIR/provenance.json" && PROVENANCE=pending
}

skip_rest() {
    for s in ${1+"$@"}; do
        step "$s" skip "$SKIP_REASON"
    done
}

# The options: STAGE_ONLY, DRY_RUN, ALLOW_FAILED, JSON; a usage error exits 2.
parse_options() {
    STAGE_ONLY=no
    DRY_RUN=no
    ALLOW_FAILED=no
    JSON=no
    while [ $# -gt 0 ]; do
        case $1 in
        --stage-only) STAGE_ONLY=yes ;;
        --dry-run) DRY_RUN=yes ;;
        --allow-failed-preflight) ALLOW_FAILED=yes ;;
        --json) JSON=yes ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "activate: unknown option: $1" >&2
            usage >&2
            exit 2
            ;;
        esac
        shift
    done
}

# The state directory and the lock (exit 5 while another activation holds it), and what an
# interrupted activation's journal says. Nothing under --dry-run.
begin() {
    STATE=absent
    EXIT=0
    STAGED_NOW=
    CREATED_AUTHFILE=
    UNCHANGED=false
    MANAGER_LOCKED=no MANAGER_LOCK=${STATE_DIR%/*}/.manager.lock START_NOTE=
    HEALTH_REPORT='' HEALTH_OUT='' HEALTH_SECONDS=0
    LOCKED=no
    RECOVERED=
    WE_ENABLED_OVERRIDE=no
    PROVENANCE=
    [ "$DRY_RUN" = no ] || return 0
    # bin/ with it: registration (staged or installed) writes there, and one mkdir is one
    # process, not two.
    if ! { [ -d "$STATE_BIN_DIR" ] || mkdir -p "$STATE_BIN_DIR" 2>/dev/null; }; then
        step evaluate fail "cannot create the state directory $STATE_DIR"
        EXIT=1
        finish
    fi
    if ! acquire_lock; then
        installed_state
        STATE=$INSTALLED
        step lock fail "another activation (process ${LOCK_HOLDER:-unknown}) holds $LOCK_DIR"
        EXIT=5
        if [ "$JSON" = yes ]; then report_json; else report_text; fi
        exit 5
    fi
    trap release_lock EXIT
    trap 'exit 130' INT TERM HUP
    if [ -f "$STATE_DIR/journal" ]; then
        RECOVERED="${RECOVERED:+$RECOVERED; }repairing an activation that stopped after: $(tail -n 1 "$STATE_DIR/journal")"
        rm -f "$STATE_DIR/journal"
    fi
}

# A check before preflight failed: the activation ends (exit 1), with nothing changed.
check_failed() {
    installed_state
    STATE=$INSTALLED
    EXIT=1
    finish
}

# enable = false: the agent must be absent, whatever an earlier generation installed.
remove_disabled() {
    SKIP_REASON="enable = false"
    skip_rest lint-wrapper lint-service-definition preflight install enable start health
    installed_state
    was=$INSTALLED
    if [ "$DRY_RUN" = yes ]; then
        step uninstall skip "dry run: would uninstall ($was now)"
    elif [ "$was" = absent ] && [ ! -f "$INSTALLED_SHA_FILE" ]; then
        rm -rf "$STATE_DIR"
        step uninstall pass "nothing was installed"
    else
        journal uninstall
        manager_lock
        uninstall_installed
        manager_unlock
        step uninstall pass "was $was; removed: $(oneline "${REMOVED:-nothing}")${KEPT:+; kept: $(oneline "$KEPT")}"
    fi
    installed_state
    STATE=$INSTALLED
    finish
}

# Preflight, reported as one step naming the checks that failed.
preflight_step() {
    journal preflight
    preflight
    if [ "$PREFLIGHT_FAILED" = 1 ]; then
        failed=
        while IFS="$TAB" read -r id st rest; do
            [ "$st" = fail ] && failed="${failed:+$failed, }$id"
        done <<CHECKS
$CHECKS
CHECKS
        step preflight fail "$failed"
    else
        step preflight pass "all checks passed"
    fi
}

# A dry run, --stage-only, or a failed preflight (without --allow-failed-preflight) ends here:
# staged with its remediation (exit 3 on a failed preflight), nothing installed or enabled.
stage_or_go_on() {
    [ "$DRY_RUN" = yes ] || [ "$STAGE_ONLY" = yes ] ||
        { [ "$PREFLIGHT_FAILED" = 1 ] && [ "$ALLOW_FAILED" = no ]; } || return 0
    if [ "$DRY_RUN" = yes ]; then
        SKIP_REASON="dry run: nothing written"
        installed_state
        STATE=$INSTALLED
    else
        journal stage
        if stage && register; then
            STAGED_NOW=yes
            step stage pass "artifacts and remediation.txt in $STAGED_DIR"
        else
            step stage fail "cannot write $STAGED_DIR"
        fi
        SKIP_REASON="preflight failed: nothing installed or enabled"
        [ "$STAGE_ONLY" = yes ] && SKIP_REASON=--stage-only
        STATE=staged
        if [ -f "$SERVICE_FILE" ]; then
            installed_state
            RECOVERED="${RECOVERED:+$RECOVERED; }an earlier generation is still installed ($INSTALLED) and was left as it was"
        fi
    fi
    skip_rest install enable start health
    if [ "$PREFLIGHT_FAILED" = 1 ]; then EXIT=3; fi
    finish
}

# This generation is installed, enabled and running the very process (and container) the
# activation that started it saw healthy: a switch in which the agent did not change costs a
# few looks, with no lint, preflight, container or wait. Anything else goes the whole way.
unchanged_fast() {
    [ "$DRY_RUN" = no ] && [ "$STAGE_ONLY" = no ] && [ -z "$RECOVERED" ] &&
        [ -f "$HEALTHY_FILE" ] && read -r uf_sha uf_pid uf_cid <"$HEALTHY_FILE" &&
        [ "$uf_sha" = "$DECLARATION_SHA256" ] || return 0
    installed_identical && sm_enabled && sm_state && [ "$SMS" = running ] || return 0
    sm_pid
    [ "$SMP" = "$uf_pid" ] || return 0
    if [ "$uf_cid" != - ]; then
        uf_now= # no newline after the ID: read fails at the end, having read it
        IFS= read -r uf_now <"$CIDFILE" 2>/dev/null
        [ "$uf_now" = "$uf_cid" ] || return 0
    fi
    # A declared check is cheap and bounded: it runs once. One that fails sends the agent the
    # whole way (its restart, or its rollback to what last passed).
    health_check || return 0
    SKIP_REASON="unchanged: this generation runs, as its activation saw it healthy"
    skip_rest lint-wrapper lint-service-definition preflight install enable start
    HEALTH_REPORT=pass HEALTH_SECONDS=0
    step health pass "the same process ($SMP) the last activation saw healthy${HEALTH_OUT:+; $HEALTH_OUT}"
    UNCHANGED=true
    STATE=running
    finish
}

# This generation already installed, enabled and healthy: nothing to do.
unchanged_or_go_on() {
    installed_identical && sm_enabled && sm_state && [ "$SMS" = running ] && wait_healthy || return 0
    record_healthy "$pid"
    HEALTH_REPORT=pass
    SKIP_REASON="unchanged: this generation is already installed, enabled and healthy"
    skip_rest install enable start
    step health pass "healthy${HEALTH_OUT:+: $HEALTH_OUT}"
    UNCHANGED=true
    STATE=running
    finish
}

# install: the definition and the wrapper written atomically, the previous ones kept for a
# rollback; the agent registered.
install_step() {
    journal install
    manager_lock
    [ ! -e "$HEALTHY_FILE" ] || rm -f "$HEALTHY_FILE"
    backup_previous
    if ! install_files; then
        rollback install "cannot write $SERVICE_FILE or $WRAPPER_FILE (read-only or full?)"
    fi
    if ! register || ! record_installed; then
        rollback install "cannot register the agent in $STATE_DIR"
    fi
    VOLUME_ERROR=
    volume_dirs make_volume_dir
    [ -z "$VOLUME_ERROR" ] || rollback install "$VOLUME_ERROR"
    # An earlier run's staged remediation no longer applies. (Each rm only where there is
    # something to remove: a process each.)
    [ ! -e "$STAGED_DIR" ] || rm -rf "$STAGED_DIR"
    step install pass "$SERVICE_FILE, $WRAPPER_FILE"
}

# A volume's host directory $1, made at install where it is missing (mode 0700, the activating
# user's). One that exists is never chowned, chmodded or emptied; a rollback leaves it.
# shellcheck disable=SC2317  # called through volume_dirs
make_volume_dir() {
    # shellcheck disable=SC2174  # only the volume's own directory is the agent's: 0700
    [ -d "$1" ] || mkdir -p -m 700 "$1" 2>/dev/null || VOLUME_ERROR="cannot create the volume directory $1"
}

# enable: only after install succeeded; a failure rolls back.
enable_step() {
    journal enable
    # An operator's activation is a first start: the breaker counts restarts from here (and
    # start_service resets systemd's start limit).
    [ ! -e "$STARTS_FILE" ] || rm -f "$STARTS_FILE"
    if ! enable_service; then
        rollback enable "${ENABLE_ERROR:-enable failed}"
    fi
    if [ "$PLATFORM" = darwin ]; then
        step enable pass "bootstrapped into $DOMAIN"
    else
        step enable pass "systemctl$SCOPE_FLAG enable ${RUNTIME_UNITS:+--runtime }$UNIT_NAME"
    fi
}

# start: only after enable succeeded; a failure rolls back.
start_step() {
    journal start
    if ! start_service; then
        rollback start "${START_ERROR:-start failed}"
    fi
    manager_unlock
    step start pass "started${START_NOTE:-}"
}

# health: the agent is up and its check passes within the start period, and it stays so for
# the settle window; else roll back.
health_step() {
    journal health
    if ! wait_healthy; then
        HEALTH_REPORT=fail
        rollback health "$HEALTH_ERROR"
    fi
    HEALTH_REPORT=pass
    record_healthy "$pid"
    settled=
    [ "$SETTLE" = 0 ] || settled="; settled ${SETTLE}s"
    case $HEALTH_TYPE in
    podman-container) step health pass "container $CONTAINER running$settled" ;;
    process) step health pass "service running$settled" ;;
    *) step health pass "$HEALTH_OUT after ${HEALTH_SECONDS}s$settled" ;;
    esac
}

# --- main ------------------------------------------------------------------------
# The guarded activation, in the spec's order: evaluate, lint, preflight, install only if
# preflight passed, enable only if install succeeded, start only if enable succeeded, health,
# status. Every step that ends the activation ends it through finish (the report, the exit).
activate_main() {
    lib_setup
    parse_options ${1+"$@"}
    begin
    journal evaluate
    evaluate || check_failed
    [ "$ENABLED" = yes ] || remove_disabled
    unchanged_fast
    journal lint-wrapper
    lint_wrapper || check_failed
    journal lint-service-definition
    lint_service_definition || check_failed
    preflight_step
    stage_or_go_on
    unchanged_or_go_on
    install_step
    enable_step
    start_step
    health_step
    record_provenance
    [ ! -e "$STATE_DIR/previous" ] || rm -rf "$STATE_DIR/previous"
    STATE=running
    finish
}

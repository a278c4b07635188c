# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154,SC2153  # the facts are assigned in the generated part
# agentc's static library for bin/activate and bin/agentctl: the host paths, recording, the
# preflight checks and the service-manager helpers. Every agent's scripts carry this same
# text before their facts (AGENT, LABEL, SCOPE, RUNTIME, ...; see templates/_facts.sh.j2),
# which end the script with the call that runs it; lib_setup is the first thing it runs.
#
# Conventions (every file of the library):
# - UPPER_CASE names are of three kinds, and only these: the agent's facts, assigned by the
#   generated part and never changed (AGENT, SCOPE, LOG_APP_LAUNCHD, ...; templates/_facts.sh.j2);
#   the host as lib_setup found it (PLATFORM, STATE_DIR, LOG_APP, CONNECTION, ...); and a
#   step's results, which the comment above the function names (`# SCRATCH: ...`, "left in
#   SOCKET_OK"), set by that function and read by later ones.
# - lower_case names are a function's temporaries: set before they are read, in that function,
#   and never read by another. Where a function calls another library function and reads a
#   temporary after the call, the temporary carries the function's own short prefix (rod_,
#   spec_, ...), so the callee cannot overwrite it. (POSIX sh has no `local`.)
# - A function answers by its exit status where the answer is yes or no, on stdout where a
#   caller takes it with $(...) (one subshell), and in a named UPPER_CASE result otherwise.

# --- the host: its paths, platform and service manager's directories ------------------
# Whether directory $1 (or, while it does not exist, the nearest one above it) cannot be
# written: a read-only file system, or a link into the Nix store (NixOS's /etc entries;
# resolved only for a link, so every start does not pay a subshell).
read_only_dir() {
    rod=$1
    while [ ! -d "$rod" ] && [ "$rod" != "${rod%/*}" ]; do rod=${rod%/*}; done
    rod=${rod:-/}
    [ -d "$rod" ] || return 1
    [ ! -w "$rod" ] && return 0
    [ -L "$rod" ] || return 1
    case $(cd "$rod" && pwd -P) in /nix/store/*) return 0 ;; esac
    return 1
}

# The compiled tree this script belongs to (a registered agentctl records it in `source`).
set_sources() {
    HERE=$1
    if [ "$PLATFORM" = darwin ]; then
        SERVICE_SOURCE=$HERE/launchd/$PLIST_NAME
    else
        SERVICE_SOURCE=$HERE/systemd/$UNIT_NAME
    fi
    WRAPPER_SOURCE=$HERE/bin/$WRAPPER_NAME
}

# The host, as this agent sees it: its paths, its platform, its service manager's
# directories. Run first, once the facts are set.
lib_setup() {
    WRAPPER_NAME=sourceos-agent-$AGENT
    UNIT_NAME=sourceos-agent@$AGENT.service
    PLIST_NAME=$LABEL.plist
    SCOPE_FLAG=
    [ "$SCOPE" = user ] && SCOPE_FLAG=' --user'

    # --- the host ----------------------------------------------------------------
    # A system manager, or NixOS's activation at boot, may run this without HOME: the running
    # user's home from the user database (through ~name), else /.
    if [ -z "${HOME:-}" ]; then
        HOME=/
        me=$(id -un 2>/dev/null) || me=
        case $me in
        '' | *[!A-Za-z0-9._-]*) ;;
        *)
            home=
            eval "home=~$me"
            case $home in /*) HOME=$home ;; esac
            ;;
        esac
        export HOME
    fi
    # The caller's PATH first, then where the tools this library runs live on each platform:
    # NixOS's and nix-darwin's system profiles, the user's Nix profile, Podman's and Homebrew's
    # prefixes on macOS, and the standard directories. A NixOS or home-manager activation runs
    # with a few packages' bin directories only (no awk, sed, systemctl or podman).
    PATH=${PATH:+$PATH:}/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin${HOME:+:$HOME/.nix-profile/bin}:/opt/podman/bin:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
    export PATH
    # Every control character, for case patterns (posh knows no [[:cntrl:]]); tab and carriage
    # return taken off its front (one subshell, not three).
    CTRL=$(printf '\t\r\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177')
    TAB=${CTRL%"${CTRL#?}"}
    CTRL=${CTRL#?}
    CR=${CTRL%"${CTRL#?}"}
    CTRL=${CTRL#?}
    NL='
'
    ROOT=${SOURCEOS_AGENT_ROOT:-}
    ROOT=${ROOT%/}
    PLATFORM=${SOURCEOS_AGENT_PLATFORM:-}
    if [ -z "$PLATFORM" ]; then
        case $(uname -s 2>/dev/null) in
        Darwin) PLATFORM=darwin ;;
        Linux) PLATFORM=linux ;;
        *) PLATFORM=unknown ;;
        esac
    fi
    USER_ID=$(id -u)
    INVOKED_AT=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
    # Each platform's logs (as declared, else where its users look), Podman connection (the
    # machine by default on macOS only) and health command: the facts carry both.
    if [ "$PLATFORM" = darwin ]; then
        LOG_APP=$LOG_APP_LAUNCHD LOG_OUT=$LOG_OUT_LAUNCHD LOG_ERR=$LOG_ERR_LAUNCHD
        CONNECTION=$CONNECTION_LAUNCHD REQUIRE_MACHINE=$REQUIRE_MACHINE_LAUNCHD
        HEALTH_COMMAND=$HEALTH_COMMAND_LAUNCHD
    else
        LOG_APP=$LOG_APP_SYSTEMD LOG_OUT=$LOG_OUT_SYSTEMD LOG_ERR=$LOG_ERR_SYSTEMD
        CONNECTION=$CONNECTION_SYSTEMD REQUIRE_MACHINE=$REQUIRE_MACHINE_SYSTEMD
        HEALTH_COMMAND=$HEALTH_COMMAND_SYSTEMD
    fi
    MACHINE=${CONNECTION%-root} # the Podman machine behind the connection (its -root one too)
    case $0 in
    */*) HERE=$(cd "${0%/*}/.." && pwd -P) ;;
    *) HERE=$(cd .. && pwd -P) ;;
    esac

    if [ "$SCOPE" = user ]; then
        STATE_DIR=${XDG_STATE_HOME:-$HOME/.local/state}/sourceos/agents/$AGENT
        DOMAIN=gui/$USER_ID
        LAUNCHD_DIR=${INSTALL_LAUNCHD_DIR:-$HOME/Library/LaunchAgents}
        SYSTEMD_DIR=${INSTALL_SYSTEMD_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user}
    else
        if [ "$PLATFORM" = darwin ]; then
            STATE_DIR="$ROOT/Library/Application Support/SourceOS/agents/$AGENT"
        else
            STATE_DIR=$ROOT/var/lib/sourceos/agents/$AGENT
        fi
        DOMAIN=system
        LAUNCHD_DIR=$ROOT${INSTALL_LAUNCHD_DIR:-/Library/LaunchDaemons}
        SYSTEMD_DIR=$ROOT${INSTALL_SYSTEMD_DIR:-/etc/systemd/system}
    fi
    state_layout
    # A unit directory that cannot be written (NixOS: /etc/systemd/system is in the Nix store) is
    # replaced by the manager's runtime one, and the unit enabled --runtime: until the next boot,
    # when the platform's own unit runs activation again (nix/modules/nixos.nix).
    RUNTIME_UNITS=
    if [ "$PLATFORM" != darwin ] && [ -z "${INSTALL_SYSTEMD_DIR:-}" ] && read_only_dir "$SYSTEMD_DIR"; then
        if [ "$SCOPE" = user ]; then
            # shellcheck disable=SC2031  # activation sets it in one subshell of its own only
            SYSTEMD_DIR=${XDG_RUNTIME_DIR:-/run/user/$USER_ID}/systemd/user
        else
            SYSTEMD_DIR=$ROOT/run/systemd/system
        fi
        RUNTIME_UNITS=yes
    fi
    if [ "$PLATFORM" = darwin ]; then
        SERVICE_FILE=$LAUNCHD_DIR/$PLIST_NAME
    else
        SERVICE_FILE=$SYSTEMD_DIR/$UNIT_NAME
    fi

    set_sources "$HERE"
    WRAPPER_FILE=$STATE_BIN_DIR/$WRAPPER_NAME
    AUTHFILE=${AUTHFILE_DECLARED:-$STATE_AUTHFILE}
    # timeout(1) where the PATH above has it (macOS has none): see bounded.
    find_timeout
    BOUNDED_EXEC=no
}

# --- recording ---------------------------------------------------------------
STEPS=
CHECKS=
REMEDIATION=
PREFLIGHT_FAILED=0

oneline() {
    case $1 in
    *"$TAB"* | *"$NL"* | *"$CR"*) printf '%s' "$1" | tr '\t\n\r' '   ' ;;
    *) printf '%s' "$1" ;;
    esac
}

# The first $1 lines of $2 (in the shell: no head process).
first_lines() {
    fl_n=$1 fl_rest=$2 fl_out=
    while [ "$fl_n" -gt 0 ] && [ -n "$fl_rest" ]; do
        case $fl_rest in
        *"$NL"*) fl_out="$fl_out${fl_rest%%"$NL"*}$NL" fl_rest=${fl_rest#*"$NL"} ;;
        *) fl_out="$fl_out$fl_rest" fl_rest= ;;
        esac
        fl_n=$((fl_n - 1))
    done
    printf '%s' "${fl_out%"$NL"}"
}

# FLAT=$1 on one line. A subshell costs a fork, and these run for every step and check, so
# the common case (nothing to flatten) forks nothing.
flat() {
    case $1 in
    *"$TAB"* | *"$NL"* | *"$CR"*) FLAT=$(oneline "$1") ;;
    *) FLAT=$1 ;;
    esac
}

step() {
    flat "$3"
    STEPS="$STEPS$1$TAB$2$TAB$FLAT$NL"
}

check() {
    flat "$3"
    ck_detail=$FLAT
    flat "${4:-}"
    ck_fix=$FLAT
    CHECKS="$CHECKS$1$TAB$2$TAB$ck_detail$TAB$ck_fix$NL"
    if [ "$2" = fail ]; then
        PREFLIGHT_FAILED=1
        if [ -n "$ck_fix" ]; then
            case "$NL$REMEDIATION" in
            *"$NL$ck_fix$NL"*) ;;
            *) REMEDIATION="$REMEDIATION$ck_fix$NL" ;;
            esac
        fi
    fi
}

# $1 as a JSON string on stdout. Backslashes and quotes are escaped in the shell; only a value
# with control characters (which are dropped) costs processes.
json_str() {
    case $1 in
    *["$CTRL"]*)
        # Every control character as \u00XX, newlines included (awk splits on them, so a
        # sentinel keeps a trailing one): the value reads back exactly, nothing is dropped.
        printf '%s.' "$1" | awk '
            BEGIN {
                for (i = 1; i < 32; i++) esc[sprintf("%c", i)] = sprintf("\\u%04x", i)
                esc[sprintf("%c", 127)] = "\\u007f"
                esc["\\"] = "\\\\"
                esc["\""] = "\\\""
                printf "\""
            }
            NR > 1 { printf "%s\\u000a", line }
            {
                line = ""
                n = length($0)
                for (i = 1; i <= n; i++) {
                    c = substr($0, i, 1)
                    line = line ((c in esc) ? esc[c] : c)
                }
            }
            END { printf "%s\"", substr(line, 1, length(line) - 1) }'
        ;;
    *[\\\"]*)
        js_rest=$1 js_out=
        while :; do
            case $js_rest in
            *[\\\"]*)
                js_head=${js_rest%%[\\\"]*}
                js_rest=${js_rest#"$js_head"}
                js_char=${js_rest%"${js_rest#?}"}
                js_out="$js_out$js_head\\$js_char"
                js_rest=${js_rest#?}
                ;;
            *) break ;;
            esac
        done
        printf '"%s"' "$js_out$js_rest"
        ;;
    *) printf '"%s"' "$1" ;;
    esac
}

bootstrap_error() {
    out=$1
    if label_disabled; then
        echo "launchd refused $LABEL: it has a disabled override (run: launchctl enable $DOMAIN/$LABEL)"
    elif sm_loaded; then
        echo "launchd refused $LABEL: it is already loaded (run: launchctl bootout $DOMAIN/$LABEL)"
    elif command -v plutil >/dev/null 2>&1 && ! plutil -lint "$SERVICE_FILE" >/dev/null 2>&1; then
        echo "launchd refused $LABEL: $SERVICE_FILE is not a valid plist"
    elif [ -n "$(find "$SERVICE_FILE" \( -perm -0002 -o -perm -0020 \) 2>/dev/null)" ]; then
        sh_quote "$SERVICE_FILE"
        echo "launchd refused $LABEL: $SERVICE_FILE is group- or world-writable (run: chmod 644 $SHQ)"
    else
        echo "launchd refused $LABEL ($(oneline "$out")): check the plist's owner and mode (owner $(id -un), mode 644) and run: launchctl print $DOMAIN/$LABEL"
    fi
}

# The recorded checks as JSON objects, comma-separated: the items of a "preflight" array.
checks_json() {
    cj_sep=''
    while IFS="$TAB" read -r id st d r; do
        [ -n "$id" ] || continue
        printf '%s{' "$cj_sep"
        json_pairs id "$id" status "$st" detail "$d" remediation "$r"
        printf '}'
        cj_sep=,
    done <<CHECKS
$CHECKS
CHECKS
}

# "k1":"v1","k2":"v2" for KEY VALUE pairs, values as JSON strings (no forks).
json_pairs() {
    jp_sep=
    while [ "$#" -ge 2 ]; do
        printf '%s"%s":' "$jp_sep" "$1"
        json_str "$2"
        jp_sep=,
        shift 2
    done
}

# --- checksums ----------------------------------------------------------------------
# The file's sum, read from stdin: the tools escape a name holding a backslash.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum <"$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 <"$1" | cut -d ' ' -f 1
    else
        openssl dgst -sha256 -r <"$1" | cut -d ' ' -f 1
    fi
}

# "sum  path" for each file, in one process (the format `sha256sum -c` reads back).
# shellcheck disable=SC2317  # called through write_atomic()
sha256_list() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$@" | plain_sums
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$@" | plain_sums
    else
        for f in "$@"; do
            printf '%s  %s\n' "$(sha256_of "$f")" "$f"
        done
    fi
}

# The tools write a name holding a backslash as "\\sum  name", backslashes doubled. Names
# with a newline never get here (preflight's host-paths check), so the plain form, which
# `sha256sum -c` reads literally, holds every name: it is what activation records.
# shellcheck disable=SC2317,SC1003  # called through sha256_list(); the quoted backslashes are literal
plain_sums() {
    while IFS= read -r line; do
        case $line in
        \\*)
            ps_rest=${line#?} line=''
            while :; do
                case $ps_rest in
                *'\\'*)
                    line=$line${ps_rest%%'\\'*}'\'
                    ps_rest=${ps_rest#*'\\'}
                    ;;
                *) break ;;
                esac
            done
            line=$line$ps_rest
            ;;
        esac
        printf '%s\n' "$line"
    done
}

# BAD=each path of the "sum  path" lines $2 (relative to directory $1) that is missing or
# whose content differs, one per line. The tool's report is read back in this shell: no
# process for it.
sha256_check() {
    if command -v sha256sum >/dev/null 2>&1; then
        sc_out=$(cd "$1" && printf '%s\n' "$2" | sha256sum -c 2>/dev/null)
    elif command -v shasum >/dev/null 2>&1; then
        sc_out=$(cd "$1" && printf '%s\n' "$2" | shasum -a 256 -c 2>/dev/null)
    else
        sc_out=$(cd "$1" && printf '%s\n' "$2" | while read -r sum path; do
            [ -f "$path" ] && [ "$(sha256_of "$path")" = "$sum" ] || echo "$path: FAILED"
        done)
    fi
    BAD=
    while IFS= read -r line; do
        case $line in
        *": FAILED"*) BAD="$BAD${line%%: FAILED*} (changed or missing)$NL" ;;
        esac
    done <<OUT
$sc_out
OUT
    BAD=${BAD%"$NL"}
}

# --- the service manager -----------------------------------------------------
# shellcheck disable=SC2317  # also called through bounded()
systemctl_() {
    if [ "$SCOPE" = user ]; then
        systemctl --user "$@"
    else
        systemctl "$@"
    fi
}

# The installed service definition on stdout. A unit names host paths by specifier (%h, %S)
# and is installed as compiled; a plist's absolute home and state directory (launchd expands
# nothing) are written in by the plist escaper, in this shell (no sed process; a value is
# written as it is, with nothing in it read as sed's). Preflight's host-paths check has
# refused a value that no escaper can carry (a control character), so none reaches here.
rendered_service() {
    if [ "$PLATFORM" = darwin ]; then
        xml_escape "$HOME"
        home_x=$XML
        xml_escape "$STATE_DIR"
        state_x=$XML
        while IFS= read -r line || [ -n "$line" ]; do
            rs_out=
            while :; do
                case $line in *@SOURCEOS_*) ;; *) break ;; esac
                rs_head=${line%%@SOURCEOS_*}
                line=${line#"$rs_head"}
                case $line in
                @SOURCEOS_HOME@*) rs_out=$rs_out$rs_head$home_x line=${line#@SOURCEOS_HOME@} ;;
                @SOURCEOS_STATE_DIR@*)
                    rs_out=$rs_out$rs_head$state_x line=${line#@SOURCEOS_STATE_DIR@}
                    ;;
                *) rs_out=$rs_out$rs_head@SOURCEOS_ line=${line#@SOURCEOS_} ;;
                esac
            done
            printf '%s\n' "$rs_out$line"
        done <"$SERVICE_SOURCE"
    else
        # The unit names the default state directory (%h/.local/state/... or /var/lib/...);
        # another one (XDG_STATE_HOME, SOURCEOS_AGENT_ROOT) is written in by the unit escaper.
        if [ "$SCOPE" = user ]; then
            compiled=%h/.local/state/sourceos/agents/$AGENT default=$HOME/.local/state/sourceos/agents/$AGENT
        else
            compiled=/var/lib/sourceos/agents/$AGENT default=/var/lib/sourceos/agents/$AGENT
        fi
        if [ "$STATE_DIR" = "$default" ]; then
            cat "$SERVICE_SOURCE"
            return
        fi
        sd_escape "$STATE_DIR" exec
        exec_x=$(sed_escape "$SD")
        sd_escape "$STATE_DIR" env
        env_x=$(sed_escape "$SD")
        sed -e "/^Exec[A-Za-z]*=/s|\"$compiled/|\"$exec_x/|" \
            -e "/^Environment=.*SOURCEOS_AGENT_STATE_DIR=/s|STATE_DIR=$compiled\"|STATE_DIR=$env_x\"|" "$SERVICE_SOURCE"
    fi
}

# --- quoting, for the formats the host's files are written in -------------------------
# SHQ=$1 as one sh word, for the commands a remediation asks a person to run: as it is when
# it holds only safe characters, else single-quoted with ' as '\'' (compiler/escape.py's sh).
sh_quote() {
    case $1 in
    '' | -* | *[!A-Za-z0-9_@%+=:,./-]*)
        SHQ="'" sq_rest=$1
        while :; do
            case $sq_rest in
            *\'*)
                # Quotes by backslash, not nested in ${...} in double quotes: the AG115 scanner
                # (and a reader) keeps track of where quoted text is.
                SHQ=$SHQ${sq_rest%%\'*}\'\\\'\'
                sq_rest=${sq_rest#*\'}
                ;;
            *) break ;;
            esac
        done
        SHQ="$SHQ$sq_rest'"
        ;;
    *) SHQ=$1 ;;
    esac
}

# SD=$1 as it goes inside a double-quoted word of a unit: backslash, quote and % escaped, and
# for an ExecStart= word ($2 = exec) $ too, as compiler/escape.py's _sd_quoted does.
sd_escape() {
    SD='' sd_rest=$1
    while :; do
        case $sd_rest in
        *[\\\"%\$]*)
            sd_head=${sd_rest%%[\\\"%\$]*}
            sd_rest=${sd_rest#"$sd_head"}
            case $sd_rest in
            \\*) SD="$SD$sd_head\\\\" ;;
            \"*) SD="$SD$sd_head\\\"" ;;
            %*) SD="$SD$sd_head%%" ;;
            *) if [ "$2" = exec ]; then SD="$SD$sd_head\$\$"; else SD="$SD$sd_head\$"; fi ;;
            esac
            sd_rest=${sd_rest#?}
            ;;
        *) break ;;
        esac
    done
    SD=$SD$sd_rest
}

# XML=$1 as a plist <string> holds it: & < > as entities, as plistlib writes them (in the
# shell: no process).
xml_escape() {
    XML='' xe_rest=$1
    while :; do
        case $xe_rest in
        *[\&\<\>]*)
            xe_head=${xe_rest%%[\&\<\>]*}
            xe_rest=${xe_rest#"$xe_head"}
            case $xe_rest in
            \&*) XML="$XML$xe_head&amp;" ;;
            \<*) XML="$XML$xe_head&lt;" ;;
            *) XML="$XML$xe_head&gt;" ;;
            esac
            xe_rest=${xe_rest#?}
            ;;
        *) break ;;
        esac
    done
    XML=$XML$xe_rest
}

sed_escape() {
    printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

# launchd's view of the job: SMT=`launchctl print` of it; fails when launchd has no such
# job. A look (sm_look) answers every question asked until sm_forget, with one print, not one
# per question; without one, each answer asks launchd afresh.
SM_LOOKED=no
# --- the service manager: looks at the agent's job or unit ----------------------------
sm_look() {
    SM_LOOKED=yes SM_PRINT=''
    SM_PRINT=$(launchctl print "$DOMAIN/$LABEL" 2>/dev/null) || SM_LOOKED=absent
}
sm_forget() {
    SM_LOOKED=no
}
sm_text() {
    case $SM_LOOKED in
    yes) SMT=$SM_PRINT ;;
    absent) return 1 ;;
    *) SMT=$(launchctl print "$DOMAIN/$LABEL" 2>/dev/null) ;;
    esac
}

# JF=the first value of a "$1 = value" line of SMT (leading blanks aside); with $2 = digits,
# of the first such line whose value is a number. Fails when there is none.
job_field() {
    JF=
    while read -r jf_line; do
        case $jf_line in
        "$1 = "*)
            jf_value=${jf_line#"$1 = "}
            case ${2:-}:$jf_value in digits:*[!0-9]* | digits:) continue ;; esac
            JF=$jf_value
            return 0
            ;;
        esac
    done <<SMT
$SMT
SMT
    return 1
}

# loaded / running / enabled as the service manager sees it.
sm_loaded() {
    if [ "$PLATFORM" = darwin ]; then
        sm_text
    else
        [ "$(systemctl_ show -p LoadState --value "$UNIT_NAME" 2>/dev/null)" = loaded ] &&
            [ -f "$SERVICE_FILE" ]
    fi
}

sm_enabled() {
    if [ "$PLATFORM" = darwin ]; then
        sm_loaded
    else
        # A unit without [Install] (runAtLoad = false) is "static" once installed.
        case $(systemctl_ is-enabled "$UNIT_NAME" 2>/dev/null) in
        enabled | enabled-runtime) ;;
        static) [ "$RUN_AT_LOAD" = no ] ;;
        *) false ;;
        esac
    fi
}

# SMS=the service manager's state word: running, starting, failed, stopped or absent. (These
# answers are set, not printed: a $(...) around a function costs a fork.)
sm_state() {
    if [ "$PLATFORM" = darwin ]; then
        if ! sm_text; then
            SMS=absent
            return 0
        fi
        case $SMT in
        *"state = running"*) SMS=running ;;
        *) SMS=stopped ;;
        esac
    else
        props=$(systemctl_ show -p ActiveState -p SubState "$UNIT_NAME" 2>/dev/null)
        case $props in
        *ActiveState=active*SubState=running* | *SubState=running*ActiveState=active*) SMS=running ;;
        *ActiveState=activating* | *SubState=auto-restart*) SMS=starting ;;
        *ActiveState=failed*) SMS=failed ;;
        *) if [ -f "$SERVICE_FILE" ]; then SMS=stopped; else SMS=absent; fi ;;
        esac
    fi
}

# SMP=the main process ID as the service manager sees it (empty when none).
sm_pid() {
    SMP=
    if [ "$PLATFORM" = darwin ]; then
        sm_text && job_field pid digits && SMP=$JF
    else
        SMP=$(systemctl_ show -p MainPID --value "$UNIT_NAME" 2>/dev/null)
        [ "$SMP" != 0 ] || SMP=
    fi
    return 0
}

# --- this agent's installation: credentials seen, stop, uninstall ---------------------
# The host's credential sources. AMBIENT: those the runtime reads whatever the wrapper tells
# it, `credential-helpers` in the system's registries.conf drop-ins. SHIELDED: those the
# wrapper's isolation moves out of its reach (the user's docker config and containers
# auth.json with helpers, the user's drop-ins with credential-helpers, the legacy ~/.dockercfg).
# HELPERS: the sources of either kind that name credential helpers.
ambient_sources() {
    AMBIENT='' SHIELDED=''
    for f in "${DOCKER_CONFIG:-$HOME/.docker}/config.json" "${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json"; do
        if [ -f "$f" ] && grep -Eq '"(credHelpers|credsStore)"' "$f" 2>/dev/null; then
            SHIELDED="$SHIELDED $f"
        fi
    done
    HELPERS=$SHIELDED
    for f in "$HOME/.config/containers/registries.conf.d"/*.conf "$ROOT/etc/containers/registries.conf.d"/*.conf; do
        if [ -f "$f" ] && grep -Eq '^[[:space:]]*credential-helpers[[:space:]]*=' "$f" 2>/dev/null; then
            HELPERS="$HELPERS $f (credential-helpers)"
            case $f in
            "$HOME"/*) SHIELDED="$SHIELDED $f (credential-helpers)" ;;
            *) AMBIENT="$AMBIENT $f (credential-helpers)" ;;
            esac
        fi
    done
    [ -f "$HOME/.dockercfg" ] && SHIELDED="$SHIELDED $HOME/.dockercfg"
    return 0
}

# Remove the container of this agent's name if agentc made it for this agent (its label says
# so), stopping it within $1 seconds; OWNER is the label of one left alone ('' if none).
remove_own_container() {
    OWNER=''
    owner=$(bounded_exec 30 podman_ container inspect --format '{{index .Config.Labels "org.sourceos.agent"}}' "$CONTAINER" 2>/dev/null) || return 1
    if [ "$owner" = "$AGENT" ]; then
        bounded 60 podman_ rm -f -t "$1" "$CONTAINER" >/dev/null 2>&1
        return
    fi
    OWNER=${owner:-unlabelled}
    return 1
}

# Stop the service and take it out of the manager's start-up: launchd boots it out and waits
# until it is gone; systemd stops and disables it and forgets a failed state.
stop_and_disable() {
    if [ "$PLATFORM" = darwin ]; then
        bootout_and_wait
    else
        bounded 120 systemctl_ stop "$UNIT_NAME" >/dev/null 2>&1
        bounded 60 systemctl_ disable ${RUNTIME_UNITS:+--runtime} "$UNIT_NAME" >/dev/null 2>&1
        bounded 60 systemctl_ reset-failed "$UNIT_NAME" >/dev/null 2>&1
    fi
}

# Stop, disable and remove what this agent's activation installed: the service definition
# and wrapper where unchanged since install (REMOVED; changed ones are kept, KEPT, with the
# record of them), its own container (a foreign one of the same name is left alone: KEPT),
# and its state directory.
uninstall_installed() {
    REMOVED='' KEPT=''
    stop_and_disable
    if [ "$RUNTIME" = podman ]; then
        if remove_own_container 10; then
            REMOVED="${REMOVED}container $CONTAINER$NL"
        elif [ -n "$OWNER" ]; then
            KEPT="${KEPT}container $CONTAINER (not created by agentc for $AGENT)$NL"
        fi
    fi
    changed=
    if [ -f "$INSTALLED_SHA_FILE" ]; then
        while read -r sum path; do
            [ -f "$path" ] || continue
            if [ "$(sha256_of "$path")" = "$sum" ]; then
                rm -f "$path" && REMOVED="$REMOVED$path$NL"
            else
                changed="$changed$path$NL"
            fi
        done <"$INSTALLED_SHA_FILE"
    fi
    [ "$PLATFORM" = linux ] && bounded 60 systemctl_ daemon-reload >/dev/null 2>&1
    if [ -n "$changed" ]; then
        # Keep what the user changed, and the record of it.
        printf '%s' "$changed" >"$STATE_DIR/kept"
        find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name kept -exec rm -rf {} +
        while IFS= read -r p; do
            [ -n "$p" ] && KEPT="$KEPT$p (changed since install)$NL"
        done <<CHANGED
$changed
CHANGED
    else
        rm -rf "$STATE_DIR"
    fi
    # The agent's data is never removed here (only `agentctl uninstall --purge-data` does).
    volume_dirs keep_data
    named_volumes keep_data
    REMOVED=${REMOVED%"$NL"} KEPT=${KEPT%"$NL"}
}

# Record the volume $1 (a directory or a named volume) in KEPT where it holds the agent's data.
# shellcheck disable=SC2317  # called through volume_dirs and named_volumes
keep_data() {
    case $1 in
    */*) [ -d "$1" ] && KEPT="${KEPT}data $1 (agentctl uninstall --purge-data removes it)$NL" ;;
    *) KEPT="${KEPT}data in the named volume $1 (agentctl uninstall --purge-data removes it)$NL" ;;
    esac
}

# INSTALLED=the agent's state as DESIGN.md names it: running, enabled, installed, staged or
# absent.
installed_state() {
    if [ -f "$SERVICE_FILE" ]; then
        sm_state
        if [ "$SMS" = running ]; then
            INSTALLED=running
        elif sm_enabled; then
            INSTALLED=enabled
        else
            INSTALLED=installed
        fi
    elif [ -d "$STAGED_DIR" ]; then
        INSTALLED=staged
    else
        INSTALLED=absent
    fi
}

# Boot the job out of launchd and wait (10 s at most) until launchd has let it go: bootout
# returns once launchd was told, and the service stays in its domain until its process has
# exited. Fails, BOOTOUT_ERR saying why, when the job is still loaded then.
bootout_and_wait() {
    BOOTOUT_ERR=''
    sm_forget
    if ! bw_out=$(launchctl bootout "$DOMAIN/$LABEL" 2>&1); then
        case $bw_out in *"No such process"*) ;; *) BOOTOUT_ERR="launchctl bootout failed: $(oneline "$bw_out")" ;; esac
    fi
    n=0
    while sm_loaded && [ "$n" -lt 50 ]; do
        pause
        n=$((n + 1))
    done
    if sm_loaded; then
        BOOTOUT_ERR=${BOOTOUT_ERR:-"$LABEL is still loaded in $DOMAIN 10 s after launchctl bootout"}
        return 1
    fi
    BOOTOUT_ERR=''
}

label_disabled() {
    if [ "$PLATFORM" = darwin ]; then
        case $(launchctl print-disabled "$DOMAIN" 2>/dev/null) in
        *"\"$LABEL\" => disabled"* | *"\"$LABEL\" => true"*) return 0 ;;
        *) return 1 ;;
        esac
    else
        case $(systemctl_ is-enabled "$UNIT_NAME" 2>/dev/null) in masked | masked-runtime) ;; *) false ;; esac
    fi
}

# --- Podman ------------------------------------------------------------------
# How to bring Podman's service up: the machine behind the connection, else (Linux, local
# Podman) its socket unit for this scope.
socket_fix() {
    if [ -n "$CONNECTION" ] && [ "$PLATFORM" = darwin ]; then
        printf '%s' "podman machine start $MACHINE"
    elif [ -n "$CONNECTION" ]; then
        printf '%s' "podman system connection list (start the Podman service connection $CONNECTION names, e.g. systemctl --user start podman.socket on its host)"
    elif [ "$SCOPE" = user ]; then
        printf '%s' "systemctl --user start podman.socket"
    else
        printf '%s' "sudo systemctl start podman.socket"
    fi
}

# Only as the whole of a $(...) (see bounded_exec).
container_state() {
    bounded_exec 10 podman_ container inspect --format '{{.State.Status}}' "$CONTAINER" 2>/dev/null
}

# REGISTRY=the registry image $1 names (docker.io for a short name).
registry_of() {
    case $1 in
    */*) first=${1%%/*} ;;
    *) first= ;;
    esac
    case $first in
    localhost | localhost:*) REGISTRY=localhost ;;
    *.* | *:*) REGISTRY=$first ;;
    *) REGISTRY=docker.io ;;
    esac
}

# The registries a pull of image $1 asks for credentials, one per line, as Podman reads the
# registries.conf files given (later ones override earlier, as drop-ins do): for a qualified
# name, the mirrors of the longest matching [[registry]] prefix, then its location and the
# registry named; for a short name, the unqualified-search-registries (else docker.io).
queried_registries() {
    qr_image=$1
    registry_of "$1"
    qr_fallback=$REGISTRY
    shift
    awk -v image="$qr_image" -v fallback="$qr_fallback" '
        function value(line) {
            sub(/^[^=]*=[ \t]*/, "", line); sub(/[ \t]*(#.*)?$/, "", line)
            gsub(/^"|"$/, "", line); return line
        }
        function host(loc) { sub(/\/.*/, "", loc); return loc }
        function emit(r) { if (r != "" && !(r in seen)) { seen[r] = 1; emitted++; print r } }
        insearch {
            search = search " " $0
            if (index($0, "]")) insearch = 0
            next
        }
        /^[ \t]*(#|$)/ { next }
        /^[ \t]*\[\[registry\]\]/ { section = "registry"; n++; next }
        /^[ \t]*\[\[registry\.mirror\]\]/ { section = "mirror"; next }
        /^[ \t]*\[/ { section = "other"; next }
        section == "" && /^[ \t]*unqualified-search-registries[ \t]*=/ {
            search = $0; sub(/^[^=]*=/, "", search); searchset = 1
            if (!index(search, "]")) insearch = 1
            next
        }
        section == "registry" && /^[ \t]*prefix[ \t]*=/ { prefix[n] = value($0); next }
        section == "registry" && /^[ \t]*location[ \t]*=/ { location[n] = value($0); next }
        section == "mirror" && /^[ \t]*location[ \t]*=/ { mirrors[n] = mirrors[n] " " host(value($0)); next }
        END {
            first = image; sub(/\/.*/, "", first)
            qualified = index(image, "/") && (first ~ /[.:]/ || first == "localhost")
            if (!qualified) {
                gsub(/[][",]/, " ", search)
                k = split(search, names, /[ \t]+/)
                for (i = 1; i <= k; i++) emit(names[i])
                if (!emitted) emit(fallback)
                exit
            }
            best = 0; bestlen = -1
            for (i = 1; i <= n; i++) {
                p = (i in prefix) ? prefix[i] : location[i]
                if (p == "" || substr(p, 1, 2) == "*.") continue
                if (image == p || index(image, p "/") == 1 || index(image, p ":") == 1 || index(image, p "@") == 1) {
                    if (length(p) >= bestlen) { best = i; bestlen = length(p) }
                }
            }
            if (best) {
                k = split(mirrors[best], ms, " ")
                for (i = 1; i <= k; i++) emit(ms[i])
                if (location[best] != "") emit(host(location[best]))
            }
            emit(fallback)
        }' ${1+"$@"} 2>/dev/null
}

# --- health ---------------------------------------------------------------------------
# Healthy: within the start period the service manager runs the agent and the declared check
# passes; then, for the settle window, the same main process keeps running (a crash loop
# changes the PID) and the check keeps passing. For podman agents the container is running
# too. HEALTH_ERROR says why not, HEALTH_OUT what the check said last, HEALTH_SECONDS how long
# it took; `pid` is the healthy main process.
wait_healthy() {
    last_pid=
    if ! healthy_loop; then
        # The wrapper's own word on why: its last fail-closed line since this script started.
        said=$(tail -n 50 "$LOG_APP" 2>/dev/null | awk -v since="$INVOKED_AT" '/fail-closed: / && $1 >= since {l = $0} END {print l}')
        [ -n "$said" ] && HEALTH_ERROR="$HEALTH_ERROR; the wrapper said: ${said#*fail-closed: }"
        return 1
    fi
}

# A look a second: the service manager's state and main process, the container where the
# manager cannot vouch for it, and the declared check once the process runs.
healthy_loop() {
    started=$(date +%s) settled_from='' HEALTH_OUT='' HEALTH_SECONDS=0
    while :; do
        [ "$PLATFORM" = darwin ] && sm_look
        sm_state
        sm=$SMS
        now=$(date +%s)
        HEALTH_SECONDS=$((now - started))
        if [ "$sm" = failed ]; then
            HEALTH_ERROR="the service manager reports the agent failed"
            [ -z "$settled_from" ] || HEALTH_ERROR="$HEALTH_ERROR during the ${SETTLE}s settle window"
            return 1
        fi
        sm_pid
        pid=$SMP
        sm_forget
        # Podman is asked even where conmon is the unit's main process: a container whose stop
        # is under way (`stopping`) still has its conmon, and the unit still runs.
        if [ "$HEALTH_TYPE" = podman-container ]; then
            c=$(container_state)
            case $c in
            stopping | exited | dead | removing | paused)
                HEALTH_ERROR="container $CONTAINER is $c, not running"
                return 1
                ;;
            esac
            [ "$c" = running ] || pid=
        else
            c=n/a
        fi
        if [ "$sm" = running ] && [ -n "$pid" ]; then
            if [ -n "$settled_from" ] && [ "$pid" != "$last_pid" ]; then
                HEALTH_ERROR="restarted during the ${SETTLE}s settle window (process $last_pid, then $pid)"
                return 1
            fi
            last_pid=$pid
            if health_check; then
                [ -n "$settled_from" ] || settled_from=$now
                [ $((now - settled_from)) -lt "$SETTLE" ] || return 0
            elif [ -n "$settled_from" ]; then
                HEALTH_ERROR="the health check failed during the ${SETTLE}s settle window: $HEALTH_OUT"
                return 1
            fi
        elif [ -n "$settled_from" ]; then
            HEALTH_ERROR="exited during the ${SETTLE}s settle window (service: $sm)"
            return 1
        else
            last_pid=
        fi
        if [ -z "$settled_from" ] && [ "$HEALTH_SECONDS" -ge "$HEALTH_START_PERIOD" ]; then
            HEALTH_ERROR="not healthy within ${HEALTH_START_PERIOD}s (service: $sm, container: ${c:-absent}${HEALTH_OUT:+, check: $HEALTH_OUT})"
            return 1
        fi
        sleep 1
    done
}

# What wait_healthy saw healthy, for the next activation's unchanged check: this generation,
# its main process ($1) and, where the wrapper records one, its container's ID.
record_healthy() {
    rh_cid=
    # Podman writes the ID with no newline: read fails at the end of the file, having read it.
    [ -f "$CIDFILE" ] && IFS= read -r rh_cid <"$CIDFILE"
    [ -n "$rh_cid" ] || rh_cid=-
    printf '%s %s %s\n' "$DECLARATION_SHA256" "$1" "$rh_cid" >"$HEALTHY_FILE.$$" 2>/dev/null &&
        mv -f "$HEALTHY_FILE.$$" "$HEALTHY_FILE" 2>/dev/null
    return 0
}

# --- preflight ---------------------------------------------------------------
preflight() {
    case $PLATFORM in
    darwin | linux) check host-platform pass "$PLATFORM" ;;
    *) check host-platform fail "unsupported platform $(uname -s 2>/dev/null)" "run on macOS or Linux" ;;
    esac

    if [ "$PLATFORM" = darwin ]; then
        if command -v launchctl >/dev/null 2>&1; then
            check service-manager pass "launchd, domain $DOMAIN"
        else
            check service-manager fail "launchctl not found" "run on macOS, where launchctl is /bin/launchctl"
        fi
    elif command -v systemctl >/dev/null 2>&1; then
        sys_state=$(bounded_exec 10 systemctl_ show -p SystemState --value 2>/dev/null)
        case $sys_state in
        running | degraded | starting) check service-manager pass "systemd ($SCOPE manager $sys_state)" ;;
        *)
            if [ "$SCOPE" = user ]; then
                check service-manager fail "the systemd user manager does not answer" "loginctl enable-linger $(id -un 2>/dev/null)"
            else
                check service-manager fail "the systemd system manager does not answer" "run activation once systemd runs as the init system (a NixOS boot: sourceos-local-agents.service does)"
            fi
            ;;
        esac
    else
        check service-manager fail "systemctl not found" "install systemd"
    fi

    host_paths

    if [ "$RUNTIME" = podman ]; then
        preflight_podman
    else
        preflight_program
    fi
    check_secret_files

    log_problem=''
    log_create=''
    log_fix=''
    for f in "$LOG_APP" "$LOG_OUT" "$LOG_ERR"; do
        d=${f%/*}
        if [ -d "$d" ]; then
            if [ ! -w "$d" ] || { [ -e "$f" ] && [ ! -w "$f" ]; }; then
                case " $log_problem " in *" $d "*) ;; *) log_problem="$log_problem $d" ;; esac
                sh_quote "$d"
                case " $log_fix " in *" $SHQ "*) ;; *) log_fix="$log_fix $SHQ" ;; esac
            fi
        else
            parent=$d
            while [ ! -d "$parent" ]; do parent=${parent%/*}; done
            if [ -w "${parent:-/}" ]; then
                case " $log_create " in *" $d "*) ;; *) log_create="$log_create $d" ;; esac
            else
                case " $log_problem " in *" $d "*) ;; *) log_problem="$log_problem $d" ;; esac
                sh_quote "$d"
                case " $log_fix " in *" $SHQ "*) ;; *) log_fix="$log_fix $SHQ" ;; esac
            fi
        fi
    done
    if [ -n "$log_problem" ]; then
        check log-directory fail "not writable:$log_problem" "mkdir -p$log_fix && chown $(id -un 2>/dev/null)$log_fix"
    elif [ -n "$log_create" ]; then
        check log-directory warn "missing, install creates it:$log_create"
    else
        d=${LOG_OUT%/*}
        check log-directory pass "${d:-/}"
    fi

    if [ "$PLATFORM" != darwin ] && [ "$PLATFORM" != linux ]; then
        check label-not-disabled skip "no service manager"
        check label-not-conflicting skip "no service manager"
    else
        if label_disabled; then
            if [ "$PLATFORM" = darwin ]; then
                check label-not-disabled fail "$LABEL has a disabled override in $DOMAIN" "launchctl enable $DOMAIN/$LABEL"
            else
                check label-not-disabled fail "$UNIT_NAME is masked" "systemctl$SCOPE_FLAG unmask $UNIT_NAME"
            fi
        else
            check label-not-disabled pass "$LABEL is not disabled"
        fi
        conflicting_definition
        if [ -n "$CONFLICT" ]; then
            check label-not-conflicting fail "$CONFLICT" "$CONFLICT_FIX"
        else
            check label-not-conflicting pass "no other definition of $LABEL"
        fi
        duplicate_definition
        if [ -n "$DUPLICATE" ]; then
            check service-not-duplicated fail "$DUPLICATE" "$DUPLICATE_FIX"
        else
            check service-not-duplicated pass "no other definition runs ${CONTAINER:+container $CONTAINER, }${IMAGE:-$PROGRAM}"
        fi
    fi
    check_health_tool
}

# health-tool: what the declared check runs is on this host (macOS ships curl and a BSD nc;
# a Debian host may have neither).
check_health_tool() {
    case $HEALTH_TYPE in
    http) ht_tool=curl ht_package=curl ;;
    tcp) ht_tool=nc ht_package=netcat-openbsd ;;
    command) ht_tool=$HEALTH_PROGRAM ht_package= ;;
    *)
        check health-tool skip "type $HEALTH_TYPE: the service manager and Podman answer it"
        return 0
        ;;
    esac
    if ht_path=$(command -v "$ht_tool" 2>/dev/null) && [ -n "$ht_path" ]; then
        check health-tool pass "$HEALTH_TYPE check: $ht_path"
    elif [ -n "$ht_package" ]; then
        ht_fix="sudo apt-get install $ht_package"
        [ "$PLATFORM" = darwin ] && ht_fix="brew install $ht_package"
        check health-tool fail "the $HEALTH_TYPE health check needs $ht_tool, which is not installed" "$ht_fix"
    else
        sh_quote "$ht_tool"
        check health-tool fail "the health check's program $ht_tool is missing or not executable" "install it, or fix health.command (ls -l $SHQ)"
    fi
}

# --- preflight: the host --------------------------------------------------------------
# The host's own paths reach the service definition (a plist holds the absolute home and
# state directory; a unit names them by %h and %S), the scripts and JSON: each must be one
# the formats can carry.
host_paths() {
    hp_bad=
    # shellcheck disable=SC2031  # activation sets XDG_RUNTIME_DIR in a subshell of its own only
    for hp in "HOME=$HOME" "XDG_STATE_HOME=${XDG_STATE_HOME:-}" "XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-}" \
        "XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-}" "SOURCEOS_AGENT_ROOT=$ROOT" "state directory=$STATE_DIR" \
        "service file=$SERVICE_FILE" "logs.app=$LOG_APP" "logs.stdout=$LOG_OUT" "logs.stderr=$LOG_ERR"; do
        case $hp in
        *["$CTRL"]*)
            flat "${hp%%=*}"
            hp_bad="$hp_bad${hp_bad:+, }$FLAT"
            ;;
        esac
    done
    if [ -n "$hp_bad" ]; then
        check host-paths fail "a control character (a newline, a tab, ...) in $hp_bad: no service definition can hold it" "use a home and XDG directories without control characters"
        return
    fi
    case $HOME in
    /*) ;;
    *)
        check host-paths fail "HOME is not an absolute path: $HOME" "run activation with HOME set to the user's home directory"
        return
        ;;
    esac
    check host-paths pass "home, XDG and state directories can be written into the service definition"
}

# `podman login --get-login` for registry $3 with authfile $2, in the isolated home $1 as the
# wrapper gives Podman one. Run in a subshell (a command substitution): it exports the
# isolation into that subshell's environment, which costs no env process.
isolated_login() {
    XDG_DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share} HOME=$1/home DOCKER_CONFIG=$1/docker \
        XDG_CONFIG_HOME=$1/home/.config CONTAINERS_REGISTRIES_CONF=$1/registries.conf \
        REGISTRY_AUTH_FILE=$2
    export XDG_DATA_HOME HOME DOCKER_CONFIG XDG_CONFIG_HOME CONTAINERS_REGISTRIES_CONF REGISTRY_AUTH_FILE
    bounded_exec 10 podman login --get-login --authfile "$2" "$3"
}

# Rootless Podman on Linux, as a normal user runs it: what it needs of the host before any
# start, each a check with the fix. The container's user namespace maps the user's subordinate
# ids (/etc/subuid, /etc/subgid) through the setuid newuidmap/newgidmap; its network
# (slirp4netns, or pasta) opens /dev/net/tun, which `podman create` never touches: without
# these checks a host passes preflight and fails at the start.
preflight_rootless() {
    rl_why=''
    if [ "$PLATFORM" != linux ]; then
        rl_why="containers run in the Podman machine"
    elif [ -n "$CONNECTION" ]; then
        rl_why="containers run where connection $CONNECTION points"
    elif [ "$USER_ID" = 0 ]; then
        rl_why="root runs Podman rootful"
    fi
    if [ -n "$rl_why" ]; then
        for id in rootless-subids rootless-uidmap rootless-network; do
            check "$id" skip "$rl_why"
        done
        return 0
    fi
    rl_user=$(id -un 2>/dev/null) rl_uid=$USER_ID
    rl_missing='' rl_next=100000
    # The files Podman reads (never under SOURCEOS_AGENT_ROOT: they are the kernel's mapping).
    for f in /etc/subuid /etc/subgid; do
        rl_found=no
        if [ -r "$f" ]; then
            while IFS=: read -r rl_name rl_start rl_count || [ -n "$rl_name" ]; do
                case $rl_start$rl_count in '' | *[!0-9]*) continue ;; esac
                [ $((rl_start + rl_count)) -gt "$rl_next" ] && rl_next=$((rl_start + rl_count))
                if [ "$rl_name" = "$rl_user" ] || [ "$rl_name" = "$rl_uid" ]; then
                    [ "$rl_count" -gt 0 ] && rl_found=yes
                fi
            done <"$f"
        fi
        [ "$rl_found" = yes ] || rl_missing="$rl_missing $f"
    done
    if [ -z "$rl_missing" ]; then
        check rootless-subids pass "$rl_user has subordinate uids and gids"
    else
        check rootless-subids fail "$rl_user has no subordinate id range in$rl_missing: rootless Podman cannot map the container's users" \
            "sudo usermod --add-subuids $rl_next-$((rl_next + 65535)) --add-subgids $rl_next-$((rl_next + 65535)) $rl_user && podman system migrate"
    fi
    rl_tools=''
    for t in newuidmap newgidmap; do
        command -v "$t" >/dev/null 2>&1 || rl_tools="$rl_tools $t"
    done
    if [ -z "$rl_tools" ]; then
        check rootless-uidmap pass "newuidmap and newgidmap"
    else
        check rootless-uidmap fail "not found:$rl_tools (rootless Podman maps ids with them)" "sudo apt-get install uidmap"
    fi
    rl_net=''
    rl_ifs=$IFS
    IFS=:
    for t in slirp4netns pasta; do
        for d in $PATH:/usr/libexec/podman:/usr/lib/podman; do
            if [ -x "$d/$t" ]; then
                rl_net=$t
                break 2
            fi
        done
    done
    IFS=$rl_ifs
    if [ ! -c /dev/net/tun ]; then
        check rootless-network fail "/dev/net/tun does not exist: the container's network (${rl_net:-slirp4netns}) cannot start" "sudo modprobe tun"
    elif ! (: <>/dev/net/tun) 2>/dev/null; then
        check rootless-network fail "$rl_user cannot open /dev/net/tun: the container's network (${rl_net:-slirp4netns}) would fail at start with Permission denied" \
            "sudo chmod 0666 /dev/net/tun (as a stock Debian's udev rule leaves it; to keep it: KERNEL==\"tun\", MODE=\"0666\" in /etc/udev/rules.d/60-tun.rules)"
    elif [ -z "$rl_net" ]; then
        check rootless-network fail "neither slirp4netns nor pasta is installed: rootless Podman has no network for the container" "sudo apt-get install slirp4netns"
    else
        check rootless-network pass "$rl_net, /dev/net/tun usable"
    fi
}

# --- preflight: Podman ------------------------------------------------------------
# One function per check (a few report two or three ids that one look answers). What later
# checks need is left in PODMAN_FOUND, SCRATCH, SOCKET_OK and IMAGE_MISSING.

# runtime, podman-binary, podman-version.
check_podman_binary() {
    PODMAN_FOUND=no
    if podman_path=$(command -v podman 2>/dev/null); then
        PODMAN_FOUND=yes
        check runtime pass "podman"
        check podman-binary pass "$podman_path"
        version=$(bounded_exec 10 podman --version 2>/dev/null)
        version=${version##* version }
        version=${version%%[!0-9.]*}
        case $version in [0-9]*) ;; *) version= ;; esac
        case $version in
        [4-9].* | [1-9][0-9].*) check podman-version pass "$version" ;;
        '') check podman-version fail "podman --version did not answer" "reinstall Podman" ;;
        *) check podman-version fail "$version is older than 4.0" "upgrade Podman to 4.0 or newer" ;;
        esac
    else
        install_podman="sudo apt-get install podman"
        [ "$PLATFORM" = darwin ] && install_podman="brew install podman"
        check runtime fail "podman not found on PATH" "$install_podman"
        check podman-binary fail "podman not found on PATH" "$install_podman"
        check podman-version skip "no podman binary"
    fi
}

# SCRATCH: one directory for the credential probe and the container-spec check: in the lock
# directory while an activation holds it (the lock's release removes it, and nothing is
# written to /tmp), else a temporary one (SCRATCH_TEMP), removed at the end.
make_scratch() {
    SCRATCH='' SCRATCH_TEMP=no
    if [ "$PODMAN_FOUND" = yes ]; then
        if [ "${LOCKED:-no}" = yes ]; then
            SCRATCH=$LOCK_DIR/scratch
        else
            SCRATCH=$(mktemp -d 2>/dev/null) && SCRATCH_TEMP=yes || SCRATCH=''
        fi
    fi
}

# podman-machine-exists, podman-machine-running (macOS: the VM behind the connection).
check_podman_machine() {
    if [ "$REQUIRE_MACHINE" = no ]; then
        check podman-machine-exists skip "no Podman machine required"
        check podman-machine-running skip "no Podman machine required"
    elif [ "$PODMAN_FOUND" = no ]; then
        check podman-machine-exists skip "no podman binary"
        check podman-machine-running skip "no podman binary"
    else
        if ! machine_state=$(bounded_exec 15 podman machine inspect --format '{{.State}}' "$MACHINE" 2>/dev/null) ||
            [ -z "$machine_state" ] || [ "$machine_state" = "[]" ]; then
            check podman-machine-exists fail "Podman machine $MACHINE does not exist" "podman machine init $MACHINE"
            check podman-machine-running skip "no machine"
        else
            check podman-machine-exists pass "$MACHINE"
            case $machine_state in
            running | Running) check podman-machine-running pass "$MACHINE is running" ;;
            *) check podman-machine-running fail "exists but not running ($machine_state)" "podman machine start $MACHINE" ;;
            esac
        fi
    fi
}

# podman-socket: the Podman service answers.
check_podman_socket() {
    SOCKET_OK=no
    if [ "$PODMAN_FOUND" = no ]; then
        check podman-socket skip "no podman binary"
    elif server=$(bounded_exec 15 podman_ version --format '{{.Server.Version}}' 2>&1); then
        SOCKET_OK=yes
        check podman-socket pass "Podman service answered (server ${server:-local})"
    else
        check podman-socket fail "Podman socket unreachable: $(printf '%s' "$server" | tail -n 1)" "$(socket_fix)"
    fi
}

# local-image.
check_local_image() {
    IMAGE_MISSING=no
    # Only `pull = "always"` pulls at start: under "never" and "explicit" the image must be here.
    if [ "$PULL" = always ] || [ "$REQUIRE_LOCAL_IMAGE" = no ]; then
        check local-image skip "pull = $PULL, requireLocalImage = $REQUIRE_LOCAL_IMAGE"
    elif [ "$SOCKET_OK" = no ]; then
        if [ "$REQUIRE_MACHINE" = yes ]; then
            check local-image fail "cannot ask Podman whether $IMAGE is present" "$(socket_fix)"
        else
            check local-image fail "cannot ask Podman whether $IMAGE is present" "systemctl --user start podman.socket"
        fi
    else
        bounded 15 podman_ image exists "$IMAGE"
        case $? in
        0) check local-image pass "local image present: $IMAGE" ;;
        1)
            IMAGE_MISSING=yes
            check local-image fail "image $IMAGE is not present locally (pull = $PULL)" "$LOAD_HINT"
            ;;
        *) check local-image fail "podman image exists did not answer" "podman system connection list" ;;
        esac
    fi
}

# image-tag: a localhost/ tag, explicit and immutable.
check_image_tag() {
    case $IMAGE in
    localhost/*:latest | localhost/*@*) check image-tag warn "$IMAGE: use an explicit, immutable tag" "tag the image with a version" ;;
    localhost/*:*) check image-tag pass "$IMAGE" ;;
    localhost/*) check image-tag warn "$IMAGE has no tag (means :latest)" "tag the image with a version" ;;
    *) check image-tag fail "$IMAGE is not a localhost/ tag" "podman tag $IMAGE localhost/${IMAGE##*/}" ;;
    esac
}

# authfile: the one auth.mode names.
check_authfile() {
    case $AUTH_MODE in
    empty-authfile)
        if [ ! -e "$AUTHFILE" ]; then
            check authfile warn "$AUTHFILE is missing; install creates it with {\"auths\":{}}"
        elif [ "$(tr -d ' \t\r\n' <"$AUTHFILE" 2>/dev/null)" = '{"auths":{}}' ]; then
            check authfile pass "empty-authfile present: $AUTHFILE"
        else
            sh_quote "$AUTHFILE"
            check authfile fail "$AUTHFILE holds credentials but auth.mode is empty-authfile" "printf '%s\\n' '{\"auths\":{}}' > $SHQ"
        fi
        ;;
    service-account)
        if [ -r "$AUTHFILE" ] && grep -q '"auths"' "$AUTHFILE" 2>/dev/null; then
            check authfile pass "service-account authfile present: $AUTHFILE"
        else
            check authfile fail "service-account authfile $AUTHFILE is missing or not an auth file" "write the service account's auth file to $AUTHFILE"
        fi
        ;;
    *) check authfile skip "auth.mode = $AUTH_MODE: an agent-owned empty authfile is used" ;;
    esac
}

# host-auth-isolation: which host credential sources could reach the runtime.
check_auth_isolation() {
    ambient_sources
    if [ "$ALLOW_AMBIENT" = yes ]; then
        if [ -n "$HELPERS" ]; then
            check host-auth-isolation fail "the host's credential helpers reach the runtime:$HELPERS" "set auth.allowAmbientDockerConfig = false"
        else
            check host-auth-isolation warn "host credentials are allowed to reach the runtime (allowAmbientDockerConfig)" "set auth.allowAmbientDockerConfig = false"
        fi
    elif [ -n "$AMBIENT" ] && [ "$AUTH_MODE" = forbidden-ambient ]; then
        check host-auth-isolation fail "auth.mode = forbidden-ambient, but host credentials could reach the runtime:$AMBIENT" "remove them from the host (or use auth.mode = \"none\" where the isolation is enough)"
    elif [ -n "$AMBIENT" ]; then
        # Not fatal outside forbidden-ambient: the empty authfile answers first, but these
        # are read whatever the isolation, and a registry it has no entry for reaches them.
        check host-auth-isolation warn "isolated, except what the runtime reads whatever it is told:$AMBIENT" "remove them, or declare auth.mode = \"forbidden-ambient\" to make them fail activation"
    elif [ "$AUTH_MODE" = forbidden-ambient ]; then
        check host-auth-isolation pass "auth.mode = forbidden-ambient: no host credential source reaches the runtime${SHIELDED:+; isolated from}$SHIELDED"
    else
        check host-auth-isolation pass "the wrapper points HOME, REGISTRY_AUTH_FILE, DOCKER_CONFIG and XDG_CONFIG_HOME at agent-owned files${SHIELDED:+; isolated from}$SHIELDED"
    fi
}

# credential-helper: a pull's credential path answers without a person.
check_credential_helper() {
    if [ "$PODMAN_FOUND" = no ]; then
        check credential-helper skip "no podman binary"
    else
        # The registries.conf files the wrapper hands Podman (the user's or the system's, then
        # the system's and the user's drop-ins), for the registries a pull would ask.
        registries=$HOME/.config/containers/registries.conf
        [ -f "$registries" ] || registries=$ROOT/etc/containers/registries.conf
        set --
        for f in "$registries" "$ROOT/etc/containers/registries.conf.d"/*.conf "$HOME/.config/containers/registries.conf.d"/*.conf; do
            [ -f "$f" ] && set -- ${1+"$@"} "$f"
        done
        queried=$(queried_registries "$IMAGE" ${1+"$@"})
        if [ -z "$queried" ]; then
            registry_of "$IMAGE"
            queried=$REGISTRY
        fi
        # In preflight's scratch directory, a home whose .config is the XDG_CONFIG_HOME given.
        probe_root=${SCRATCH:-${TMPDIR:-/tmp}/sourceos-preflight.$$}
        iso=$probe_root/probe
        mkdir -p "$iso/docker" "$iso/home/.config/containers"
        printf '%s\n' '{"auths":{}}' >"$iso/docker/config.json"
        printf '%s\n' '{"auths":{}}' >"$iso/home/.config/containers/auth.json"
        probe_auth=$AUTHFILE
        [ -f "$probe_auth" ] || probe_auth=$iso/home/.config/containers/auth.json
        # As the wrapper isolates it: the registries.conf it would read, less its helpers,
        # and a home of its own (no ~/.dockercfg, none of the user's drop-ins).
        : >"$iso/registries.conf"
        [ -f "$registries" ] && without_helpers "$registries" >"$iso/registries.conf"
        helper_bad='' helper_fix='' with_login='' without=''
        for registry in $queried; do
            if [ "$ALLOW_AMBIENT" = yes ]; then
                login=$(bounded_exec 10 podman login --get-login --authfile "$probe_auth" "$registry" 2>&1)
            else
                login=$(isolated_login "$iso" "$probe_auth" "$registry" 2>&1)
            fi
            login_rc=$?
            if [ "$login_rc" = 0 ]; then
                with_login="$with_login${with_login:+, }$registry ($login)"
                if [ "$AUTH_MODE" = forbidden-ambient ] && [ -z "$helper_bad" ]; then
                    helper_bad="auth.mode = forbidden-ambient, but credentials for $registry reach the runtime ($login)"
                    helper_fix="remove the host's credentials for $registry"
                fi
                continue
            fi
            case $login in
            *"not logged into"* | *"not logged in"*) without="$without${without:+, }$registry" ;;
            *)
                if [ -z "$helper_bad" ]; then
                    # 124: timeout(1)'s word for it; busybox's timeout says 143 (its TERM).
                    case $login_rc in 124 | 143) login="no answer within 10 s" ;; esac
                    helper_bad="the credential path for $registry fails without a person (exit $login_rc): $(printf '%s' "$login" | tail -n 1)"
                    helper_fix="use a local image with an empty authfile, or a service-account authfile without interactive helpers"
                fi
                ;;
            esac
        done
        [ -n "$SCRATCH" ] || rm -rf "$probe_root"
        if [ -n "$helper_bad" ]; then
            check credential-helper fail "$helper_bad" "$helper_fix"
        elif [ -n "$with_login" ]; then
            check credential-helper pass "credentials answer noninteractively: $with_login${without:+; none consulted for $without}"
        else
            check credential-helper pass "no credential helper is consulted for $without"
        fi
    fi
}

# container-name: free, or this agent's own container.
check_container_name() {
    if [ "$SOCKET_OK" = no ]; then
        check container-name skip "Podman does not answer"
    else
        # State and owner in one call: our containers carry the label org.sourceos.agent.
        cinfo=$(bounded_exec 10 podman_ container inspect --format '{{.State.Status}} {{index .Config.Labels "org.sourceos.agent"}}' "$CONTAINER" 2>/dev/null)
        cstate=${cinfo%% *} cowner=''
        case $cinfo in *" "*) cowner=${cinfo#* } ;; esac
        if [ -z "$cinfo" ]; then
            check container-name pass "$CONTAINER is free"
        elif [ "$cowner" = "$AGENT" ]; then
            check container-name warn "$CONTAINER exists ($cstate), created by this agent; the wrapper replaces it"
        else
            check container-name fail "a container named $CONTAINER exists ($cstate) that agent $AGENT did not create${cowner:+ (it belongs to agent $cowner)}; activation never replaces it" "podman stop $CONTAINER && podman rename $CONTAINER $CONTAINER-old, or give this agent another containerName"
        fi
    fi
}

# The wrapper itself creates the container as it would run it (image, flags, the init
# binary --init needs) under a scratch name and state directory, then removes it.
check_container_spec() {
    if [ "$SOCKET_OK" = no ]; then
        check container-spec skip "Podman does not answer"
    elif [ "$IMAGE_MISSING" = yes ]; then
        check container-spec skip "image $IMAGE is not present"
    elif [ -z "$SCRATCH" ]; then
        check container-spec fail "cannot make a scratch directory for the check" "make TMPDIR (${TMPDIR:-/tmp}) writable"
    else
        spec_manager=systemd
        [ "$PLATFORM" = darwin ] && spec_manager=launchd
        spec_out=$(SOURCEOS_AGENT_STATE_DIR=$SCRATCH SOURCEOS_AGENT_MANAGER=$spec_manager bounded_exec 60 "$WRAPPER_SOURCE" --check-create 2>&1)
        spec_rc=$?
        spec_why=${spec_out##*"$NL"}
        spec_why=${spec_why#*": fail-closed: "}
        spec_why=${spec_why#Error: }
        if [ "$PLATFORM" = darwin ]; then
            spec_init_fix="podman machine ssh $MACHINE sudo rpm-ostree install catatonit"
        else
            spec_init_fix="sudo apt-get install catatonit"
        fi
        case $spec_rc:$spec_out in
        0:*) check container-spec pass "created and removed as the wrapper runs it: $IMAGE, --init" ;;
        3:*) check container-spec skip "${spec_why#*"]: "}" ;;
        *"container-init binary not found"*)
            check container-spec fail "podman run --init needs an init binary (catatonit), and the host has none: $spec_why" "$spec_init_fix"
            ;;
        *) check container-spec fail "the container cannot be created as the wrapper runs it (exit $spec_rc): ${spec_why:-no output}" "fix the cause above: every start of the service would fail the same way" ;;
        esac
    fi
}

# The runtime's checks for a Podman agent, in the order a person fixes them: binary, machine,
# socket, image, credentials, container name and the container as the wrapper creates it.
preflight_podman() {
    check_podman_binary
    make_scratch
    preflight_rootless
    check_podman_machine
    check_podman_socket
    check_local_image
    check_image_tag
    check_authfile
    check_auth_isolation
    check_credential_helper
    check_volume_sources
    check_ports_free
    check_resource_limits
    check_container_name
    check_container_spec
    [ "$SCRATCH_TEMP" = no ] || rm -rf "$SCRATCH"
}

# --- preflight: volumes, secrets and published ports -------------------------------

# The check ($1) a walk over one of the facts' lists gives: `skip` with $3 where the walk saw
# nothing ($2 empty), `fail` with WALK_PROBLEM and WALK_FIX, the first problem it found, else
# `pass` with $4.
report_walk() {
    if [ -z "$2" ]; then
        check "$1" skip "$3"
    elif [ -n "$WALK_PROBLEM" ]; then
        check "$1" fail "$WALK_PROBLEM" "$WALK_FIX"
    else
        check "$1" pass "$4"
    fi
}

# volume-source: each host directory mounted into the container exists or can be made at
# install, is the user's, and (user scope) is no link out of the user's home.
check_volume_sources() {
    VS_DIRS='' VS_CREATE='' WALK_PROBLEM='' WALK_FIX=''
    volume_dirs volume_problem
    report_walk volume-source "$VS_DIRS" "no host directory is mounted" \
        "yours:$VS_DIRS${VS_CREATE:+; install creates (mode 0700):$VS_CREATE}"
}

# resource-limits: the limits that need cgroup controllers (CGROUP_LIMITS: memory, cpu, pids)
# are ones this Podman applies. Rootless Podman ignores them, with no more than a warning in
# its log, on cgroup v1 and where the user manager has not delegated the controller.
check_resource_limits() {
    if [ -z "$CGROUP_LIMITS" ]; then
        check resource-limits skip "no memory, CPU or pids limit declared"
    elif [ "$PLATFORM" = darwin ] || [ -n "$CONNECTION" ]; then
        check resource-limits skip "the Podman machine applies them"
    elif [ "$USER_ID" = 0 ]; then
        check resource-limits pass "rootful Podman applies $CGROUP_LIMITS limits"
    elif [ "$SOCKET_OK" != yes ]; then
        check resource-limits skip "Podman does not answer"
    else
        rl_info=$(bounded_exec 15 podman_ info --format '{{.Host.CgroupsVersion}} {{.Host.CgroupControllers}}' 2>/dev/null)
        rl_list=${rl_info#* }  # "[cpu memory pids]" after the version
        rl_list=${rl_list#"["}
        rl_list=${rl_list%"]"}
        rl_missing=
        for rl_controller in $CGROUP_LIMITS; do
            case " $rl_list " in
            *" $rl_controller "*) ;;
            *) rl_missing="$rl_missing $rl_controller" ;;
            esac
        done
        case $rl_info in
        v1*)
            check resource-limits fail "rootless Podman on cgroup v1 ignores memory, CPU and pids limits: this agent's$rl_missing limits would not hold" "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or drop the limits, or make it a system agent (rootful Podman applies them)"
            ;;
        *)
            if [ -n "$rl_missing" ]; then
                check resource-limits fail "the user's systemd manager does not delegate$rl_missing to rootless Podman: the limits would not hold" "sudo systemctl edit user@.service: [Service] Delegate=memory pids cpu, then log in again"
            else
                check resource-limits pass "rootless Podman applies $CGROUP_LIMITS limits (cgroup ${rl_info%% *})"
            fi
            ;;
        esac
    fi
}

# One volume directory $1 for check_volume_sources (WALK_PROBLEM: the first problem found).
# shellcheck disable=SC2317  # called through volume_dirs
volume_problem() {
    vs_dir=$1
    VS_DIRS="$VS_DIRS $vs_dir"
    [ -z "$WALK_PROBLEM" ] || return 0
    if [ -L "$vs_dir" ]; then
        if ! vs_real=$(cd -P "$vs_dir" 2>/dev/null && pwd -P); then
            WALK_PROBLEM="$vs_dir is a link to nothing"
            WALK_FIX="remove the link, or point it at a directory of yours"
            return 0
        fi
        vs_home=$(cd -P "$HOME" 2>/dev/null && pwd -P)
        case $vs_real/ in
        "$vs_home"/*) ;;
        *)
            if [ "$SCOPE" = user ]; then
                WALK_PROBLEM="$vs_dir is a link out of your home, to $vs_real"
                WALK_FIX="declare $vs_real itself as the source, or replace the link with a directory"
                return 0
            fi
            ;;
        esac
    fi
    if [ -e "$vs_dir" ]; then
        if [ ! -d "$vs_dir" ]; then
            WALK_PROBLEM="$vs_dir is not a directory"
            WALK_FIX="move it aside, or declare another source"
            return 0
        fi
        # shellcheck disable=SC2046  # the words of one `ls -ln` line: mode, links, owner
        set -- $(ls -lnd "$vs_dir" 2>/dev/null)
        if [ "${3:-}" != "$USER_ID" ]; then
            WALK_PROBLEM="$vs_dir belongs to uid ${3:-unknown}, not to the agent's user ($USER_ID); agentc never changes an existing directory's owner"
            sh_quote "$vs_dir"
            WALK_FIX="sudo chown -R $(id -un 2>/dev/null) $SHQ, or declare a directory of your own"
        fi
        return 0
    fi
    if read_only_dir "$vs_dir"; then
        WALK_PROBLEM="$vs_dir does not exist and cannot be created (a read-only place)"
        WALK_FIX="create it yourself, owned by $(id -un 2>/dev/null), or declare another source"
        return 0
    fi
    VS_CREATE="$VS_CREATE $vs_dir"
}

# secret-file: each secret file exists, is the user's and is readable by nobody else. Only its
# metadata is looked at, never its content.
check_secret_files() {
    SF_NAMES='' WALK_PROBLEM='' WALK_FIX=''
    secret_files secret_problem
    report_walk secret-file "$SF_NAMES" "no secret declared" \
        "$SF_NAMES: the user's own files, mode 0600 or narrower"
}

# One secret for check_secret_files: its name $1 and file $2.
# shellcheck disable=SC2317  # called through secret_files
secret_problem() {
    sf_name=$1 sf_file=$2
    SF_NAMES="$SF_NAMES${SF_NAMES:+, }$sf_name"
    [ -z "$WALK_PROBLEM" ] || return 0
    sh_quote "$sf_file"
    if [ ! -e "$sf_file" ]; then
        WALK_PROBLEM="secret $sf_name: $sf_file does not exist"
        WALK_FIX="write it, readable by you only: (umask 077 && cat >$SHQ) (agentc never reads or copies it)"
        return 0
    fi
    if [ ! -f "$sf_file" ]; then
        WALK_PROBLEM="secret $sf_name: $sf_file is not a regular file"
        WALK_FIX="declare the file itself"
        return 0
    fi
    # shellcheck disable=SC2046  # the words of one `ls -ln` line: mode, links, owner
    set -- $(ls -ln "$sf_file" 2>/dev/null)
    if [ "${3:-}" != "$USER_ID" ]; then
        WALK_PROBLEM="secret $sf_name: $sf_file belongs to uid ${3:-unknown}, not to the agent's user ($USER_ID)"
        WALK_FIX="chown $(id -un 2>/dev/null) $SHQ"
        return 0
    fi
    case ${1:-} in
    -r[w-]-------*) ;;
    *)
        WALK_PROBLEM="secret $sf_name: $sf_file is mode ${1:-unknown}, wider than 0600"
        WALK_FIX="chmod 600 $SHQ"
        ;;
    esac
}

# port-free: each published host port is free on its address, or held by this agent's own
# container (a running generation being replaced).
check_ports_free() {
    PF_ANY='' PF_PORTS='' PF_OWN='' PF_BLIND='' PF_UNSURE='' WALK_PROBLEM='' WALK_FIX=''
    published_ports port_problem
    if [ -n "$PF_BLIND" ] && [ -z "$WALK_PROBLEM" ]; then
        check port-free skip "cannot see listening sockets here (no /proc/net, no lsof)"
        return 0
    fi
    if [ -n "$PF_UNSURE" ] && [ -z "$WALK_PROBLEM" ]; then
        check port-free skip "a container holds$PF_UNSURE, and Podman does not answer to say whose"
        return 0
    fi
    report_walk port-free "$PF_ANY" "no port published" \
        "${PF_PORTS:+free:$PF_PORTS}${PF_PORTS:+${PF_OWN:+; }}${PF_OWN:+held by the container of this agent:$PF_OWN}"
}

# One published port for check_ports_free: its address $1, host port $2 and protocol $3.
# shellcheck disable=SC2317  # called through published_ports
port_problem() {
    pp_where="$1:$2/$3"
    PF_ANY=yes
    [ -z "$WALK_PROBLEM" ] || return 0
    # Rootless Podman on Linux cannot bind below the kernel's unprivileged port start: `podman
    # create` accepts it, and every start would fail.
    if [ "$PLATFORM" = linux ] && [ "$USER_ID" != 0 ] && [ -z "$CONNECTION" ]; then
        pp_first=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null) || pp_first=1024
        case $pp_first in '' | *[!0-9]*) pp_first=1024 ;; esac
        if [ "$2" -lt "$pp_first" ]; then
            WALK_PROBLEM="$pp_where: rootless Podman cannot publish a port below $pp_first (net.ipv4.ip_unprivileged_port_start)"
            WALK_FIX="publish a host port of $pp_first or more (podman.ports: host = <port>;), or lower it: sudo sysctl net.ipv4.ip_unprivileged_port_start=$2"
            return 0
        fi
    fi
    port_holder "$1" "$2" "$3"
    case $HOLDER in
    '') PF_PORTS="$PF_PORTS $pp_where" ;;
    '?') PF_BLIND=yes PF_PORTS="$PF_PORTS $pp_where" ;;
    "container $CONTAINER") PF_OWN="$PF_OWN $pp_where" ;;
    rootlessport* | gvproxy* | conmon* | pasta* | slirp4netns*)
        if [ "${SOCKET_OK:-no}" = yes ]; then
            WALK_PROBLEM="$pp_where is in use by $HOLDER, a Podman port forwarder no container of this Podman owns"
            WALK_FIX="stop $HOLDER, or publish another host port (podman.ports: host = <port>;)"
        else
            PF_UNSURE="$PF_UNSURE $pp_where"  # whose container: Podman does not answer
        fi
        ;;
    *)
        WALK_PROBLEM="$pp_where is in use by $HOLDER"
        WALK_FIX="stop $HOLDER, or publish another host port (podman.ports: host = <port>;)"
        ;;
    esac
}

# HOLDER: what listens on address $1, port $2, protocol $3 so that a container cannot publish
# it there: "container NAME" (one Podman made, of this agent if it carries its label), a
# process ("NAME (pid N)"), "another user's process", nothing (''), or '?' where this host
# cannot tell.
# shellcheck disable=SC2317  # called through published_ports
port_holder() {
    HOLDER=''
    if [ -r /proc/net/tcp ]; then
        case $3 in udp) ph_state=07 ph_files="/proc/net/udp /proc/net/udp6" ;; *) ph_state=0A ph_files="/proc/net/tcp /proc/net/tcp6" ;; esac
        # shellcheck disable=SC2086  # two file names
        ph_inode=$(awk -v want="$1" -v port="$2" -v state="$ph_state" '
            function hex(s,  i, n) {
                n = 0; s = toupper(s)
                for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
                return n
            }
            function v4(h) { return hex(substr(h, 7, 2)) "." hex(substr(h, 5, 2)) "." hex(substr(h, 3, 2)) "." hex(substr(h, 1, 2)) }
            FNR > 1 && $4 == state {
                split($2, a, ":")
                if (hex(a[2]) != port) next
                h = a[1]
                if (length(h) == 8) addr = v4(h)
                else if (h == "00000000000000000000000000000000") addr = "::"
                else if (h == "00000000000000000000000001000000") addr = "::1"
                else if (substr(h, 1, 24) == "0000000000000000FFFF0000") addr = v4(substr(h, 25, 8))
                else addr = "?"
                v6want = index(want, ":") > 0
                if (addr == want || addr == "::" || want == "::" ||
                    (!v6want && (addr == "0.0.0.0" || want == "0.0.0.0"))) { print $10; exit }
            }' $ph_files 2>/dev/null)
        [ -n "$ph_inode" ] || return 0
    elif command -v lsof >/dev/null 2>&1; then
        if [ "$3" = udp ]; then
            ph_out=$(bounded_exec 10 lsof -nP -iUDP:"$2" -Fpc 2>/dev/null)
        else
            ph_out=$(bounded_exec 10 lsof -nP -iTCP:"$2" -sTCP:LISTEN -Fpc 2>/dev/null)
        fi
        [ -n "$ph_out" ] || return 0
        ph_inode=
    else
        HOLDER='?'
        return 0
    fi
    # In use. A container Podman published it for, first: that names it best.
    if [ "${SOCKET_OK:-no}" = yes ]; then
        ph_ports=$(bounded_exec 10 podman_ ps --format '{{.Names}} {{.Ports}}' 2>/dev/null)
        while IFS=' ' read -r ph_name ph_list; do
            case ", $ph_list" in
            *":$2->"*"/$3"*)
                HOLDER="container $ph_name"
                return 0
                ;;
            esac
        done <<PORTS
$ph_ports
PORTS
    fi
    if [ -n "$ph_inode" ]; then
        for ph_fd in /proc/[0-9]*/fd; do
            # shellcheck disable=SC2010  # the names are fd numbers; the link targets are read
            if ls -l "$ph_fd" 2>/dev/null | grep -q "socket:\[$ph_inode\]"; then
                ph_pid=${ph_fd#/proc/}
                ph_pid=${ph_pid%/fd}
                HOLDER="$(cat "/proc/$ph_pid/comm" 2>/dev/null) (pid $ph_pid)"
                return 0
            fi
        done
        HOLDER="another user's process"
    else
        ph_pid=${ph_out#p}
        ph_pid=${ph_pid%%"$NL"*}
        ph_cmd=${ph_out#*"$NL"c}
        ph_cmd=${ph_cmd%%"$NL"*}
        HOLDER="$ph_cmd (pid $ph_pid)"
    fi
}

# --- preflight: native and nix-app agents ---------------------------------------------
# The runtime's check for a native or nix-app agent: its program exists.
preflight_program() {
    if [ -x "$PROGRAM" ]; then
        check runtime pass "$PROGRAM"
    elif [ -L "$PROGRAM" ]; then
        check runtime fail "$PROGRAM is a dangling link (Nix store target garbage-collected?)" "rebuild and re-run activation (nix profile install / home-manager switch)"
    else
        case $PROGRAM in
        /nix/store/*) check runtime fail "Nix store target $PROGRAM is missing (garbage-collected?)" "rebuild the generation and re-run activation" ;;
        *) check runtime fail "$PROGRAM does not exist or is not executable" "install the program or fix command[0]" ;;
        esac
    fi
    for id in podman-binary podman-version rootless-subids rootless-uidmap rootless-network podman-machine-exists podman-machine-running podman-socket local-image image-tag authfile host-auth-isolation credential-helper container-name container-spec; do
        check "$id" skip "runtime is $RUNTIME"
    done
}

# --- preflight: other definitions of the same work ------------------------------------
# RETIRE_WHERE, RETIRE_FIX: what a definition at $1 (label $2) is, and the migration that
# retires it (spec section 14, step 1), with sudo only where its directory is root's.
retire_fix() {
    sh_quote "$1"
    if [ "$PLATFORM" = darwin ]; then
        case ${1%/*} in
        "$HOME/Library/LaunchAgents")
            RETIRE_WHERE="a plist in your LaunchAgents"
            RETIRE_FIX="launchctl bootout gui/$USER_ID/$2; mv $SHQ ~/Desktop/ (spec section 14, step 1: retire the legacy agent)"
            ;;
        "$ROOT/Library/LaunchAgents")
            RETIRE_WHERE="an old system-wide plist"
            RETIRE_FIX="sudo launchctl bootout gui/$USER_ID/$2; sudo mv $SHQ ~/Desktop/ (spec section 14, step 1: remove the legacy system-wide LaunchAgent)"
            ;;
        *)
            RETIRE_WHERE="a system daemon's plist"
            RETIRE_FIX="sudo launchctl bootout system/$2; sudo mv $SHQ ~/Desktop/ (spec section 14, step 1: retire the legacy daemon)"
            ;;
        esac
    else
        case $1 in
        "$HOME"/* | "${XDG_CONFIG_HOME:-$HOME/.config}"/*)
            RETIRE_WHERE="a user unit"
            RETIRE_FIX="systemctl --user disable --now $2; mv $SHQ $SHQ.disabled (spec section 14, step 1: retire the legacy unit)"
            ;;
        */systemd/user/*)
            RETIRE_WHERE="a unit for every user"
            RETIRE_FIX="systemctl --user disable --now $2; sudo mv $SHQ $SHQ.disabled (spec section 14, step 1: retire the legacy unit)"
            ;;
        *)
            RETIRE_WHERE="a system unit"
            RETIRE_FIX="sudo systemctl disable --now $2; sudo mv $SHQ $SHQ.disabled (spec section 14, step 1: retire the legacy unit)"
            ;;
        esac
    fi
}

# DUPLICATE, DUPLICATE_FIX: another service definition on this host that runs this agent's
# container name, image (or source image) or program under another label: the incident's
# own plist, whatever it is called; and its migration. Plists in the launchd directories and
# the jobs loaded in launchd (from a plist anywhere, or one since deleted); units in the user
# and system unit directories.
duplicate_definition() {
    DUPLICATE='' DUPLICATE_FIX=''
    set --
    if [ "$PLATFORM" = darwin ]; then
        for dir in "$HOME/Library/LaunchAgents" "$ROOT/Library/LaunchAgents" "$ROOT/Library/LaunchDaemons" \
            "$ROOT/System/Library/LaunchAgents" "$ROOT/System/Library/LaunchDaemons"; do
            [ -d "$dir" ] || continue
            for f in "$dir"/*.plist; do
                [ -f "$f" ] && [ "$f" != "$SERVICE_FILE" ] && set -- ${1+"$@"} "$f"
            done
        done
    else
        for dir in "${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user" "$ROOT/etc/systemd/user" \
            "$ROOT/etc/systemd/system" "$ROOT/run/systemd/system"; do
            [ -d "$dir" ] || continue
            for f in "$dir"/*.service; do
                [ -f "$f" ] && [ "$f" != "$SERVICE_FILE" ] && [ "${f##*/}" != "$UNIT_NAME" ] && set -- ${1+"$@"} "$f"
            done
        done
    fi
    found=
    [ $# -gt 0 ] && found=$(same_work "$@" </dev/null)
    if [ -z "$found" ] && [ "$PLATFORM" = darwin ]; then
        found=$(loaded_jobs | same_work)
    fi
    [ -n "$found" ] || return 0
    IFS="$TAB" read -r dup_file dup_label dup_why dup_domain <<DUP
$found
DUP
    if [ -z "$dup_domain" ]; then
        retire_fix "$dup_file" "$dup_label"
        DUPLICATE="$RETIRE_WHERE runs the same $dup_why under another label, $dup_label: $dup_file"
        DUPLICATE_FIX=$RETIRE_FIX
        return 0
    fi
    sudo=
    [ "$dup_domain" = system ] && [ "$USER_ID" != 0 ] && sudo='sudo '
    DUPLICATE_FIX="${sudo}launchctl bootout $dup_domain/$dup_label"
    if [ -f "$dup_file" ]; then
        sh_quote "$dup_file"
        DUPLICATE_FIX="$DUPLICATE_FIX; ${sudo}mv $SHQ ~/Desktop/"
    fi
    DUPLICATE="a job loaded in launchd's $dup_domain domain (from $dup_file) runs the same $dup_why under another label, $dup_label"
    DUPLICATE_FIX="$DUPLICATE_FIX (spec section 14, step 1: retire the legacy agent)"
}

# What launchd has loaded in this agent's domain and the system's, as `launchctl print` shows
# each job (its path and arguments): Apple's own and this agent's left out.
loaded_jobs() {
    lj_domains=$DOMAIN
    [ "$DOMAIN" = system ] || lj_domains="$DOMAIN system"
    # Both domains' listings through one awk: "domain/label" per service.
    for lj_job in $(for lj_domain in $lj_domains; do
        echo "@domain $lj_domain"
        launchctl print "$lj_domain" 2>/dev/null
    done | awk '
            /^@domain / { domain = $2; s = 0; next }
            /^\tservices = \{/ { s = 1; next }
            s && /^\t\}/ { s = 0; next }
            s && NF >= 3 { print domain "/" $NF }'); do
        case $lj_job in system/*) lj_domain=system ;; *) lj_domain=$DOMAIN ;; esac
        lj_label=${lj_job#"$lj_domain"/}
        case $lj_label in com.apple.* | "$LABEL") continue ;; esac
        launchctl print "$lj_domain/$lj_label" 2>/dev/null
    done
}

# Reads plists and units (the files given) or `launchctl print` output (stdin), and prints
# "file TAB label TAB why TAB domain" for the first that runs this agent's container name,
# image or program under another label (domain: the launchd domain of a loaded job).
same_work() {
    awk -v our="$LABEL" -v container="$CONTAINER" -v image="$IMAGE" -v source="$SOURCE_IMAGE" \
        -v program="$PROGRAM" -v TAB="$TAB" '
        function decode(v) {
            gsub(/&lt;/, "<", v); gsub(/&gt;/, ">", v); gsub(/&quot;/, "\"", v)
            gsub(/&apos;/, "\047", v); gsub(/&amp;/, "\\&", v); return v
        }
        function judge(   i, a, why) {
            if (done || file == "" || label == our) return
            for (i = 1; i <= n && why == ""; i++) {
                a = args[i]
                if (container != "" && ((a == "--name" && i < n && args[i + 1] == container) || a == "--name=" container))
                    why = "container " container
                else if (image != "" && (a == image || (source != "" && a == source))) why = "image " a
                else if (program != "" && a == program) why = "program " program
            }
            if (why != "") { print file TAB label TAB why TAB domain; done = 1; exit }
        }
        FNR == 1 {
            judge(); file = FILENAME; n = 0; key = ""; inargs = 0; label = ""; domain = ""
            unit = (FILENAME ~ /\.service$/)
            if (unit) { label = FILENAME; sub(/.*\//, "", label) }
        }
        /^[a-z]+(\/[0-9]+)?\/[^ \t]+ = \{$/ {
            judge(); n = 0; inargs = 0; file = "(no file)"; unit = 0
            label = $1; sub(/.*\//, "", label); domain = $1; sub(/\/[^\/]*$/, "", domain)
            next
        }
        domain != "" && /^\tpath = / { file = substr($0, 9); next }
        domain != "" && /^\tprogram = / { args[++n] = substr($0, 12); next }
        domain != "" && /^\targuments = \{$/ { inargs = 1; next }
        domain != "" && inargs && /^\t\}$/ { inargs = 0; next }
        domain != "" && inargs { v = $0; sub(/^\t\t/, "", v); args[++n] = v; next }
        domain != "" { next }
        unit && /^[ \t]*ExecStart(Pre)?=/ {
            line = $0; sub(/^[^=]*=[-@:+!]*/, "", line)
            m = split(line, words, /[ \t]+/)
            for (j = 1; j <= m; j++) { w = words[j]; gsub(/^["\047]|["\047]$/, "", w); if (w != "") args[++n] = w }
            next
        }
        !unit && /<key>/ {
            key = $0; sub(/.*<key>/, "", key); sub(/<\/key>.*/, "", key)
            inargs = (key == "ProgramArguments")
        }
        !unit && /<\/array>/ { inargs = 0 }
        !unit && /<string>/ {
            v = $0; sub(/.*<string>/, "", v); sub(/<\/string>.*/, "", v); v = decode(v)
            if (key == "Label" && label == "") label = v
            else if (inargs || key == "Program") args[++n] = v
        }
        END { judge() }' ${1+"$@"} 2>/dev/null
}

# Sets CONFLICT to a definition of this label other than ours, and CONFLICT_FIX to its cure.
conflicting_definition() {
    CONFLICT=
    CONFLICT_FIX=
    if [ "$PLATFORM" = darwin ]; then
        for dir in "$ROOT/Library/LaunchAgents" "$ROOT/Library/LaunchDaemons" "$HOME/Library/LaunchAgents"; do
            [ -d "$dir" ] || continue
            for f in "$dir"/*.plist; do
                [ -f "$f" ] || continue
                [ "$f" = "$SERVICE_FILE" ] && continue
                if [ "${f##*/}" = "$PLIST_NAME" ] || grep -q "<string>$LABEL</string>" "$f" 2>/dev/null; then
                    retire_fix "$f" "$LABEL"
                    CONFLICT_FIX=$RETIRE_FIX
                    CONFLICT="$RETIRE_WHERE for $LABEL: $f"
                    return
                fi
            done
        done
        loaded=
        sm_text && job_field path && loaded=$JF
        if [ -n "$loaded" ] && [ "$loaded" != "$SERVICE_FILE" ]; then
            CONFLICT_FIX="launchctl bootout $DOMAIN/$LABEL"
            CONFLICT="$LABEL is loaded from $loaded"
        fi
    else
        fragment=$(systemctl_ show -p FragmentPath --value "$UNIT_NAME" 2>/dev/null)
        if [ -n "$fragment" ] && [ "$fragment" != "$SERVICE_FILE" ]; then
            sh_quote "$fragment"
            CONFLICT_FIX="systemctl$SCOPE_FLAG disable --now $UNIT_NAME; rm $SHQ"
            CONFLICT="$UNIT_NAME is loaded from $fragment"
        fi
    fi
}

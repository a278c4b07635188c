# shellcheck shell=sh
# The agents' activations in one switch (the NixOS, nix-darwin and home-manager modules read
# this file into their activation text; the generated part is one function per agent and the
# call). Each agent's activation runs in the background, at most SOURCEOS_AGENT_JOBS at a
# time (default: twice the processors, at least 16: an activation mostly waits, for its health
# check and settle window, so a bound by processors alone would make a switch wait a window
# per few agents), so a switch waits about as long as its slowest agent, not the sum; each
# report is printed whole, in the configuration's order, as soon as it and those before it
# are done. Every activation keeps its own lock and ends alone: one that
# fails or stages does not stop another, exactly as one after another.

# sourceos_activate_agents FUNCTION...: run each function (one agent's activation line).
sourceos_activate_agents() {
    if ! sa_dir=$(mktemp -d "${TMPDIR:-/tmp}/sourceos-agents.XXXXXX" 2>/dev/null); then
        for sa_f in "$@"; do # nowhere to keep the reports: one after another
            "$sa_f"
        done
        return 0
    fi
    sa_max=${SOURCEOS_AGENT_JOBS:-}
    case $sa_max in
    '' | *[!0-9]* | 0)
        sa_max=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
        case $sa_max in '' | *[!0-9]* | 0) sa_max=1 ;; esac
        sa_max=$((2 * sa_max))
        [ "$sa_max" -ge 16 ] || sa_max=16
        ;;
    esac
    sa_started=0 sa_done=0 sa_pids=
    for sa_f in "$@"; do
        sa_started=$((sa_started + 1))
        "$sa_f" >"$sa_dir/$sa_started.out" 2>"$sa_dir/$sa_started.err" </dev/null &
        sa_pids="$sa_pids $!"
        [ $((sa_started - sa_done)) -lt "$sa_max" ] || sourceos_agent_report
    done
    while [ "$sa_done" -lt "$sa_started" ]; do
        sourceos_agent_report
    done
    rm -rf "$sa_dir"
}

# The oldest activation not yet reported: waited for, its output and errors printed.
sourceos_agent_report() {
    sa_pids=${sa_pids# }
    sa_pid=${sa_pids%% *}
    sa_pids=${sa_pids#"$sa_pid"}
    sa_done=$((sa_done + 1))
    wait "$sa_pid" || :
    cat "$sa_dir/$sa_done.out"
    cat "$sa_dir/$sa_done.err" >&2
}

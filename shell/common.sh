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

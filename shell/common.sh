# shellcheck shell=sh
# agentc's static library, the part every generated script carries (bin/activate,
# bin/agentctl and the wrapper): what the wrapper does and preflight checks the same way.

# A registries.conf without its credential-helpers (a TOML array, maybe over several lines):
# the wrapper hands Podman this copy, and the credential probe asks Podman as the wrapper will.
without_helpers() {
    awk 'skip { if (index($0, "]")) skip = 0; next }
        /^[ \t]*credential-helpers[ \t]*=/ { if (!index($0, "]")) skip = 1; next }
        { print }' "$1"
}

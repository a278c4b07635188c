"""The host-side operator tool: what runs on the machine the agents run on, after a compile.

It owns `sourceos-agent` (dispatch to registered agents' `bin/agentctl`, `doctor
local-runtime`), `agentc audit` of service definitions already installed, `agentc import`
(a definition turned into a declaration) and `quarantine --foreign`. It reads what the
compiler wrote (manifests, the agent registry) and definitions on disk; it reaches the
compiler's core only through the IR, the policy rules and the artifacts' contracts, and
nothing in the compile path imports it.
"""

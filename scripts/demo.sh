#!/bin/sh
# Set up, then compile the bundled node-commander example and show what came out.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
out=build/demo
rm -rf "$out"
echo "== lint report: agentc check --format json examples/node-commander.agent"
echo "   (policy rules over the declaration and the generated artifacts, plus shellcheck and"
echo "    systemd-analyze verify when installed; an empty list means no findings)"
.venv/bin/agentc check --format json examples/node-commander.agent
.venv/bin/agentc check examples/node-commander.agent
echo
echo "== agentc compile examples/node-commander.agent -o $out"
.venv/bin/agentc compile examples/node-commander.agent -o "$out"
echo
find "$out" -type f | sort
echo
echo "== $out/node-commander/manifest.json: provenance and lint results recorded with the artifacts"
.venv/bin/python -c 'import json,sys; m=json.load(open(sys.argv[1])); print(json.dumps({k: m[k] for k in ("provenance", "lint", "install")}, indent=2))' "$out/node-commander/manifest.json"
echo
echo "== what a failed preflight looks like (dry run on this host; nothing is written)"
"$out/node-commander/bin/activate" --dry-run || true

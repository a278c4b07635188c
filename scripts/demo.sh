#!/bin/sh
# Set up, then compile the bundled node-commander example and show what came out.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
out=build/demo
rm -rf "$out"
echo "== agentc check examples/node-commander.agent (lint report)"
.venv/bin/agentc check examples/node-commander.agent
echo
echo "== agentc compile examples/node-commander.agent -o $out"
.venv/bin/agentc compile examples/node-commander.agent -o "$out"
echo
find "$out" -type f | sort
echo
echo "== $out/node-commander/manifest.json (lint results)"
.venv/bin/python -c 'import json,sys; m=json.load(open(sys.argv[1])); print(json.dumps(m.get("lint", m), indent=2))' "$out/node-commander/manifest.json"

# The package build (with its tests) and every bundled example compiled at build time.
{ pkgs, agentc }:
let
  compileAgents = import ./lib/compile-agents.nix { inherit (pkgs) runCommand; inherit agentc; };
  examples = builtins.attrNames (builtins.readDir ../examples);
in
{
  package = agentc;
  examples = compileAgents {
    name = "sourceos-agent-examples";
    declarations = map (f: ../examples + "/${f}") examples;
  };
}

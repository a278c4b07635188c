# The package build (with its tests) and every bundled example compiled at build time, with
# the artifact lints (lib.compileAgents as the flake exports it).
{ agentc, compileAgents }:
let
  examples = builtins.attrNames (builtins.readDir ../examples);
in
{
  package = agentc;
  examples = compileAgents {
    name = "sourceos-agent-examples";
    declarations = map (f: ../examples + "/${f}") examples;
  };
}

# lib.compileAgents: declaration files -> the `agentc compile` output tree, at build time.
# A declaration with errors fails the build with agentc's located diagnostics.
{ runCommand, agentc }:
{ name ? "sourceos-agents", declarations }:
let
  # Keep each file's own name: it is recorded in the manifest and the generated headers.
  copies = builtins.concatStringsSep "\n" (map
    (d: "cp ${d} ./${builtins.baseNameOf (toString d)}")
    declarations);
  names = builtins.concatStringsSep " " (map (d: "./${builtins.baseNameOf (toString d)}") declarations);
in
runCommand name { } ''
  ${copies}
  ${agentc}/bin/agentc compile --no-tools ${names} -o "$out"
''

# lib.compileAgents: declaration files -> the `agentc compile` output tree, at build time.
# A declaration with errors fails the build with agentc's located diagnostics. The artifact
# lints run in the build: `lintTools` (shellcheck, and systemd on Linux, from pkgs) go on PATH
# and agentc is told to fail, not skip, when one of `requireTools` is missing.
{ runCommand, agentc, lintTools ? [ ], requireTools ? [ ] }:
{ name ? "sourceos-agents", declarations }:
let
  # Keep each file's own name: it is recorded in the manifest and the generated headers.
  copies = builtins.concatStringsSep "\n" (map
    (d: "cp ${d} ./${builtins.baseNameOf (toString d)}")
    declarations);
  names = builtins.concatStringsSep " " (map (d: "./${builtins.baseNameOf (toString d)}") declarations);
  require = builtins.concatStringsSep " " (map (t: "--require-tool ${t}") requireTools);
in
runCommand name { nativeBuildInputs = lintTools; AGENTC_LINT_CACHE = "off"; } ''
  ${copies}
  ${agentc}/bin/agentc compile ${require} ${names} -o "$out"
''

# lib.compileAgents: declaration files -> the `agentc compile` output tree, at build time.
# A declaration with errors fails the build with agentc's located diagnostics. The artifact
# lints run in the build: `lintTools` (shellcheck, and systemd on Linux, from pkgs) go on PATH
# and agentc is told to fail, not skip, when one of `requireTools` is missing.
#
# The modules write the declarations from option values (nix/lib/declaration.nix, one key per
# line): for them `optionPaths = true` follows each diagnostic with the option it is about
# (`sourceos.localAgents.<name>.logs.stdout`), and `definedIn` names the files that defined
# the agent, as the module system knows them.
{ runCommand, agentc, lintTools ? [ ], requireTools ? [ ] }:
{ name ? "sourceos-agents", declarations, optionPaths ? false, definedIn ? [ ] }:
let
  # Keep each file's own name: it is recorded in the manifest and the generated headers.
  copies = builtins.concatStringsSep "\n" (map
    (d: "cp ${d} ./${builtins.baseNameOf (toString d)}")
    declarations);
  names = builtins.concatStringsSep " " (map (d: "./${builtins.baseNameOf (toString d)}") declarations);
  require = builtins.concatStringsSep " " (map (t: "--require-tool ${t}") requireTools);
in
runCommand name
{
  nativeBuildInputs = lintTools;
  AGENTC_LINT_CACHE = "off";
  definedIn = builtins.concatStringsSep ", " definedIn;
} (if !optionPaths then ''
  ${copies}
  ${agentc}/bin/agentc compile ${require} ${names} -o "$out"
'' else ''
  ${copies}
  if ${agentc}/bin/agentc compile ${require} ${names} -o "$out" 2>diagnostics; then
    cat diagnostics >&2
    exit 0
  fi
  # Each `./FILE:LINE:COL: severity[...]` line, then the option at that line of FILE: the
  # path of the `"key" = ...` binding there, within the `"key" = {` blocks open above it.
  for f in ${names}; do
    awk -v file="$f" '
      function key(line) { sub(/^[ ]*"/, "", line); sub(/" = .*/, "", line); return line }
      function word(k) { return k ~ /^[A-Za-z_][A-Za-z0-9_'"'"'-]*$/ ? k : "\"" k "\"" }
      /^[ ]*"([^"\\]|\\.)*" = \{$/ { stack[++depth] = word(key($0)); at[NR] = joined(); next }
      /^[ ]*"([^"\\]|\\.)*" = / { at[NR] = joined() "." word(key($0)); next }
      /^[ ]*\};?$/ { depth--; next }
      function joined(   i, s) { s = stack[1]; for (i = 2; i <= depth; i++) s = s "." stack[i]; return s }
      END { for (l in at) print file "\t" l "\t" at[l] }' "$f"
  done >options
  awk -v defined="$definedIn" '
    BEGIN { FS = "\t" }
    NR == FNR { option[$1 ":" $2] = $3; next }
    {
      print
      if (match($0, /^[^:]+:[0-9]+:/)) {
        where = substr($0, 1, RLENGTH - 1)
        if (where in option)
          print "  option: " option[where] (defined != "" ? ", defined in " defined : "")
      }
    }' options diagnostics >&2
  exit 1
'')

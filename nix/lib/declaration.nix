# Pure Nix, no nixpkgs: module option values -> a declaration -> declaration text.
# This is the one code path from Nix to agentc: the text is the agentc language
# (a subset of Nix), compiled at build time like any hand-written .agent file.
let
  inherit (builtins)
    attrNames concatStringsSep filter isAttrs isBool isInt isList isString
    map removeAttrs replaceStrings toString;

  # Keys the modules add that are not part of a declaration.
  moduleOnly = [ "user" ];

  escape = s:
    replaceStrings [ "\\" "\"" "\${" "\n" "\t" "\r" ] [ "\\\\" "\\\"" "\\\${" "\\n" "\\t" "\\r" ] s;

  render = indent: v:
    if isString v then "\"${escape v}\""
    else if isBool v then (if v then "true" else "false")
    else if v == null then "null"
    else if isInt v then toString v
    else if isList v then "[ ${concatStringsSep " " (map (render indent) v)} ]"
    else if isAttrs v then
      "{\n"
      + concatStringsSep "" (map
        (k: "${indent}  \"${escape k}\" = ${render "${indent}  " v.${k}};\n")
        (attrNames v))
      + "${indent}}"
    else throw "sourceos.localAgents: a value of this type cannot be declared";

  # health.type/health.command left null are derived by the compiler from the runtime.
  dropUnset = agent:
    let
      health = filter (k: agent.health.${k} != null) (attrNames agent.health);
    in
    (removeAttrs agent moduleOnly)
    // (if agent ? health then {
      health = builtins.listToAttrs (map (k: { name = k; value = agent.health.${k}; }) health);
    } else { });
in
rec {
  # { <name> = option values; } -> { sourceos.localAgents.<name> = declaration; }
  toDeclaration = agents: {
    sourceos.localAgents = builtins.mapAttrs (_: dropUnset) agents;
  };

  # A declaration -> agentc declaration text (braced form, so it is also a Nix file).
  toAgentText = declaration: render "" declaration + "\n";
}

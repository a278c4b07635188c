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

  inherit (import ./schema.nix) schema;

  # A derived field left null (health.type, auth.authfile, podman.rootless, ...) is derived by
  # the compiler from other fields: the declaration leaves it out.
  dropDerived = fields: values: builtins.listToAttrs (map
    (k: {
      name = k;
      value =
        if (fields.${k}.kind or "") == "section" && isAttrs values.${k}
        then dropDerived fields.${k}.fields values.${k}
        else values.${k};
    })
    (filter (k: !((fields.${k}.derived or false) && values.${k} == null)) (attrNames values)));

  dropUnset = agent: dropDerived schema.fields (removeAttrs agent moduleOnly);
in
rec {
  # { <name> = option values; } -> { sourceos.localAgents.<name> = declaration; }
  toDeclaration = agents: {
    sourceos.localAgents = builtins.mapAttrs (_: dropUnset) agents;
  };

  # A declaration -> agentc declaration text (braced form, so it is also a Nix file).
  toAgentText = declaration: render "" declaration + "\n";
}

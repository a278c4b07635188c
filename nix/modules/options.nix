# `sourceos.localAgents.<name>` options, generated from the compiler's schema (nix/schema.json,
# written by `python -m compiler.docgen --nix-schema`), so names and defaults cannot drift.
{ lib }:
let
  inherit (lib) mkOption types;
  inherit (import ../lib/schema.nix) schema defaultOf;

  typeOf = field:
    let
      base =
        if field.kind == "string" || field.kind == "path" then types.str
        else if field.kind == "enum" then types.enum field.choices
        else if field.kind == "bool" then types.bool
        else if field.kind == "int" then (if (field.minimum or 1) == 0 then types.ints.unsigned else types.ints.positive)
        else if field.kind == "check" then types.either types.str (types.listOf types.str)
        else if field.kind == "argv" then types.listOf types.str
        else if field.kind == "env" || field.kind == "waivers" then types.attrsOf types.str
        else if field.kind == "keepalive" then types.either types.bool (types.submodule { options = optionsOf "" field.fields; })
        else if field.kind == "section" then types.submodule { options = optionsOf "" field.fields; }
        else if field.kind == "list" then types.listOf (types.submodule { options = optionsOf "" field.item; })
        else if field.kind == "map" then types.attrsOf (types.submodule { options = optionsOf "" field.item; })
        else if field.kind == "strings" then types.listOf types.str
        else if field.kind == "decimal" then types.either types.ints.positive types.str
        else if field.kind == "volume" then types.str
        else throw "unknown field kind ${field.kind}";
    in
    if field.nullable then types.nullOr base else base;

  optionsOf = name: fields: builtins.mapAttrs
    (_: field: mkOption ({
      type = typeOf field;
      description = field.doc;
    } // (if field ? default || field ? defaultTemplate || field.kind == "section"
    then { default = defaultOf name field; } else { })))
    fields;

  agentModule = { name, ... }: {
    options = optionsOf name schema.fields // {
      user = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "For system activation: the user a user-scope agent belongs to and is activated as.";
      };
    };
  };
in
{
  sourceos.localAgents = mkOption {
    type = types.attrsOf (types.submodule agentModule);
    default = { };
    description = "SourceOS local agents, compiled by agentc and installed through their guarded bin/activate.";
  };
}

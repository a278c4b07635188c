# The compiler's declaration schema (nix/schema.json) and its defaults, in pure Nix. The module
# options and the tests both read defaults from here, so they are the compiler's.
let
  schema = builtins.fromJSON (builtins.readFile ../schema.json);

  defaultOf = name: field:
    if field ? defaultTemplate then builtins.replaceStrings [ "<name>" ] [ name ] field.defaultTemplate
    else if field.kind == "section" then { }
    else field.default or null;

  # What the module system produces for an agent: every option set, given or default.
  withDefaults = name: fields: values: builtins.mapAttrs
    (key: field:
      if field.kind == "section" then withDefaults name field.fields (values.${key} or { })
      else if field.kind == "keepalive" && builtins.isAttrs (values.${key} or null)
      then withDefaults name field.fields values.${key}
      else values.${key} or (defaultOf name field))
    fields;
in
{
  inherit schema defaultOf withDefaults;
}

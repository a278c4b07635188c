# The NixOS options agentc's module sets, declared as nixpkgs declares them (nixos/modules/
# system/activation/activation-script.nix, top-level.nix, ...; systemd.services is a
# submodule of many options there, `anything` here).
{ lib, ... }:
let
  script = lib.types.submodule {
    options = {
      text = lib.mkOption { type = lib.types.lines; };
      deps = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      supportsDryActivation = lib.mkOption { type = lib.types.bool; default = false; };
    };
  };
in
{
  options = {
    system.activationScripts = lib.mkOption {
      type = lib.types.attrsOf (lib.types.either lib.types.str script);
      default = { };
    };
    system.build = lib.mkOption {
      type = lib.types.lazyAttrsOf lib.types.unspecified;
      default = { };
    };
    environment.systemPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
    };
    systemd.services = lib.mkOption {
      type = lib.types.attrsOf lib.types.anything;
      default = { };
    };
    networking.hostName = lib.mkOption { type = lib.types.str; default = "nixos"; };
  };
}

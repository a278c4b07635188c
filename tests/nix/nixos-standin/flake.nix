# A nixpkgs stand-in for evaluating NixOS configurations offline (tests only): the real lib
# (the test copies ../shared/nix-inputs/nixpkgs-lib/lib to ./lib) with a `nixosSystem` that
# evaluates a host's modules over ./nixos.nix, and the stand-in pkgs (./pkgs.nix, copied from
# ../fake-nixpkgs).
{
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      pkgsFor = system: import ./pkgs.nix { inherit system; };
      lib = (import ./lib).extend (final: prev: {
        nixosSystem = { system, modules, specialArgs ? { } }: final.evalModules {
          inherit specialArgs;
          modules = [ ./nixos.nix { config._module.args.pkgs = pkgsFor system; } ] ++ modules;
        };
      });
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems pkgsFor;
    };
}

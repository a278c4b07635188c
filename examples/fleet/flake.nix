# Two hosts, one set of agents: agentc across a fleet with Nix's own tools (docs/fleet.md).
# Each host is a NixOS configuration; the agents every host runs are declared once
# (agents.nix), a host adds or turns off its own (hosts/<name>.nix). An agent declared alike
# on both hosts is one derivation: a remote builder or a binary cache builds it once.
{
  description = "agentc fleet example: two NixOS hosts sharing local agents";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    agentc.url = "github:SourceOS/agentc";
    agentc.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, agentc }:
    let
      host = name: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [
          agentc.nixosModules.default
          ./agents.nix
          ./hosts/${name}.nix
        ];
      };
    in
    {
      nixosConfigurations = {
        builder = host "builder";
        edge = host "edge";
      };
    };
}

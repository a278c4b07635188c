{
  description = "agentc: the SourceOS local-agent compiler";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      agentc = pkgs: pkgs.callPackage ./nix/package.nix { };
      compileAgents = pkgs: import ./nix/lib/compile-agents.nix (import ./nix/lib/lint-tools.nix pkgs // {
        inherit (pkgs) runCommand;
        agentc = agentc pkgs;
      });
    in
    {
      packages = forAll (pkgs: { default = agentc pkgs; });
      apps = forAll (pkgs: {
        default = { type = "app"; program = "${agentc pkgs}/bin/agentc"; };
      });
      lib = {
        inherit compileAgents;
        inherit (import ./nix/lib/declaration.nix) toDeclaration toAgentText;
      };
      checks = forAll (pkgs: import ./nix/checks.nix { agentc = agentc pkgs; compileAgents = compileAgents pkgs; });
      devShells = forAll (pkgs: { default = import ./nix/devshell.nix { inherit pkgs; }; });
      formatter = forAll (pkgs: pkgs.nixpkgs-fmt);
      nixosModules.default = import ./nix/modules/nixos.nix agentc;
      darwinModules.default = import ./nix/modules/darwin.nix agentc;
      homeManagerModules.default = import ./nix/modules/home-manager.nix agentc;
    };
}

{
  description = "offline stand-in for nixpkgs (tests only)";
  outputs = { self }:
    let pkgs = import ./pkgs.nix { }; in
    {
      inherit (pkgs) lib;
      legacyPackages = pkgs.lib.genAttrs
        [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ]
        (system: import ./pkgs.nix { inherit system; });
    };
}

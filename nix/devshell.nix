# A shell with the real tools the test suite runs against.
{ pkgs }:
pkgs.mkShell {
  packages = with pkgs; [
    (python3.withPackages (ps: with ps; [ lark jinja2 attrs pytest syrupy hypothesis ]))
    ruff black shellcheck podman dash busybox posh mksh yash zsh nixpkgs-fmt
  ];
}

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the desktop app needs to build (and, with --e2e, to be
# driven in a virtual screen), when they are missing, and PostgreSQL, whose server the team-store
# tests start on a free local port, and the OS keyring's pieces: libdbus to build the Secret
# Service client, GNOME Keyring and a session bus for the tests that store secrets in a real one.
# Safe to run again.
set -euo pipefail
pkgs=(build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev postgresql libdbus-1-dev dbus gnome-keyring)
[ "${1:-}" = "--e2e" ] && pkgs+=(webkit2gtk-driver xvfb dbus-x11 imagemagick)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer" >&2; exit 1; }

#!/usr/bin/env bash
# Installs the current Node LTS from the npm registry's `node` package into .node-lts/ (project-local,
# no global change) and prints the path of its binary. Usage: scripts/ensure-node-lts.sh
set -euo pipefail
version=24.21.0
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.node-lts"
bin="$dir/node_modules/node/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "v$version" ]; then
  echo "installing Node $version into .node-lts/" >&2
  mkdir -p "$dir"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" "node@$version" >/dev/null
fi
"$bin" --version >/dev/null
echo "$bin"

#!/usr/bin/env bash
# Installs the Debian packages the project needs beyond Java 17: used by .ci/run and by people setting up a machine.
#   --datasets   the full Fashion-MNIST data set (for training the shipped model; tests use a committed subset)
#   --tests      Chromium and its WebDriver (the gateway's web page is tested in a headless browser)
set -euo pipefail
want=()
for arg in "$@"; do
  case "$arg" in
    --datasets) want+=(dataset-fashion-mnist) ;;
    --tests) want+=(chromium chromium-driver) ;;
    *) echo "usage: $0 [--datasets] [--tests]" >&2; exit 2 ;;
  esac
done
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  echo "installing: ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

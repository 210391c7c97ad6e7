#!/usr/bin/env bash
# Installs the Debian 12 packages vkchat needs, only those missing (a ready machine installs nothing).
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-declarative-dev qt6-tools-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtquick-dialogs
  qml6-module-qtqml-workerscript qml6-module-qt-labs-platform qml6-module-qtqml-models
  qml6-module-qttest qml6-module-qtquick-shapes qml6-module-qtqml qml6-module-qt-labs-settings
  qml6-module-qt-labs-qmlmodels qml6-module-qt-labs-folderlistmodel libgl-dev clang libclang-rt-14-dev
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libsqlite3-dev libicu-dev libgtest-dev libcpp-httplib-dev nlohmann-json3-dev libsecret-1-dev nodejs
  xvfb x11-utils imagemagick xdotool
  librsvg2-bin desktop-file-utils appstream clang-format
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The server's conformance test drives it with the official openai client (tests/server).
SERVER_TESTS="$(dirname "$0")/../tests/server"
if ! command -v npm >/dev/null; then
  # Debian's nodejs comes without npm (a separate package); a nodesource nodejs brings its own.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
if [ ! -d "$SERVER_TESTS/node_modules/openai" ]; then
  (cd "$SERVER_TESTS" && npm ci --no-audit --no-fund --silent)
fi

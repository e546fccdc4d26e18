#!/usr/bin/env bash
# Installs the Debian packages ampcf needs (idempotent) and builds a Release build in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev libeigen3-dev libboost-serialization-dev
          libhdf5-dev hdf5-tools libspdlog-dev libgtest-dev libcli11-dev libtomlplusplus-dev zlib1g-dev python3
          python3-numpy python3-matplotlib python3-h5py libhnswlib-dev python3-hnswlib clang libclang-rt-dev chromium chromium-driver python3-selenium)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
echo "built: build/ampcf"

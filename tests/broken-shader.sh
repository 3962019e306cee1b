#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A shader with a syntax error must fail the build with glslang's message.
# Usage: broken-shader.sh SOURCE-DIR
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/src"
for entry in meson.build meson_options.txt bench plugin shaders tests weights; do
  cp -R "$src/$entry" "$tmp/src/"
done
printf '\nthis is not GLSL;\n' >> "$tmp/src/shaders/fill.comp"

meson setup "$tmp/build" "$tmp/src" -Dgimp=disabled >/dev/null 2>&1 || {
  echo "FAIL: meson setup failed before any shader was compiled"; exit 1; }
if out=$(meson compile -C "$tmp/build" 2>&1); then
  echo "FAIL: the build passed with a broken shader"; exit 1
fi
printf '%s\n' "$out" | grep -E 'ERROR: .*fill\.comp' || {
  printf '%s\n' "$out"; echo "FAIL: no glslang message naming fill.comp"; exit 1; }
echo "ok: the broken shader failed the build with glslang's message"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# weights/fetch-weights with a local copy (--from): the SqueezeNet file is
# verified, converted and installed; a damaged copy and a wrong VGG19 file
# are refused and install nothing.
#   fetch-weights.sh FETCH-WEIGHTS NEURAL-STYLE-CONVERT
set -u
fetch=$1 convert=$2
source=${NEURAL_STYLE_SHARED:-/nonexistent}/weights/squeezenet-v1.0-dc/compressed_SqueezeNet.net
[ -f "$source" ] || { echo "SKIP: $source is missing"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail () { echo "FAIL: $*"; exit 1; }

NEURAL_STYLE_CONVERT=$convert sh "$fetch" --net squeezenet --from "$source" \
  --dest "$work/a" || fail "installing a good copy"
[ -f "$work/a/squeezenet.safetensors" ] || fail "no squeezenet.safetensors"
# Header length, JSON, then 25 conv layers of float32 (conv10 left out).
size=$(wc -c < "$work/a/squeezenet.safetensors")
[ "$size" -gt 2900000 ] && [ "$size" -lt 3000000 ] ||
  fail "squeezenet.safetensors has $size bytes"

# Without the converter the original is installed as it is.
NEURAL_STYLE_CONVERT= PATH=/usr/bin:/bin sh "$fetch" --net squeezenet \
  --from "$source" --dest "$work/b" || fail "installing without converter"
cmp "$source" "$work/b/compressed_SqueezeNet.net" || fail "copy differs"

head -c 1000 "$source" > "$work/damaged.net"
if sh "$fetch" --net squeezenet --from "$work/damaged.net" --dest "$work/c" \
     2> "$work/err"; then
  fail "a damaged copy was accepted"
fi
grep -q "checksum mismatch" "$work/err" || fail "no checksum message"
[ ! -e "$work/c" ] || [ -z "$(ls "$work/c")" ] || fail "something installed"

if sh "$fetch" --net vgg19 --from "$source" --dest "$work/d" 2>/dev/null; then
  fail "a wrong VGG19 file was accepted"
fi
if sh "$fetch" --net alexnet --dest "$work/e" 2>/dev/null; then
  fail "an unknown network was accepted"
fi
echo "ok"

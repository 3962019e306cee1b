#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# With no Vulkan driver at all, a Vulkan test must report a skip (exit 77),
# never a pass.  Usage: no-device.sh VULKAN-TEST-PROGRAM
set -u
out=$(VK_DRIVER_FILES=/nonexistent/icd.json VK_ICD_FILENAMES=/nonexistent/icd.json \
      "$1" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 77 ]; then
  echo "FAIL: expected exit 77 (skip) without a Vulkan driver, got $rc"
  exit 1
fi
echo "ok: skipped without a Vulkan driver"

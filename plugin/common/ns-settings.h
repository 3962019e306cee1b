/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every environment switch of the project, read in one place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Faults the Vulkan layer can be told to fake, for tests. */
typedef enum
{
  NS_FAULT_NONE,
  NS_FAULT_ALLOC,   /* a buffer allocation fails: out of device memory */
  NS_FAULT_SUBMIT,  /* a queue submission fails: device lost */
} NsFault;

typedef struct
{
  /* NEURAL_STYLE_DEVICE: a device index from --list-devices or part of a
   * device name (case-insensitive); NULL picks the best device. */
  const char *device;

  /* NEURAL_STYLE_VK_VALIDATION=1: enable the Khronos validation layer and
   * count every message it sends (the tests fail on any). */
  gboolean    vk_validation;

  /* NEURAL_STYLE_PROFILE=1: time every dispatch with timestamp queries
   * and report the time per shader when the device is closed. */
  gboolean    profile;

  /* NEURAL_STYLE_WEIGHTS: a folder searched for weights files before the
   * user's and the system's data folders; NULL when unset. */
  const char *weights_dir;

  /* NEURAL_STYLE_VK_LIMITS=minimum: the device reports no more than the
   * Vulkan specification's minimum limits (buffer range 2^27 bytes, 128
   * invocations per workgroup...), to prove the engine needs no more. */
  gboolean    vk_limits_minimum;

  /* NEURAL_STYLE_MEMORY_LIMIT_MB=N: the device heap the memory plan may
   * count on is at most N MiB; 0 when unset (the device's own). */
  guint64     memory_limit_mb;

  /* NEURAL_STYLE_VK_FAULT=alloc:N or submit:N: the Nth buffer allocation
   * (1-based) fails with VK_ERROR_OUT_OF_DEVICE_MEMORY, or the Nth queue
   * submission with VK_ERROR_DEVICE_LOST; for tests. */
  NsFault     vk_fault;
  guint       vk_fault_at;
} NsSettings;

/* Reads the environment once; later calls return the same values. */
const NsSettings *ns_settings_get (void);

G_END_DECLS

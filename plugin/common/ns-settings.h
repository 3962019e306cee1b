/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every environment switch of the project, read in one place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

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
} NsSettings;

/* Reads the environment once; later calls return the same values. */
const NsSettings *ns_settings_get (void);

G_END_DECLS

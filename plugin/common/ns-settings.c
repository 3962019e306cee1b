/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every environment switch of the project, read in one place. */
#include "ns-settings.h"

#include <string.h>

static const char *
env_string (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && value[0] != '\0' ? value : NULL;
}

static gboolean
env_flag (const char *name)
{
  const char *value = env_string (name);

  return value != NULL && strcmp (value, "0") != 0 &&
         g_ascii_strcasecmp (value, "false") != 0 &&
         g_ascii_strcasecmp (value, "no") != 0;
}

const NsSettings *
ns_settings_get (void)
{
  static NsSettings settings;
  static gsize      initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      settings.device        = env_string ("NEURAL_STYLE_DEVICE");
      settings.vk_validation = env_flag ("NEURAL_STYLE_VK_VALIDATION");
      settings.weights_dir   = env_string ("NEURAL_STYLE_WEIGHTS");
      settings.profile       = env_flag ("NEURAL_STYLE_PROFILE");
      g_once_init_leave (&initialised, 1);
    }

  return &settings;
}

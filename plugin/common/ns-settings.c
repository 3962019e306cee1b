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

static guint64
env_number (const char *name)
{
  const char *value = env_string (name);
  guint64     number = 0;

  if (value != NULL &&
      !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32, &number, NULL))
    g_warning ("%s='%s' is not a whole number from 1 up; ignored", name,
               value);
  return number;
}

/* "minimum", or unset. */
static gboolean
env_limits (const char *name)
{
  const char *value = env_string (name);

  if (value != NULL && strcmp (value, "minimum") != 0)
    g_warning ("%s='%s' is not 'minimum'; ignored", name, value);
  return g_strcmp0 (value, "minimum") == 0;
}

/* "alloc:N" or "submit:N", N from 1. */
static void
env_fault (const char  *name,
           NsFault     *fault,
           guint       *at)
{
  static const struct { const char *prefix; NsFault fault; } kinds[] = {
    { "alloc:", NS_FAULT_ALLOC },
    { "submit:", NS_FAULT_SUBMIT },
  };
  const char *value = env_string (name);
  guint64     number;

  *fault = NS_FAULT_NONE;
  *at = 0;
  if (value == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_prefix (value, kinds[i].prefix) &&
        g_ascii_string_to_unsigned (value + strlen (kinds[i].prefix), 10, 1,
                                    G_MAXUINT32, &number, NULL))
      {
        *fault = kinds[i].fault;
        *at = (guint) number;
        return;
      }
  g_warning ("%s='%s' is not alloc:N or submit:N; ignored", name, value);
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
      settings.vk_limits_minimum = env_limits ("NEURAL_STYLE_VK_LIMITS");
      settings.memory_limit_mb = env_number ("NEURAL_STYLE_MEMORY_LIMIT_MB");
      env_fault ("NEURAL_STYLE_VK_FAULT", &settings.vk_fault,
                 &settings.vk_fault_at);
      g_once_init_leave (&initialised, 1);
    }

  return &settings;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the test programs. */
#include "ns-test.h"

#include <math.h>
#include <stdlib.h>

NsVkContext *
ns_test_context_new (void)
{
  GError      *error = NULL;
  NsVkContext *ctx = ns_vk_context_new (NULL, &error);

  if (ctx == NULL && g_error_matches (error, NS_ERROR, NS_ERROR_NO_DEVICE))
    {
      g_printerr ("SKIP: %s\n", error->message);
      g_error_free (error);
      exit (NS_TEST_SKIP);
    }
  g_assert_no_error (error);
  g_printerr ("device: %s\n", ns_vk_context_get_device_name (ctx));

  return ctx;
}

void
ns_test_context_free (NsVkContext *ctx)
{
  guint n_messages = ns_vk_context_get_n_validation_messages (ctx);

  ns_vk_context_free (ctx);
  g_assert_cmpuint (n_messages, ==, 0);
}

void
ns_test_fill_random (GRand *rand,
                     float *data,
                     gsize  n,
                     float  lo,
                     float  hi)
{
  for (gsize i = 0; i < n; i++)
    data[i] = (float) g_rand_double_range (rand, lo, hi);
}

double
ns_test_normalised_error (const float *got,
                          const float *want,
                          gsize        n)
{
  double largest = 1e-6, worst = 0.0;

  for (gsize i = 0; i < n; i++)
    largest = MAX (largest, fabs (want[i]));
  for (gsize i = 0; i < n; i++)
    {
      double diff = fabs ((double) got[i] - want[i]);

      if (!isfinite (got[i]))
        return INFINITY;
      worst = MAX (worst, diff);
    }

  return worst / largest;
}

void
ns_test_buffer_init (NsVkContext *ctx,
                     NsVkBuffer  *buffer,
                     const float *data,
                     gsize        n)
{
  GError *error = NULL;
  float  *zeros = data == NULL ? g_new0 (float, MAX (n, 1)) : NULL;

  g_assert_true (ns_vk_buffer_init (ctx, buffer, MAX (n, 1) * sizeof (float),
                                    &error));
  g_assert_no_error (error);
  g_assert_true (ns_vk_buffer_upload (ctx, buffer, 0,
                                      data != NULL ? data : zeros,
                                      MAX (n, 1) * sizeof (float), &error));
  g_assert_no_error (error);
  g_free (zeros);
}

void
ns_test_buffer_read (NsVkContext *ctx,
                     NsVkBuffer  *buffer,
                     float       *data,
                     gsize        n)
{
  GError *error = NULL;

  g_assert_true (ns_vk_buffer_download (ctx, buffer, 0, data,
                                        n * sizeof (float), &error));
  g_assert_no_error (error);
}

void
ns_test_commands_begin (NsVkContext  *ctx,
                        NsVkCommands *commands,
                        guint         max_dispatches)
{
  GError *error = NULL;

  g_assert_true (ns_vk_commands_init (ctx, commands, max_dispatches, &error));
  g_assert_true (ns_vk_commands_begin (ctx, commands, &error));
  g_assert_no_error (error);
}

void
ns_test_commands_run (NsVkContext  *ctx,
                      NsVkCommands *commands)
{
  GError *error = NULL;

  g_assert_true (ns_vk_commands_end (ctx, commands, &error));
  g_assert_true (ns_vk_commands_submit (ctx, commands, &error));
  g_assert_no_error (error);
  ns_vk_commands_free (ctx, commands);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gram shaders alone: for the style layers of SqueezeNet v1.0 and two
 * of VGG19 at 512 x 512 pixels, the time of gram (with gram_reduce when
 * the product is split) and of gram_backward, each recorded once and
 * submitted N times, and the GFLOP/s they reach.
 *
 *   bench-gram [--iterations N]
 *
 * Prints one line per shape:
 *   NAME C=.. N=HxW gram MS GFLOPS backward MS GFLOPS
 * (milliseconds per pass, median of N).  FLOPs: C (C + 1) N for gram (the
 * symmetric half it computes, 2 per multiply-add), 2 C^2 N for backward. */
#include <stdio.h>
#include <stdlib.h>

#include "ns-kernels.h"
#include "ns-op-gram.h"

static int iterations = 5;

static const GOptionEntry entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Timed passes", "N" },
  { NULL }
};

typedef struct
{
  const char *name;
  guint       c, h, w;
} Shape;

/* SqueezeNet's style layers at 512 px (conv1 253 px, pools to 126, 63),
 * VGG19's conv1_1 and conv3_1. */
static const Shape shapes[] = {
  { "squeezenet conv1", 96, 253, 253 },
  { "squeezenet fire2", 128, 126, 126 },
  { "squeezenet fire4", 256, 126, 126 },
  { "squeezenet fire6", 384, 63, 63 },
  { "squeezenet fire8", 512, 63, 63 },
  { "vgg19 conv1_1", 64, 512, 512 },
  { "vgg19 conv3_1", 256, 128, 128 },
};

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Median milliseconds of @commands submitted `iterations` times after one
 * untimed submission; -1 on failure. */
static double
time_commands (NsVkContext  *ctx,
               NsVkCommands *commands,
               GError      **error)
{
  double *ms = g_new (double, iterations);
  double  median = -1.0;
  int     i;

  if (!ns_vk_commands_submit (ctx, commands, error))
    {
      g_free (ms);
      return -1.0;
    }
  for (i = 0; i < iterations; i++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!ns_vk_commands_submit (ctx, commands, error))
        break;
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  if (i == iterations)
    {
      qsort (ms, iterations, sizeof *ms, compare_doubles);
      median = ms[iterations / 2];
    }
  g_free (ms);

  return median;
}

/* Buffers: 0 features, 1 gram (with its slices), 2 target, 3 grad; all
 * zero-filled, which costs the shaders the same time as real data. */
static double
time_pass (NsKernels   *kernels,
           const Shape *shape,
           NsVkBuffer  *buffers,
           gboolean     backward,
           GError     **error)
{
  NsVkCommands commands;
  guint        n = shape->h * shape->w;
  gboolean     ok;
  double       ms = -1.0;

  if (!ns_vk_commands_init (kernels->ctx, &commands, 2, error))
    return -1.0;
  ok = ns_vk_commands_begin (kernels->ctx, &commands, error);
  if (ok && !backward)
    ok = ns_op_gram_record (kernels, &commands, shape->c, n, &buffers[0],
                            &buffers[1], error);
  else if (ok)
    ok = ns_op_gram_backward_record (kernels, &commands, shape->c, n, 1.0f,
                                     &buffers[1], &buffers[2], &buffers[0],
                                     &buffers[3], TRUE, error);
  if (ok && ns_vk_commands_end (kernels->ctx, &commands, error))
    ms = time_commands (kernels->ctx, &commands, error);
  ns_vk_commands_free (kernels->ctx, &commands);

  return ms;
}

static gboolean
bench_shape (NsKernels   *kernels,
             const Shape *shape,
             GError     **error)
{
  NsVkBuffer buffers[4] = { 0 };
  double     c = shape->c, n = (double) shape->h * shape->w, ms[2];
  gsize      sizes[4];
  gboolean   ok = TRUE;

  sizes[0] = sizes[3] = (gsize) shape->c * shape->h * shape->w;
  sizes[1] = ns_op_gram_buffer_floats (shape->c, shape->h * shape->w);
  sizes[2] = (gsize) shape->c * shape->c;
  for (guint i = 0; i < 4 && ok; i++)
    ok = ns_vk_buffer_init (kernels->ctx, &buffers[i],
                            sizes[i] * sizeof (float), error);
  for (int pass = 0; pass < 2 && ok; pass++)
    {
      ms[pass] = time_pass (kernels, shape, buffers, pass == 1, error);
      ok = ms[pass] >= 0.0;
    }
  for (guint i = 0; i < 4; i++)
    ns_vk_buffer_free (kernels->ctx, &buffers[i]);
  if (!ok)
    return FALSE;

  printf ("%-17s C=%u N=%ux%u gram %.1f ms %.1f GFLOP/s "
          "backward %.1f ms %.1f GFLOP/s\n",
          shape->name, shape->c, shape->h, shape->w,
          ms[0], c * (c + 1) * n / ms[0] / 1e6,
          ms[1], 2.0 * c * c * n / ms[1] / 1e6);
  fflush (stdout);

  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  GOptionContext *options = g_option_context_new (NULL);
  GError         *error = NULL;
  NsVkContext    *ctx;
  NsKernels       kernels;
  gboolean        ok = TRUE;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      iterations < 1)
    {
      g_printerr ("bench-gram: %s\n",
                  error != NULL ? error->message : "--iterations < 1");
      return 2;
    }
  g_option_context_free (options);

  ctx = ns_vk_context_new (NULL, &error);
  if (ctx == NULL)
    {
      g_printerr ("bench-gram: %s\n", error->message);
      g_error_free (error);
      return 1;
    }
  printf ("# %s\n", ns_vk_context_get_device_name (ctx));
  ns_kernels_init (&kernels, ctx);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes) && ok; i++)
    ok = bench_shape (&kernels, &shapes[i], &error);
  if (!ok)
    {
      g_printerr ("bench-gram: %s\n", error->message);
      g_error_free (error);
    }
  ns_kernels_free (&kernels);
  ns_vk_context_free (ctx);

  return ok ? 0 : 1;
}

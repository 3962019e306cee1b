/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gram shaders alone: for the style layers of SqueezeNet v1.0 and two
 * of VGG19 at 512 x 512 pixels, the time of gram (with gram_reduce when
 * the product is split) and of gram_backward, each recorded once and
 * submitted N times, and the GFLOP/s they reach.
 *
 *   bench-gram [--iterations N] [--skip-forward] [--skip-backward]
 *              [--only TEXT]
 *
 * Prints one line per shape:
 *   NAME C=.. N=HxW gram MS ms GFLOPS GFLOP/s (cpu MS ms) backward ...
 * (wall milliseconds per pass, the least of N, then the least CPU time of
 * the process per pass, all threads: the least is the figure least
 * disturbed when the machine is shared).  FLOPs: C (C + 1) N for gram
 * (the symmetric half it computes, 2 per multiply-add), 2 C^2 N for
 * backward. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-stats.h"
#include "ns-kernels.h"
#include "ns-op-gram.h"

static int      iterations = 5;
static gboolean skip[2];    /* forward, backward */
static char    *only;       /* shapes whose name contains this, or all */

static const GOptionEntry entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Timed passes", "N" },
  { "skip-forward", 0, 0, G_OPTION_ARG_NONE, &skip[0], "Time no gram",
    NULL },
  { "skip-backward", 0, 0, G_OPTION_ARG_NONE, &skip[1],
    "Time no gram_backward", NULL },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only,
    "Only the shapes whose name contains TEXT", "TEXT" },
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

/* Process CPU time (all threads, user and system) in milliseconds. */
static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

/* Least wall and CPU milliseconds of @commands submitted `iterations`
 * times after one untimed submission, in times[0] and times[1]; FALSE on
 * failure. */
static gboolean
time_commands (NsVkContext  *ctx,
               NsVkCommands *commands,
               double       *times,
               GError      **error)
{
  double *ms = g_new (double, 2 * iterations);
  int     i;

  if (!ns_vk_commands_submit (ctx, commands, error))
    {
      g_free (ms);
      return FALSE;
    }
  for (i = 0; i < iterations; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_ms ();

      if (!ns_vk_commands_submit (ctx, commands, error))
        break;
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
      ms[iterations + i] = cpu_ms () - cpu_start;
    }
  if (i == iterations)
    for (int k = 0; k < 2; k++)
      {
        bench_sort (ms + k * iterations, iterations);
        times[k] = ms[k * iterations];
      }
  g_free (ms);

  return i == iterations;
}

/* Buffers: 0 features, 1 gram (with its slices), 2 target, 3 grad, 4 the
 * difference gram - target; all zero-filled, which costs the shaders the
 * same time as real data.  The wall and CPU milliseconds in times[0..1]. */
static gboolean
time_pass (NsKernels   *kernels,
           const Shape *shape,
           NsVkBuffer  *buffers,
           gboolean     backward,
           double      *times,
           GError     **error)
{
  NsVkCommands commands;
  guint        n = shape->h * shape->w;
  gboolean     ok;

  if (!ns_vk_commands_init (kernels->ctx, &commands, 2, error))
    return FALSE;
  ok = ns_vk_commands_begin (kernels->ctx, &commands, error);
  if (ok && !backward)
    ok = ns_op_gram_record (kernels, &commands, shape->c, n, &buffers[0],
                            &buffers[1], error);
  else if (ok)
    ok = ns_op_gram_backward_record (kernels, &commands, shape->c, n, 1.0f,
                                     &buffers[1], &buffers[2], &buffers[4],
                                     &buffers[0], &buffers[3], TRUE, error);
  ok = ok && ns_vk_commands_end (kernels->ctx, &commands, error) &&
       time_commands (kernels->ctx, &commands, times, error);
  ns_vk_commands_free (kernels->ctx, &commands);

  return ok;
}

static gboolean
bench_shape (NsKernels   *kernels,
             const Shape *shape,
             GError     **error)
{
  static const char *names[2] = { "gram", "backward" };
  NsVkBuffer buffers[5] = { 0 };
  double     c = shape->c, n = (double) shape->h * shape->w;
  double     flops[2] = { c * (c + 1) * n, 2.0 * c * c * n }, times[2][2];
  gsize      sizes[5];
  gboolean   ok = TRUE;

  sizes[0] = sizes[3] = (gsize) shape->c * shape->h * shape->w;
  sizes[1] = ns_op_gram_buffer_floats (shape->c, shape->h * shape->w);
  sizes[2] = sizes[4] = (gsize) shape->c * shape->c;
  for (guint i = 0; i < 5 && ok; i++)
    ok = ns_vk_buffer_init (kernels->ctx, &buffers[i],
                            sizes[i] * sizeof (float), error);
  for (int pass = 0; pass < 2 && ok; pass++)
    if (!skip[pass])
      ok = time_pass (kernels, shape, buffers, pass == 1, times[pass],
                      error);
  for (guint i = 0; i < 5; i++)
    ns_vk_buffer_free (kernels->ctx, &buffers[i]);
  if (!ok)
    return FALSE;

  printf ("%-17s C=%u N=%ux%u", shape->name, shape->c, shape->h, shape->w);
  for (int pass = 0; pass < 2; pass++)
    if (!skip[pass])
      printf (" %s %.1f ms %.1f GFLOP/s (cpu %.1f ms)", names[pass],
              times[pass][0], flops[pass] / times[pass][0] / 1e6,
              times[pass][1]);
  printf ("\n");
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
    if (only == NULL || strstr (shapes[i].name, only) != NULL)
      ok = bench_shape (&kernels, &shapes[i], &error);
  if (!ok)
    {
      g_printerr ("bench-gram: %s\n", error->message);
      g_error_free (error);
    }
  ns_kernels_free (&kernels);
  ns_vk_context_free (ctx);
  g_free (only);

  return ok ? 0 : 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The convolution shaders alone: for each distinct conv shape of VGG19 at
 * SIZE x SIZE pixels and a few of SqueezeNet's, the time
 * of the forward pass and of the backward pass to the input, each
 * recorded once and submitted N times, and the GFLOP/s they reach.
 *
 *   bench-conv [SIZE] [--iterations N]
 *
 * Prints one line per shape:
 *   conv CIN->COUT HxW kK forward MS GFLOPS backward MS GFLOPS
 * (milliseconds per pass, median of N; FLOPs = 2 per multiply-add). */
#include <stdio.h>
#include <stdlib.h>

#include "ns-kernels.h"
#include "ns-op-conv.h"

static int iterations = 5;

static const GOptionEntry entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Timed passes", "N" },
  { NULL }
};

/* VGG19's conv shapes to conv5_1: input channels, output channels, and
 * the image size divided by what.  Repeated layers appear once. */
static const guint vgg19_shapes[][3] = {
  { 3, 64, 1 }, { 64, 64, 1 }, { 64, 128, 2 }, { 128, 128, 2 },
  { 128, 256, 4 }, { 256, 256, 4 }, { 256, 512, 8 }, { 512, 512, 8 },
  { 512, 512, 16 },
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
  double  median;

  if (!ns_vk_commands_submit (ctx, commands, error))
    return -1.0;
  for (int i = 0; i < iterations; i++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!ns_vk_commands_submit (ctx, commands, error))
        {
          g_free (ms);
          return -1.0;
        }
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (ms, iterations, sizeof *ms, compare_doubles);
  median = ms[iterations / 2];
  g_free (ms);

  return median;
}

typedef enum
{
  PASS_FORWARD,
  PASS_BACKWARD,
} Pass;

static double
time_pass (NsKernels         *kernels,
           const NsConvShape *shape,
           NsVkBuffer        *buffers,
           Pass               pass,
           GError           **error)
{
  NsVkCommands commands;
  gboolean     ok;
  double       ms = -1.0;

  if (!ns_vk_commands_init (kernels->ctx, &commands, 1, error))
    return -1.0;
  ok = ns_vk_commands_begin (kernels->ctx, &commands, error);
  if (ok && pass == PASS_FORWARD)
    ok = ns_op_conv2d_record (kernels, &commands, shape, &buffers[0],
                              &buffers[1], &buffers[2], &buffers[3], error);
  else if (ok)
    ok = ns_op_conv2d_backward_record (kernels, &commands, shape,
                                       &buffers[4], &buffers[3], &buffers[1],
                                       &buffers[5], FALSE, error);
  if (ok && ns_vk_commands_end (kernels->ctx, &commands, error))
    ms = time_commands (kernels->ctx, &commands, error);
  ns_vk_commands_free (kernels->ctx, &commands);

  return ms;
}

/* Buffers: 0 in, 1 weights, 2 bias, 3 out, 4 grad_out, 5 grad_in; all
 * zero-filled, which costs the shaders the same time as real data. */
static gboolean
bench_shape (NsKernels *kernels,
             NsConvShape shape,
             GError    **error)
{
  NsVkBuffer buffers[6] = { 0 };
  gsize      sizes[6];
  double     flops, ms[2];
  gboolean   ok = TRUE;

  ns_op_conv2d_shape_finish (&shape);
  sizes[0] = sizes[5] = (gsize) shape.in_c * shape.in_h * shape.in_w;
  sizes[1] = ns_op_conv2d_weights_size (&shape);
  sizes[2] = shape.out_c;
  sizes[3] = sizes[4] = (gsize) shape.out_c * shape.out_h * shape.out_w;
  for (guint i = 0; i < 6 && ok; i++)
    ok = ns_vk_buffer_init (kernels->ctx, &buffers[i],
                            sizes[i] * sizeof (float), error);
  for (Pass pass = PASS_FORWARD; pass <= PASS_BACKWARD && ok; pass++)
    {
      ms[pass] = time_pass (kernels, &shape, buffers, pass, error);
      ok = ms[pass] >= 0.0;
    }
  for (guint i = 0; i < 6; i++)
    ns_vk_buffer_free (kernels->ctx, &buffers[i]);
  if (!ok)
    return FALSE;

  flops = 2.0 * shape.out_c * shape.out_h * shape.out_w * shape.in_c *
          shape.kernel * shape.kernel;
  printf ("conv %u->%u %ux%u k%u s%u forward %.1f ms %.1f GFLOP/s "
          "backward %.1f ms %.1f GFLOP/s\n",
          shape.in_c, shape.out_c, shape.in_h, shape.in_w, shape.kernel,
          shape.stride, ms[0], flops / ms[0] / 1e6, ms[1],
          flops / ms[1] / 1e6);
  fflush (stdout);

  return TRUE;
}

/* SqueezeNet v1.0 shapes: conv1 (7x7, stride 2), then a fire module's
 * squeeze (1x1) and expands (1x1, 3x3) after the first pooling: input
 * channels, output channels, kernel, stride, pad, the image size divided
 * by what. */
static const guint squeezenet_shapes[][6] = {
  { 3, 96, 7, 2, 0, 1 },
  { 128, 16, 1, 1, 0, 4 },
  { 16, 64, 1, 1, 0, 4 },
  { 16, 64, 3, 1, 1, 4 },
  { 256, 32, 1, 1, 0, 8 },
  { 32, 128, 3, 1, 1, 8 },
};

int
main (int    argc,
      char **argv)
{
  GOptionContext *options = g_option_context_new ("[SIZE]");
  GError         *error = NULL;
  NsVkContext    *ctx;
  NsKernels       kernels;
  guint           size = 256;
  gboolean        ok = TRUE;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      iterations < 1)
    {
      g_printerr ("bench-conv: %s\n",
                  error != NULL ? error->message : "--iterations < 1");
      return 2;
    }
  g_option_context_free (options);
  if (argc > 1)
    size = (guint) atoi (argv[1]);
  if (size < 16)
    {
      g_printerr ("bench-conv: SIZE must be at least 16\n");
      return 2;
    }

  ctx = ns_vk_context_new (NULL, &error);
  if (ctx == NULL)
    {
      g_printerr ("bench-conv: %s\n", error->message);
      g_error_free (error);
      return 1;
    }
  printf ("# %s, %u x %u px\n", ns_vk_context_get_device_name (ctx), size,
          size);
  ns_kernels_init (&kernels, ctx);
  for (gsize i = 0; i < G_N_ELEMENTS (vgg19_shapes) && ok; i++)
    {
      NsConvShape shape = {
        .in_c = vgg19_shapes[i][0], .out_c = vgg19_shapes[i][1],
        .in_h = size / vgg19_shapes[i][2], .in_w = size / vgg19_shapes[i][2],
        .kernel = 3, .stride = 1, .pad = 1, .relu = TRUE,
      };

      ok = bench_shape (&kernels, shape, &error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (squeezenet_shapes) && ok; i++)
    {
      const guint *row = squeezenet_shapes[i];
      NsConvShape  shape = {
        .in_c = row[0], .out_c = row[1], .kernel = row[2], .stride = row[3],
        .pad = row[4], .in_h = size / row[5], .in_w = size / row[5],
        .relu = TRUE,
      };

      ok = bench_shape (&kernels, shape, &error);
    }
  if (!ok)
    {
      g_printerr ("bench-conv: %s\n", error->message);
      g_error_free (error);
    }
  ns_kernels_free (&kernels);
  ns_vk_context_free (ctx);

  return ok ? 0 : 1;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The convolution shaders alone: for each distinct conv shape of VGG19 at
 * SIZE x SIZE pixels, then SqueezeNet's conv1 and fire module shapes, the
 * time of the forward pass and of the backward pass to the input, each
 * recorded once and submitted N times, and the GFLOP/s they reach.  With
 * --squeezenet, only SqueezeNet's conv1 on a SIZE x 3/4 SIZE image (width
 * x height) and its 3x3 stride-2 max pool (ceil mode) on the result.
 *
 *   bench-conv [SIZE] [--iterations N] [--squeezenet]
 *
 * Prints one line per shape:
 *   conv CIN->COUT HxW kK sS forward MS GFLOPS backward MS GFLOPS
 *   pool C HxW kK sS forward MS backward MS
 * (milliseconds per pass, median of N; FLOPs = 2 per multiply-add). */
#include <stdio.h>
#include <stdlib.h>

#include "bench-stats.h"
#include "ns-kernels.h"
#include "ns-op-conv.h"
#include "ns-op-pool.h"

static int      iterations = 5;
static gboolean squeezenet_only = FALSE;
static gboolean direct = FALSE;

static const GOptionEntry entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Timed passes", "N" },
  { "squeezenet", 0, 0, G_OPTION_ARG_NONE, &squeezenet_only,
    "Only SqueezeNet's conv1 and pool1", NULL },
  { "direct", 0, 0, G_OPTION_ARG_NONE, &direct,
    "The tiled and direct shaders only, never Winograd", NULL },
  { NULL }
};

/* VGG19's conv shapes to conv5_1: input channels, output channels, and
 * the image size divided by what.  Repeated layers appear once. */
static const guint vgg19_shapes[][3] = {
  { 3, 64, 1 }, { 64, 64, 1 }, { 64, 128, 2 }, { 128, 128, 2 },
  { 128, 256, 4 }, { 256, 256, 4 }, { 256, 512, 8 }, { 512, 512, 8 },
  { 512, 512, 16 },
};

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
  median = bench_median (ms, iterations);
  g_free (ms);

  return median;
}

typedef enum
{
  PASS_FORWARD,
  PASS_BACKWARD,
} Pass;

/* What one timed pass records: a conv or a max pool, forward or backward,
 * over @buffers (conv: 0 in, 1 weights, 2 bias, 3 out, 4 grad_out,
 * 5 grad_in, 6 and 7 the Winograd scratch; pool: 0 in, 1 where, 3 out,
 * 4 grad_out, 5 grad_in: the timed forward pass fills where before the
 * backward pass reads it). */
#define N_BUFFERS 8

typedef struct
{
  const NsConvShape *conv;
  const NsPoolShape *pool;
  Pass               pass;
} Job;

static gboolean
job_record (NsKernels    *kernels,
            NsVkCommands *commands,
            const Job    *job,
            NsVkBuffer   *b,
            GError      **error)
{
  if (job->pool != NULL && job->pass == PASS_FORWARD)
    return ns_op_pool_max_record (kernels, commands, job->pool, &b[0], &b[3],
                                  &b[1], error);
  if (job->pool != NULL)
    return ns_op_pool_max_backward_record (kernels, commands, job->pool,
                                           &b[1], &b[4], &b[5], FALSE,
                                           error);
  NsConvScratch scratch = { &b[6], &b[7] };

  if (job->pass == PASS_FORWARD)
    return ns_op_conv2d_record (kernels, commands, job->conv, &b[0], &b[1],
                                &b[2], &b[3], &scratch, error);

  return ns_op_conv2d_backward_record (kernels, commands, job->conv, &b[4],
                                       &b[3], &b[1], &b[5], FALSE, &scratch,
                                       error);
}

static double
time_job (NsKernels  *kernels,
          const Job  *job,
          NsVkBuffer *buffers,
          GError    **error)
{
  NsVkCommands commands;
  double       ms = -1.0;

  guint        dispatches = job->conv != NULL ?
                            ns_op_conv2d_dispatches (job->conv) : 1;

  if (!ns_vk_commands_init (kernels->ctx, &commands, dispatches, error))
    return -1.0;
  if (ns_vk_commands_begin (kernels->ctx, &commands, error) &&
      job_record (kernels, &commands, job, buffers, error) &&
      ns_vk_commands_end (kernels->ctx, &commands, error))
    ms = time_commands (kernels->ctx, &commands, error);
  ns_vk_commands_free (kernels->ctx, &commands);

  return ms;
}

/* N_BUFFERS buffers of @sizes floats, uniform in -1..1 from a fixed seed: half
 * the outputs pass the ReLU mask and the pooling windows have one
 * maximum each, as with real data. */
static gboolean
buffers_init (NsVkContext *ctx,
              NsVkBuffer  *buffers,
              const gsize *sizes,
              GError     **error)
{
  GRand   *rand = g_rand_new_with_seed (1);
  gboolean ok = TRUE;

  for (guint i = 0; i < N_BUFFERS && ok; i++)
    {
      float *data = g_new (float, sizes[i]);

      for (gsize j = 0; j < sizes[i]; j++)
        data[j] = (float) g_rand_double_range (rand, -1.0, 1.0);
      ok = ns_vk_buffer_init (ctx, &buffers[i], sizes[i] * sizeof (float),
                              error) &&
           ns_vk_buffer_upload (ctx, &buffers[i], 0, data,
                                sizes[i] * sizeof (float), error);
      g_free (data);
    }
  g_rand_free (rand);

  return ok;
}

static gboolean
bench_jobs (NsKernels   *kernels,
            Job         *jobs,
            const gsize *sizes,
            double      *ms,
            GError     **error)
{
  NsVkBuffer buffers[N_BUFFERS] = { 0 };
  gboolean   ok = buffers_init (kernels->ctx, buffers, sizes, error);

  for (Pass pass = PASS_FORWARD; pass <= PASS_BACKWARD && ok; pass++)
    {
      jobs[pass].pass = pass;
      ms[pass] = time_job (kernels, &jobs[pass], buffers, error);
      ok = ms[pass] >= 0.0;
    }
  for (guint i = 0; i < N_BUFFERS; i++)
    ns_vk_buffer_free (kernels->ctx, &buffers[i]);

  return ok;
}

static gboolean
bench_shape (NsKernels  *kernels,
             NsConvShape shape,
             GError    **error)
{
  Job    jobs[2] = { { .conv = &shape }, { .conv = &shape } };
  gsize  sizes[N_BUFFERS];
  double flops, ms[2];

  shape.algorithm = direct ? NS_CONV_DIRECT : NS_CONV_AUTO;
  ns_op_conv2d_shape_finish (&shape);
  sizes[6] = sizes[7] = MAX (ns_op_conv2d_scratch_size (&shape), 1);
  sizes[0] = sizes[5] = (gsize) shape.in_c * shape.in_h * shape.in_w;
  sizes[1] = ns_op_conv2d_weights_size (&shape);
  sizes[2] = shape.out_c;
  sizes[3] = sizes[4] = (gsize) shape.out_c * shape.out_h * shape.out_w;
  if (!bench_jobs (kernels, jobs, sizes, ms, error))
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

/* A max pool without padding over @channels planes of @in_h x @in_w. */
static gboolean
bench_pool (NsKernels *kernels,
            guint      channels,
            guint      in_h,
            guint      in_w,
            guint      kernel,
            guint      stride,
            gboolean   ceil_mode,
            GError   **error)
{
  NsPoolShape shape = {
    .channels = channels, .in_h = in_h, .in_w = in_w,
    .out_h = ns_op_pool_out_size (in_h, kernel, stride, 0, ceil_mode),
    .out_w = ns_op_pool_out_size (in_w, kernel, stride, 0, ceil_mode),
    .kernel = kernel, .stride = stride,
  };
  Job    jobs[2] = { { .pool = &shape }, { .pool = &shape } };
  gsize  sizes[N_BUFFERS];
  double ms[2];

  sizes[0] = sizes[5] = (gsize) channels * in_h * in_w;
  sizes[2] = sizes[6] = sizes[7] = 1;
  sizes[1] = sizes[3] = sizes[4] = (gsize) channels * shape.out_h *
                                   shape.out_w;
  if (!bench_jobs (kernels, jobs, sizes, ms, error))
    return FALSE;

  printf ("pool %u %ux%u k%u s%u forward %.1f ms backward %.1f ms\n",
          channels, in_h, in_w, kernel, stride, ms[0], ms[1]);
  fflush (stdout);

  return TRUE;
}

/* SqueezeNet v1.0's conv1 (7x7, stride 2, 96 channels) and pool1 (3x3,
 * stride 2, ceil mode) on a @w x @h image. */
static gboolean
bench_squeezenet (NsKernels *kernels,
                  guint      w,
                  guint      h,
                  GError   **error)
{
  NsConvShape shape = {
    .in_c = 3, .out_c = 96, .in_h = h, .in_w = w,
    .kernel = 7, .stride = 2, .relu = TRUE,
  };

  ns_op_conv2d_shape_finish (&shape);

  return bench_shape (kernels, shape, error) &&
         bench_pool (kernels, shape.out_c, shape.out_h, shape.out_w, 3, 2,
                     TRUE, error);
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
          squeezenet_only ? size * 3 / 4 : size);
  ns_kernels_init (&kernels, ctx);
  for (gsize i = 0; i < G_N_ELEMENTS (vgg19_shapes) && ok &&
                   !squeezenet_only; i++)
    {
      NsConvShape shape = {
        .in_c = vgg19_shapes[i][0], .out_c = vgg19_shapes[i][1],
        .in_h = size / vgg19_shapes[i][2], .in_w = size / vgg19_shapes[i][2],
        .kernel = 3, .stride = 1, .pad = 1, .relu = TRUE,
      };

      ok = bench_shape (&kernels, shape, &error);
    }
  if (ok && squeezenet_only)
    ok = bench_squeezenet (&kernels, size, size * 3 / 4, &error);
  for (gsize i = 0;
       i < G_N_ELEMENTS (squeezenet_shapes) && ok && !squeezenet_only; i++)
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

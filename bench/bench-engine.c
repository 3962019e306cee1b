/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's side of the benchmark (bench/bench_torch.py is PyTorch's):
 * VGG19 with random weights (He initialisation, fixed seed, written to a
 * safetensors file and loaded like real weights), one stage of Adam steps
 * on random content and style images of SIZE x SIZE pixels.
 *
 *   bench-engine SIZE [--iterations N] [--warmup N]
 *
 * Prints one line:  ours SIZE SECONDS_PER_ITER GFLOPS PEAK_MIB PLAN_MIB
 * seconds: median time between steps after the warm-up; GFLOP/s: the
 * convolutions' multiply-adds, forward and backward to the input, as
 * bench_torch.py counts them; peak: the process's peak resident set (what a
 * CPU driver uses); plan: the device memory the stage and weights need. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-stats.h"
#include "ns-graph.h"
#include "ns-stage.h"
#include "ns-weights.h"

static int iterations = 5;
static int warmup = 2;

static const GOptionEntry entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Timed steps", "N" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed first steps", "N" },
  { NULL }
};

/* Input channels of conv layer @index. */
static guint
in_channels (const NsNet *net,
             const guint *channels,
             guint        index)
{
  int from = net->layers[index].inputs[0];

  return from < 0 ? 3 : channels[from];
}

/* Writes He-initialised weights (normal, variance 2 / (Cin k^2), seed 0)
 * and zero biases of every conv layer of @net as safetensors F32, so they
 * are read back the way real weights are. */
static gboolean
weights_write (const NsNet *net,
               const char  *path,
               GError     **error)
{
  NsWeights *weights = ns_weights_new (net, ns_stage_n_nodes (net));
  GRand     *rand = g_rand_new_with_seed (0);
  gboolean   ok;

  for (guint i = 0; i < weights->n_layers; i++)
    {
      NsConvWeights *conv = &weights->convs[i];
      gsize          n = (gsize) conv->out_channels * conv->in_channels *
                         conv->kernel * conv->kernel;
      double         sd = sqrt (2.0 / MAX (n / MAX (conv->out_channels, 1), 1));

      if (net->layers[i].kind != NS_LAYER_CONV)
        continue;
      for (gsize j = 0; j < n; j++)
        {
          /* Box-Muller from two uniforms in (0, 1]. */
          double u = 1.0 - g_rand_double (rand), v = g_rand_double (rand);

          conv->weight[j] = sd * sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
        }
    }
  ok = ns_weights_save (weights, path, NS_WEIGHTS_F32, error);
  ns_weights_free (weights);
  g_rand_free (rand);

  return ok;
}

/* Multiply-adds of the conv layers among the first @n_nodes, times 2
 * (FLOPs) and 2 again (forward and backward to the input). */
static double
conv_flops (const NsNet *net,
            guint        n_nodes,
            guint        size)
{
  guint  side[256], channels[256];
  double flops = 0.0;

  for (guint i = 0; i < n_nodes && i < G_N_ELEMENTS (side); i++)
    {
      const NsLayer *layer = &net->layers[i];
      int            from = layer->inputs[0];
      guint          in_side = from < 0 ? size : side[from];
      guint          cin = in_channels (net, channels, i);

      side[i] = layer->kind == NS_LAYER_CONCAT ? in_side :
                (in_side + 2 * layer->pad - layer->kernel) / layer->stride + 1;
      channels[i] = layer->kind == NS_LAYER_CONV ? layer->out_channels :
                    layer->kind == NS_LAYER_CONCAT ?
                    cin + channels[layer->inputs[1]] : cin;
      if (layer->kind == NS_LAYER_CONV)
        flops += 4.0 * cin * layer->out_channels * layer->kernel *
                 layer->kernel * side[i] * side[i];
    }

  return flops;
}

typedef struct
{
  gint64  last;
  GArray *seconds;
} Timing;

static gboolean
on_step (guint        iteration,
         gboolean     have_losses,
         const double losses[3],
         gpointer     user_data)
{
  Timing *timing = user_data;
  gint64  now = g_get_monotonic_time ();

  if (iteration > (guint) warmup)
    {
      double seconds = (now - timing->last) / 1e6;

      g_array_append_val (timing->seconds, seconds);
    }
  timing->last = now;

  return TRUE;
}

static void
image_random (NsImage *image,
              guint    size,
              GRand   *rand)
{
  gsize n = (gsize) size * size * 3;

  image->width = image->height = size;
  image->pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    image->pixels[i] = g_rand_double (rand);
}

/* Runs warmup + iterations steps at @size; fills @seconds (median) and
 * @plan (device bytes).  Frees *@weights once they are on the device, as
 * ns_engine_run does. */
static gboolean
bench (NsVkContext  *ctx,
       NsWeights   **weights,
       guint         size,
       double       *seconds,
       guint64      *plan,
       GError      **error)
{
  const NsNet   *net = (*weights)->net;
  guint          n_nodes = ns_stage_n_nodes (net);
  NsKernels      kernels;
  NsGraphWeights device_weights = { 0 };
  NsParams       params;
  NsImage        content, style;
  GRand         *rand = g_rand_new_with_seed (1);
  NsStage       *stage = NULL;
  float          blend = 1.0f;
  Timing         timing = { 0, g_array_new (FALSE, FALSE, sizeof (double)) };
  NsStageReport  report = { on_step, &timing };
  guint64        largest;
  gboolean       ok;

  ns_params_init_defaults (&params, net->name);
  params.iterations = warmup + iterations;
  image_random (&content, size, rand);
  image_random (&style, size, rand);
  ns_kernels_init (&kernels, ctx);
  {
    NsStageSetup setup = {
      .ctx = ctx, .kernels = &kernels, .params = &params,
      .weights = &device_weights, .n_nodes = n_nodes,
      .width = size, .height = size, .content = &content,
      .styles = &style, .style_blend = &blend, .n_styles = 1,
      .segment_flops = 1e12,
    };

    ok = ns_stage_plan (net, n_nodes, size, size, size, size, plan, &largest,
                        error) &&
         ns_graph_weights_upload (ctx, *weights, n_nodes, &device_weights,
                                  error);
    g_clear_pointer (weights, ns_weights_free_and_trim);
    ok = ok && (stage = ns_stage_new (&setup, NULL, error)) != NULL;
    timing.last = g_get_monotonic_time ();
    ok = ok && ns_stage_optimise (stage, &content, &report, NULL, error);
  }
  *plan += ns_graph_weights_bytes (net, n_nodes);
  if (ok && timing.seconds->len > 0)
    {
      *seconds = bench_median ((double *) timing.seconds->data,
                               timing.seconds->len);
    }
  if (stage != NULL)
    ns_stage_free (stage);
  ns_graph_weights_clear (ctx, &device_weights);
  ns_kernels_free (&kernels);
  g_array_free (timing.seconds, TRUE);
  g_free (content.pixels);
  g_free (style.pixels);
  g_rand_free (rand);

  return ok;
}

int
main (int    argc,
      char **argv)
{
  GOptionContext *options = g_option_context_new ("SIZE");
  const NsNet    *net = ns_net_find ("vgg19");
  GError         *error = NULL;
  NsVkContext    *ctx = NULL;
  NsWeights      *weights = NULL;
  char           *path = NULL;
  struct rusage   usage;
  double          seconds = 0.0;
  guint64         plan = 0;
  guint           size;
  int             fd;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc != 2 ||
      (size = atoi (argv[1])) < 32 || iterations < 1 || warmup < 0)
    {
      fprintf (stderr, "%s\n", error != NULL ? error->message :
               "usage: bench-engine SIZE [--iterations N] [--warmup N]");
      return 2;
    }

  fd = g_file_open_tmp ("bench-vgg19-XXXXXX.safetensors", &path, &error);
  if (fd >= 0)
    close (fd);
  if (fd < 0 || !weights_write (net, path, &error) ||
      (weights = ns_weights_load (net, path, ns_stage_n_nodes (net),
                                  &error)) == NULL ||
      (ctx = ns_vk_context_new (NULL, &error)) == NULL ||
      !bench (ctx, &weights, size, &seconds, &plan, &error))
    {
      fprintf (stderr, "bench-engine: %s\n", error->message);
      return 1;
    }

  getrusage (RUSAGE_SELF, &usage);
  printf ("# ours on %s\n", ns_vk_context_get_device_name (ctx));
  printf ("ours %u %.4f %.1f %.0f %.0f\n", size, seconds,
          conv_flops (net, ns_stage_n_nodes (net), size) / seconds / 1e9,
          usage.ru_maxrss / 1024.0, plan / 1048576.0);

  ns_vk_context_free (ctx);
  g_unlink (path);
  g_free (path);
  g_option_context_free (options);

  return 0;
}

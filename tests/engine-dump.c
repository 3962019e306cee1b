/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs one stage of the engine on raw images and writes what it computed,
 * for comparison with an independent implementation (tests/torch):
 *
 *   engine-dump [options] CONTENT.f32 STYLE.f32 RESULT.json GRAD.f32
 *
 * An image file is two little-endian uint32 (width, height) then float32
 * R'G'B' interleaved.  RESULT.json gets {"losses": [content, style, tv]}
 * of the first evaluation and {"curve": {"step": total}} of the steps whose
 * losses were read; GRAD.f32 the pixel gradient, planar [3][H][W]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns-graph.h"
#include "ns-stage.h"

static char   *net_name = "vgg19";
static char   *weights_path = NULL;
static int     steps = 50;
static double  learning_rate = 0.02;
static double  content_weight = 1.0;
static double  style_weight = 10.0;
static double  tv_weight = 10.0;

static const GOptionEntry entries[] = {
  { "net", 0, 0, G_OPTION_ARG_STRING, &net_name, "Network", "NAME" },
  { "weights", 0, 0, G_OPTION_ARG_FILENAME, &weights_path, "Weights", "FILE" },
  { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Adam steps", "N" },
  { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &learning_rate, "Learning rate", "F" },
  { "content-weight", 0, 0, G_OPTION_ARG_DOUBLE, &content_weight, "", "F" },
  { "style-weight", 0, 0, G_OPTION_ARG_DOUBLE, &style_weight, "", "F" },
  { "tv-weight", 0, 0, G_OPTION_ARG_DOUBLE, &tv_weight, "", "F" },
  { NULL }
};

static gboolean
image_read (const char *path,
            NsImage    *image,
            GError    **error)
{
  char   *data;
  gsize   length;
  guint32 size[2];

  if (!g_file_get_contents (path, &data, &length, error))
    return FALSE;
  memcpy (size, data, sizeof size);
  if (length != sizeof size + (gsize) size[0] * size[1] * 3 * sizeof (float))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT, "%s: wrong size", path);
      g_free (data);
      return FALSE;
    }
  image->width = size[0];
  image->height = size[1];
  image->pixels = g_memdup2 (data + sizeof size, length - sizeof size);
  g_free (data);

  return TRUE;
}

typedef struct
{
  GString *curve;
} Collect;

static gboolean
on_step (guint        iteration,
         gboolean     have_losses,
         const double losses[3],
         gpointer     user_data)
{
  Collect *collect = user_data;

  if (have_losses)
    g_string_append_printf (collect->curve, "%s\"%u\": %.9g",
                            collect->curve->len > 0 ? ", " : "", iteration,
                            losses[0] + losses[1] + losses[2]);
  return TRUE;
}

static gboolean
dump (char **argv,
      GError **error)
{
  const NsNet   *net = ns_net_find (net_name);
  NsVkContext   *ctx = NULL;
  NsKernels      kernels;
  NsWeights     *weights = NULL;
  NsGraphWeights device_weights = { 0 };
  NsParams       params;
  NsImage        content = { 0 }, style = { 0 };
  NsStage       *stage = NULL;
  float          blend = 1.0f, *grad = NULL;
  double         losses[3];
  Collect        collect = { g_string_new (NULL) };
  NsStageReport  report = { on_step, &collect };
  char          *json = NULL;
  gboolean       ok = FALSE;

  ns_params_init_defaults (&params, net_name);
  params.iterations = steps;
  params.learning_rate = learning_rate;
  params.content_weight = content_weight;
  params.style_weight = style_weight;
  params.tv_weight = tv_weight;

  if (net == NULL || !image_read (argv[1], &content, error) ||
      !image_read (argv[2], &style, error) ||
      (ctx = ns_vk_context_new (NULL, error)) == NULL ||
      (weights = ns_weights_load (net, weights_path, ns_stage_n_nodes (net),
                                  error)) == NULL)
    goto out;
  ns_kernels_init (&kernels, ctx);
  {
    NsStageSetup setup = {
      .ctx = ctx, .kernels = &kernels, .params = &params,
      .weights = &device_weights, .n_nodes = ns_stage_n_nodes (net),
      .width = content.width, .height = content.height,
      .content = &content, .styles = &style, .style_blend = &blend,
      .n_styles = 1, .segment_flops = 1e12,
    };

    grad = g_new (float, (gsize) 3 * content.width * content.height);
    ok = ns_graph_weights_upload (ctx, weights, setup.n_nodes, &device_weights,
                                  error) &&
         (stage = ns_stage_new (&setup, NULL, error)) != NULL &&
         ns_stage_evaluate (stage, &content, losses, grad, error) &&
         ns_stage_optimise (stage, &content, &report, NULL, error);
  }
  if (ok)
    {
      json = g_strdup_printf ("{\"losses\": [%.9g, %.9g, %.9g], "
                              "\"curve\": {%s}}\n", losses[0], losses[1],
                              losses[2], collect.curve->str);
      ok = g_file_set_contents (argv[3], json, -1, error) &&
           g_file_set_contents (argv[4], (const char *) grad,
                                (gssize) 3 * content.width * content.height *
                                sizeof (float), error);
    }
  ns_stage_free (stage);
  ns_graph_weights_clear (ctx, &device_weights);
  ns_kernels_free (&kernels);

out:
  if (ok && ns_vk_context_get_n_validation_messages (ctx) > 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_FAILED, "validation messages");
      ok = FALSE;
    }
  g_clear_pointer (&weights, ns_weights_free);
  g_clear_pointer (&ctx, ns_vk_context_free);
  g_free (json);
  g_free (grad);
  g_free (content.pixels);
  g_free (style.pixels);
  g_string_free (collect.curve, TRUE);

  return ok;
}

int
main (int argc, char **argv)
{
  GOptionContext *options = g_option_context_new ("CONTENT STYLE RESULT GRAD");
  GError         *error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc != 5)
    {
      g_printerr ("engine-dump: %s\n", error ? error->message : "bad usage");
      return 1;
    }
  g_option_context_free (options);
  if (!dump (argv, &error))
    {
      g_printerr ("engine-dump: %s\n", error->message);
      return g_error_matches (error, NS_ERROR, NS_ERROR_NO_DEVICE) ? 77 : 1;
    }

  return 0;
}

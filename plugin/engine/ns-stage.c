/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One stage of the coarse-to-fine optimisation.
 *
 * Losses, for a layer l with features F (C x N, N = H*W), Gram matrix
 * G = F F^T / (C N), style target A and content target P:
 *   style   E_l = w_s w_l / (C^2 a_l) * sum_ij (G - A)_ij^2,  a_l = mean (A^2)
 *   content E_c = w_c / (C N p) * sum (F - P)^2,               p = mean (P^2)
 *   TV      E_t = w_t / (3 H W) * sum of squared differences of neighbouring
 *                 pixels of the image, across and down.
 * Dividing by the targets' own magnitudes puts layers whose raw scales
 * differ by orders of magnitude on one footing.  Gradients:
 *   dE_l/dF = 4 w_s w_l / (C^2 a_l C N) (G - A) F,
 *   dE_c/dF = 2 w_c / (C N p) (F - P). */
#include "ns-stage.h"

#include <math.h>
#include <string.h>

#include "ns-image.h"
#include "ns-op-adam.h"
#include "ns-op-gram.h"
#include "ns-op-loss.h"

/* A floor under the targets' magnitudes, so a flat style (all features
 * zero) gives a finite loss. */
#define NORM_FLOOR 1e-12

/* Losses are read back every this many steps (and at each stage's ends). */
#define LOSS_INTERVAL 10

/* Adam's moment decay rates and denominator guard (Kingma and Ba). */
#define ADAM_BETA1   0.9f
#define ADAM_BETA2   0.999f
#define ADAM_EPSILON 1e-8f

enum { LOSS_CONTENT, LOSS_STYLE_FIRST };

typedef struct
{
  int        layer;
  guint      c, n;             /* channels, pixels of the layer's output */
  double     scale;            /* the loss's factor before the sum */
  NsVkBuffer gram;             /* [c][c] */
  NsVkBuffer target;           /* [c][c] */
  NsVkBuffer difference;       /* [c][c], gram - target in the gradient */
} StyleTerm;

struct _NsStage
{
  const NsStageSetup *setup;
  const NsNet        *net;
  NsGraph             graph;
  StyleTerm           style[16];
  guint               n_style;
  int                 content_layer;
  double              content_scale;
  NsVkBuffer          content_target;
  NsVkBuffer          moments;     /* Adam's m then v, [2][3 H W] */
  NsVkBuffer          adam_step;   /* NsAdamStep, written before each step */
  NsVkBuffer          losses;      /* one float per loss term */
  guint               n_losses;
  NsRecorder          gradient;    /* forward, losses' gradients, backward */
  NsRecorder          step;        /* Adam */
  NsRecorder          loss;
};

typedef struct _NsStage Stage;

static double
layer_weight (const NsNet *net,
              guint        index)
{
  double sum = 0.0;

  for (guint i = 0; i < net->n_style_layers; i++)
    sum += net->style_layer_weights[i];

  /* Relative weights, averaging 1 over the style layers. */
  return sum > 0.0 ? net->style_layer_weights[index] * net->n_style_layers / sum
                   : 1.0;
}

guint
ns_stage_n_nodes (const NsNet *net)
{
  int deepest = ns_net_layer_index (net, net->content_layer);

  for (guint i = 0; i < net->n_style_layers; i++)
    deepest = MAX (deepest, ns_net_layer_index (net, net->style_layers[i]));

  return (guint) deepest + 1;
}

/* Planning. */

/* The Gram buffer serves the main graph and the style images' graphs,
 * whose pixel counts differ; the split over pixels that sizes it stops
 * growing at large pixel counts, so it is sized for the largest. */
static VkDeviceSize
gram_bytes (guint c)
{
  return ns_op_gram_buffer_floats (c, G_MAXUINT / 4) * sizeof (float);
}


gboolean
ns_stage_plan (const NsNet *net,
               guint        n_nodes,
               guint        width,
               guint        height,
               guint        style_width,
               guint        style_height,
               guint64     *bytes,
               guint64     *largest,
               GError     **error)
{
  guint64 main_bytes, main_largest, style_bytes, style_largest;
  guint64 image = (guint64) 3 * width * height * sizeof (float);
  guint64 extra = 3 * image;    /* Adam's moments and the step */

  if (!ns_graph_plan (net, n_nodes, width, height, TRUE, &main_bytes,
                      &main_largest, error) ||
      !ns_graph_plan (net, n_nodes, style_width, style_height, FALSE,
                      &style_bytes, &style_largest, error))
    return FALSE;

  for (guint i = 0; i < net->n_style_layers; i++)
    {
      guint64 c = ns_net_layer_channels (net,
                    ns_net_layer_index (net, net->style_layers[i]));

      extra += gram_bytes (c) + 2 * c * c * sizeof (float);
    }
  extra += (guint64) ns_net_layer_channels (net,
             ns_net_layer_index (net, net->content_layer)) *
           ns_net_layer_out_size (net, ns_net_layer_index (net, net->content_layer), width) *
           ns_net_layer_out_size (net, ns_net_layer_index (net, net->content_layer), height) *
           sizeof (float);

  /* The style graph is freed before the main graph is made. */
  *bytes = MAX (main_bytes, style_bytes) + extra;
  *largest = MAX (main_largest, style_largest);

  return TRUE;
}

/* Targets. */

static gboolean
forward_image (NsGraph       *graph,
               const NsImage *image,
               double         segment_flops,
               GCancellable  *cancellable,
               GError       **error)
{
  gsize      n = (gsize) 3 * image->width * image->height;
  float     *planar = g_new (float, n);
  NsRecorder recorder;
  gboolean   ok;

  ns_image_to_planar (image, planar);
  ns_recorder_init (&recorder, graph->ctx, segment_flops);
  ok = ns_vk_buffer_upload (graph->ctx, &graph->image, 0, planar,
                            n * sizeof (float), error) &&
       ns_graph_record_forward (graph, &recorder, error) &&
       ns_recorder_end (&recorder, error) &&
       ns_recorder_submit (&recorder, cancellable, error);
  ns_recorder_clear (&recorder);
  g_free (planar);

  return ok;
}

/* Adds blend * Gram (layer) of the style image in @graph to @sums. */
static gboolean
style_grams_add (Stage         *stage,
                 NsGraph       *graph,
                 double         blend,
                 double       **sums,
                 GError       **error)
{
  NsVkContext *ctx = stage->setup->ctx;

  for (guint t = 0; t < stage->n_style; t++)
    {
      StyleTerm   *term = &stage->style[t];
      NsGraphNode *node = &graph->nodes[term->layer];
      gsize        cc = (gsize) term->c * term->c;
      float       *gram = g_new (float, cc);
      NsRecorder   recorder;
      NsVkCommands *commands;
      gboolean     ok;

      ns_recorder_init (&recorder, ctx, stage->setup->segment_flops);
      commands = ns_recorder_take (&recorder, 0.0, error);
      ok = commands != NULL &&
           ns_op_gram_record (stage->setup->kernels, commands, node->c,
                              node->h * node->w, &node->value, &term->gram,
                              error) &&
           ns_recorder_end (&recorder, error) &&
           ns_recorder_submit (&recorder, NULL, error) &&
           ns_vk_buffer_download (ctx, &term->gram, 0, gram,
                                  cc * sizeof (float), error);
      ns_recorder_clear (&recorder);
      for (gsize i = 0; ok && i < cc; i++)
        sums[t][i] += blend * gram[i];
      g_free (gram);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

static gboolean
style_targets_upload (Stage   *stage,
                      double **sums,
                      GError **error)
{
  const NsParams *params = stage->setup->params;

  for (guint t = 0; t < stage->n_style; t++)
    {
      StyleTerm *term = &stage->style[t];
      gsize      cc = (gsize) term->c * term->c;
      float     *target = g_new (float, cc);
      double     mean_square = 0.0;
      gboolean   ok;

      for (gsize i = 0; i < cc; i++)
        {
          target[i] = (float) sums[t][i];
          mean_square += sums[t][i] * sums[t][i] / cc;
        }
      term->scale = params->style_weight * layer_weight (stage->net, t) /
                    ((double) term->c * term->c * MAX (mean_square, NORM_FLOOR));
      ok = ns_vk_buffer_upload (stage->setup->ctx, &term->target, 0, target,
                                cc * sizeof (float), error);
      g_free (target);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

/* The style targets: each style image resized to the stage's scale, its
 * Gram matrices blended. */
static gboolean
style_targets_make (Stage         *stage,
                    GCancellable  *cancellable,
                    GError       **error)
{
  const NsStageSetup *setup = stage->setup;
  guint    long_side = setup->style_side > 0 ?
                       setup->style_side :
                       (guint) lround (MAX (setup->width, setup->height) *
                                       setup->params->style_scale);
  double **sums = g_new0 (double *, stage->n_style);
  gboolean ok = TRUE;

  for (guint t = 0; t < stage->n_style; t++)
    sums[t] = g_new0 (double, (gsize) stage->style[t].c * stage->style[t].c);

  for (guint s = 0; ok && s < setup->n_styles; s++)
    {
      NsImage resized;
      NsGraph graph;
      guint   w, h, minimum = ns_net_min_size (stage->net, setup->n_nodes - 1);

      ns_image_fit (setup->styles[s].width, setup->styles[s].height,
                    long_side, &w, &h);
      w = MAX (w, minimum);
      h = MAX (h, minimum);
      ns_image_resize (&setup->styles[s], w, h, &resized);
      ok = ns_graph_init (&graph, setup->ctx, setup->kernels, setup->weights,
                          setup->n_nodes, w, h, FALSE, error) &&
           forward_image (&graph, &resized, setup->segment_flops, cancellable,
                          error) &&
           style_grams_add (stage, &graph, setup->style_blend[s], sums, error);
      ns_graph_clear (&graph);
      ns_image_clear (&resized);
    }

  ok = ok && style_targets_upload (stage, sums, error);
  for (guint t = 0; t < stage->n_style; t++)
    g_free (sums[t]);
  g_free (sums);

  return ok;
}

static gboolean
content_target_make (Stage         *stage,
                     GCancellable  *cancellable,
                     GError       **error)
{
  const NsStageSetup *setup = stage->setup;
  NsGraphNode *node = &stage->graph.nodes[stage->content_layer];
  gsize        n = (gsize) node->c * node->h * node->w;
  float       *target = g_new (float, n);
  double       mean_square = 0.0;
  gboolean     ok;

  ok = forward_image (&stage->graph, setup->content, setup->segment_flops,
                      cancellable, error) &&
       ns_vk_buffer_download (setup->ctx, &node->value, 0, target,
                              n * sizeof (float), error) &&
       ns_vk_buffer_init (setup->ctx, &stage->content_target,
                          n * sizeof (float), error) &&
       ns_vk_buffer_upload (setup->ctx, &stage->content_target, 0, target,
                            n * sizeof (float), error);
  for (gsize i = 0; ok && i < n; i++)
    mean_square += (double) target[i] * target[i] / n;
  stage->content_scale = setup->params->content_weight /
                         ((double) n * MAX (mean_square, NORM_FLOOR));
  g_free (target);

  return ok;
}

/* Recording. */

static gboolean
record_loss_gradients (Stage        *stage,
                       NsRecorder   *recorder,
                       GError      **error)
{
  NsKernels *kernels = stage->setup->kernels;
  NsGraph   *graph = &stage->graph;

  for (guint t = 0; t < stage->n_style; t++)
    {
      StyleTerm    *term = &stage->style[t];
      NsGraphNode  *node = &graph->nodes[term->layer];
      double        flops = 4.0 * term->c * term->c * term->n;
      NsVkCommands *commands = ns_recorder_take (recorder, flops, error);

      if (commands == NULL ||
          !ns_op_gram_record (kernels, commands, term->c, term->n,
                              &node->value, &term->gram, error) ||
          !ns_op_gram_backward_record (kernels, commands, term->c, term->n,
                                       (float) (4.0 * term->scale /
                                                ((double) term->c * term->n)),
                                       &term->gram, &term->target,
                                       &term->difference, &node->value,
                                       &node->grad, TRUE,
                                       error))
        return FALSE;
    }

  if (stage->setup->params->content_weight > 0.0f)
    {
      NsGraphNode  *node = &graph->nodes[stage->content_layer];
      NsVkCommands *commands = ns_recorder_take (recorder, 0.0, error);

      if (commands == NULL ||
          !ns_op_content_backward_record (kernels, commands,
                                          node->c * node->h * node->w,
                                          (float) (2.0 * stage->content_scale),
                                          &node->value, &stage->content_target,
                                          &node->grad, TRUE, error))
        return FALSE;
    }

  return TRUE;
}

static float
tv_scale (const Stage *stage)
{
  return stage->setup->params->tv_weight /
         (3.0f * stage->setup->width * stage->setup->height);
}

static gboolean
record_gradient (Stage   *stage,
                 GError **error)
{
  NsKernels    *kernels = stage->setup->kernels;
  NsGraph      *graph = &stage->graph;
  NsRecorder   *recorder = &stage->gradient;
  NsVkCommands *commands;

  if (!ns_graph_record_zero (graph, recorder, error) ||
      !ns_graph_record_forward (graph, recorder, error) ||
      !record_loss_gradients (stage, recorder, error) ||
      !ns_graph_record_backward (graph, recorder, error))
    return FALSE;

  commands = ns_recorder_take (recorder, 0.0, error);
  return commands != NULL &&
         ns_op_tv_backward_record (kernels, commands, graph->height,
                                   graph->width, tv_scale (stage),
                                   &graph->image, &graph->image_grad, error) &&
         ns_recorder_end (recorder, error);
}

static gboolean
record_step (Stage   *stage,
             GError **error)
{
  NsGraph      *graph = &stage->graph;
  NsVkCommands *commands = ns_recorder_take (&stage->step, 0.0, error);

  NsAdamParams  adam = {
    .lr = stage->setup->params->learning_rate,
    .beta1 = ADAM_BETA1,
    .beta2 = ADAM_BETA2,
    .eps = ADAM_EPSILON,
    .lo = 0.0f,
    .hi = 1.0f,
  };

  return commands != NULL &&
         ns_op_adam_record (stage->setup->kernels, commands, &adam,
                            3 * graph->width * graph->height, &graph->image,
                            &graph->image_grad, &stage->moments,
                            &stage->adam_step, error) &&
         ns_recorder_end (&stage->step, error);
}

/* Loss values into stage->losses: content, then one per style layer, then
 * TV; read back only when asked for. */
static gboolean
record_losses (Stage   *stage,
               GError **error)
{
  NsKernels    *kernels = stage->setup->kernels;
  NsGraph      *graph = &stage->graph;
  NsGraphNode  *content = &graph->nodes[stage->content_layer];
  NsVkCommands *commands = ns_recorder_take (&stage->loss, 0.0, error);

  if (commands == NULL ||
      !ns_op_sq_diff_sum_record (kernels, commands,
                                 content->c * content->h * content->w,
                                 (float) stage->content_scale, &content->value,
                                 &stage->content_target, &stage->losses,
                                 LOSS_CONTENT, error))
    return FALSE;
  for (guint t = 0; t < stage->n_style; t++)
    if (!ns_op_sq_diff_sum_record (kernels, commands,
                                   stage->style[t].c * stage->style[t].c,
                                   (float) stage->style[t].scale,
                                   &stage->style[t].gram,
                                   &stage->style[t].target, &stage->losses,
                                   LOSS_STYLE_FIRST + t, error))
      return FALSE;

  return ns_op_tv_loss_record (kernels, commands, graph->height, graph->width,
                               tv_scale (stage), &graph->image,
                               &stage->losses,
                               LOSS_STYLE_FIRST + stage->n_style, error) &&
         ns_recorder_end (&stage->loss, error);
}

/* Set-up and tear-down. */

static gboolean
stage_init (Stage              *stage,
            const NsStageSetup *setup,
            GError            **error)
{
  NsVkContext *ctx = setup->ctx;
  const NsNet *net = setup->weights->net;
  VkDeviceSize image_bytes = (VkDeviceSize) 3 * setup->width * setup->height *
                             sizeof (float);

  memset (stage, 0, sizeof *stage);
  stage->setup = setup;
  stage->net = net;
  stage->content_layer = ns_net_layer_index (net, net->content_layer);
  stage->n_style = MIN (net->n_style_layers, G_N_ELEMENTS (stage->style));
  stage->n_losses = LOSS_STYLE_FIRST + stage->n_style + 1;
  ns_recorder_init (&stage->gradient, ctx, setup->segment_flops);
  ns_recorder_init (&stage->step, ctx, setup->segment_flops);
  ns_recorder_init (&stage->loss, ctx, setup->segment_flops);

  for (guint t = 0; t < stage->n_style; t++)
    {
      StyleTerm *term = &stage->style[t];
      int        layer = ns_net_layer_index (net, net->style_layers[t]);

      term->layer = layer;
      term->c = ns_net_layer_channels (net, layer);
      term->n = ns_net_layer_out_size (net, layer, setup->width) *
                ns_net_layer_out_size (net, layer, setup->height);
      if (!ns_vk_buffer_init (ctx, &term->gram,
                              gram_bytes (term->c), error) ||
          !ns_vk_buffer_init (ctx, &term->target,
                              (VkDeviceSize) term->c * term->c * sizeof (float),
                              error) ||
          !ns_vk_buffer_init (ctx, &term->difference,
                              (VkDeviceSize) term->c * term->c * sizeof (float),
                              error))
        return FALSE;
    }

  return ns_vk_buffer_init (ctx, &stage->moments, 2 * image_bytes, error) &&
         ns_vk_buffer_init (ctx, &stage->adam_step, sizeof (NsAdamStep),
                            error) &&
         ns_vk_buffer_init (ctx, &stage->losses,
                            stage->n_losses * sizeof (float), error);
}

static void
stage_clear (Stage *stage)
{
  NsVkContext *ctx = stage->setup->ctx;

  ns_recorder_clear (&stage->gradient);
  ns_recorder_clear (&stage->step);
  ns_recorder_clear (&stage->loss);
  for (guint t = 0; t < stage->n_style; t++)
    {
      ns_vk_buffer_free (ctx, &stage->style[t].gram);
      ns_vk_buffer_free (ctx, &stage->style[t].target);
      ns_vk_buffer_free (ctx, &stage->style[t].difference);
    }
  ns_vk_buffer_free (ctx, &stage->content_target);
  ns_vk_buffer_free (ctx, &stage->moments);
  ns_vk_buffer_free (ctx, &stage->adam_step);
  ns_vk_buffer_free (ctx, &stage->losses);
  ns_graph_clear (&stage->graph);
}

/* The loop. */

static gboolean
losses_read (Stage   *stage,
             double   losses[3],
             GError **error)
{
  float values[32];

  if (!ns_recorder_submit (&stage->loss, NULL, error) ||
      !ns_vk_buffer_download (stage->setup->ctx, &stage->losses, 0, values,
                              stage->n_losses * sizeof (float), error))
    return FALSE;

  losses[0] = values[LOSS_CONTENT];
  losses[1] = 0.0;
  for (guint t = 0; t < stage->n_style; t++)
    losses[1] += values[LOSS_STYLE_FIRST + t];
  losses[2] = values[LOSS_STYLE_FIRST + stage->n_style];

  return TRUE;
}

static gboolean
adam_step_write (Stage   *stage,
                 guint    t,
                 GError **error)
{
  NsAdamStep step;

  ns_op_adam_bias_corrections (t, ADAM_BETA1, ADAM_BETA2, &step.c1, &step.c2);

  return ns_vk_buffer_upload (stage->setup->ctx, &stage->adam_step, 0, &step,
                              sizeof step, error);
}

static gboolean
iterate (Stage               *stage,
         const NsStageReport *report,
         GCancellable        *cancellable,
         GError             **error)
{
  guint  n = stage->setup->iterations > 0 ? stage->setup->iterations
                                          : stage->setup->params->iterations;
  double losses[3] = { 0.0, 0.0, 0.0 };

  for (guint t = 1; t <= n; t++)
    {
      gboolean want_losses = t == 1 || t == n || t % LOSS_INTERVAL == 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_clear_error (error);
          g_set_error (error, NS_ERROR, NS_ERROR_CANCELLED, "Cancelled");
          return FALSE;
        }
      /* The losses are those of the image before this step. */
      if (!adam_step_write (stage, t, error) ||
          !ns_recorder_submit (&stage->gradient, cancellable, error) ||
          (want_losses && !losses_read (stage, losses, error)) ||
          !ns_recorder_submit (&stage->step, cancellable, error))
        return FALSE;
      if (want_losses && !(isfinite (losses[0]) && isfinite (losses[1]) &&
                           isfinite (losses[2])))
        {
          g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                       "The optimisation diverged at step %u (a loss is not "
                       "a finite number); try a lower learning rate", t);
          return FALSE;
        }
      if (report->step_done != NULL)
        report->step_done (t, want_losses, losses, report->user_data);
    }

  return TRUE;
}

static gboolean
image_exchange (Stage    *stage,
                NsImage  *image,
                gboolean  upload,
                GError  **error)
{
  gsize    n = (gsize) 3 * image->width * image->height;
  float   *planar = g_new (float, n);
  gboolean ok;

  if (upload)
    {
      ns_image_to_planar (image, planar);
      ok = ns_vk_buffer_upload (stage->setup->ctx, &stage->graph.image, 0,
                                planar, n * sizeof (float), error);
    }
  else
    {
      ok = ns_vk_buffer_download (stage->setup->ctx, &stage->graph.image, 0,
                                  planar, n * sizeof (float), error);
      if (ok)
        ns_image_from_planar (image, planar);
    }
  g_free (planar);

  return ok;
}

static gboolean
moments_zero (Stage   *stage,
              GError **error)
{
  NsRecorder    zero;
  NsVkCommands *commands;
  gboolean      ok;

  ns_recorder_init (&zero, stage->setup->ctx, stage->setup->segment_flops);
  commands = ns_recorder_take (&zero, 0.0, error);
  ok = commands != NULL &&
       ns_vk_commands_fill (stage->setup->ctx, commands, &stage->moments, 0,
                            error) &&
       ns_recorder_end (&zero, error) &&
       ns_recorder_submit (&zero, NULL, error);
  ns_recorder_clear (&zero);

  return ok;
}

NsStage *
ns_stage_new (const NsStageSetup  *setup,
              GCancellable        *cancellable,
              GError             **error)
{
  Stage *stage = g_new0 (Stage, 1);

  if (!stage_init (stage, setup, error) ||
      !style_targets_make (stage, cancellable, error) ||
      !ns_graph_init (&stage->graph, setup->ctx, setup->kernels,
                      setup->weights, setup->n_nodes, setup->width,
                      setup->height, TRUE, error) ||
      !content_target_make (stage, cancellable, error) ||
      !record_gradient (stage, error) ||
      !record_step (stage, error) ||
      !record_losses (stage, error))
    {
      ns_stage_free (stage);
      return NULL;
    }

  return stage;
}

void
ns_stage_free (NsStage *stage)
{
  if (stage == NULL)
    return;
  stage_clear (stage);
  g_free (stage);
}

gboolean
ns_stage_evaluate (NsStage        *stage,
                   const NsImage  *image,
                   double          losses[3],
                   float          *grad,
                   GError        **error)
{
  NsImage copy = *image;
  gsize   n = (gsize) 3 * image->width * image->height;

  return image_exchange (stage, &copy, TRUE, error) &&
         ns_recorder_submit (&stage->gradient, NULL, error) &&
         losses_read (stage, losses, error) &&
         (grad == NULL ||
          ns_vk_buffer_download (stage->setup->ctx, &stage->graph.image_grad,
                                 0, grad, n * sizeof (float), error));
}

gboolean
ns_stage_optimise (NsStage             *stage,
                   NsImage             *image,
                   const NsStageReport *report,
                   GCancellable        *cancellable,
                   GError             **error)
{
  return image_exchange (stage, image, TRUE, error) &&
         moments_zero (stage, error) &&
         iterate (stage, report, cancellable, error) &&
         image_exchange (stage, image, FALSE, error);
}

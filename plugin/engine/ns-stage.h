/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One stage of the coarse-to-fine optimisation: targets at one working
 * size, then Adam steps on the pixels. */
#pragma once

#include "ns-engine.h"
#include "ns-graph.h"

G_BEGIN_DECLS

/* What a stage needs from the run around it. */
typedef struct
{
  NsVkContext          *ctx;
  NsKernels            *kernels;
  const NsParams       *params;
  const NsGraphWeights *weights;
  guint                 n_nodes;        /* layers up to the deepest loss */
  guint                 width, height;  /* graph size of this stage */
  const NsImage        *content;        /* at width x height */
  const NsImage        *styles;         /* originals; resized here */
  const float          *style_blend;    /* normalised to sum 1 */
  guint                 n_styles;
  double                segment_flops;  /* budget per submission */
  guint                 iterations;     /* Adam steps; 0: params->iterations */
  guint                 style_side;     /* long side the styles are resized
                                           to (at least the network's
                                           minimum); 0: the graph's long
                                           side times params->style_scale */
} NsStageSetup;

typedef struct
{
  gboolean (*step_done) (guint        iteration,
                         gboolean     have_losses,
                         const double losses[3],   /* content, style, TV */
                         gpointer     user_data);
  gpointer   user_data;
} NsStageReport;

typedef struct _NsStage NsStage;

/* How many layers of @net a stage runs: up to its deepest loss layer. */
guint    ns_stage_n_nodes    (const NsNet         *net);

/* Computes the targets (style Gram matrices, content features) and records
 * the work of a step. */
NsStage *ns_stage_new        (const NsStageSetup  *setup,
                              GCancellable        *cancellable,
                              GError             **error);
void     ns_stage_free       (NsStage             *stage);

/* One evaluation of the loss at @image without a step: @losses receives
 * content, style and TV losses, @grad (may be NULL) the gradient of their
 * sum with respect to the pixels, planar [3][H][W]. */
gboolean ns_stage_evaluate   (NsStage             *stage,
                              const NsImage       *image,
                              double               losses[3],
                              float               *grad,
                              GError             **error);

/* Optimises @image (at the stage's size, updated in place) for
 * setup->iterations steps (params->iterations when 0).  @report->step_done is called after every
 * step; cancellation is checked between submissions. */
gboolean ns_stage_optimise   (NsStage             *stage,
                              NsImage             *image,
                              const NsStageReport *report,
                              GCancellable        *cancellable,
                              GError             **error);

/* Device bytes the stage needs beyond the weights. */
gboolean ns_stage_plan       (const NsNet         *net,
                              guint                n_nodes,
                              guint                width,
                              guint                height,
                              guint                style_width,
                              guint                style_height,
                              guint64             *bytes,
                              guint64             *largest,
                              GError             **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A network instantiated on the device at one input size: the buffers of
 * every layer's output (and gradient), and the recording of the forward
 * pass and of the backward pass to the input pixels. */
#pragma once

#include "ns-kernels.h"
#include "ns-net.h"
#include "ns-recorder.h"
#include "ns-weights.h"

G_BEGIN_DECLS

/* The convolution weights of a network on the device, uploaded once. */
typedef struct
{
  const NsNet *net;
  NsVkBuffer  *weights;        /* per layer; conv layers only */
  NsVkBuffer  *weights_back;   /* the same in the backward pass's layout;
                                  empty where the backward pass reads
                                  `weights` (Winograd layers) */
  NsVkBuffer  *bias;
} NsGraphWeights;

typedef struct
{
  guint      c, h, w;          /* output shape of the layer */
  NsVkBuffer value;            /* [c][h][w] float32 */
  NsVkBuffer grad;             /* d loss / d value, same layout */
  NsVkBuffer where;            /* max pools: each window's first maximum,
                                * uint32 [c][h][w] (ns_op_pool_max_record) */
  int        host;             /* -1, or the concatenation whose value and
                                * grad hold this layer's at channels
                                * host_offset.. (then value and grad are
                                * empty) */
  guint      host_offset;
} NsGraphNode;

typedef struct
{
  NsVkContext          *ctx;
  NsKernels            *kernels;
  const NsNet          *net;
  const NsGraphWeights *weights;
  guint                 n_nodes;     /* layers 0 .. n_nodes-1 are run */
  gboolean              with_grad;
  guint                 width, height;
  NsVkBuffer            image;       /* [3][h][w] R'G'B' 0..1 */
  NsVkBuffer            image_grad;
  NsVkBuffer            input;       /* [3][h][w] in the net's convention */
  NsVkBuffer            input_grad;
  NsGraphNode          *nodes;
  NsVkBuffer            transformed; /* Winograd scratch of every layer */
  NsVkBuffer            products;
} NsGraph;

gboolean ns_graph_weights_upload (NsVkContext          *ctx,
                                  const NsWeights      *host,
                                  guint                 n_layers,
                                  NsGraphWeights       *weights,
                                  GError              **error);
void     ns_graph_weights_clear  (NsVkContext          *ctx,
                                  NsGraphWeights       *weights);
guint64  ns_graph_weights_bytes  (const NsNet          *net,
                                  guint                 n_layers);

/* Device bytes a graph of @n_nodes layers at @width x @height needs, and
 * its largest single buffer; FALSE (NS_ERROR_BAD_INPUT, stating the
 * smallest size) when the image is too small for the network. */
gboolean ns_graph_plan           (const NsNet          *net,
                                  guint                 n_nodes,
                                  guint                 width,
                                  guint                 height,
                                  gboolean              with_grad,
                                  guint64              *bytes,
                                  guint64              *largest,
                                  GError              **error);

gboolean ns_graph_init           (NsGraph              *graph,
                                  NsVkContext          *ctx,
                                  NsKernels            *kernels,
                                  const NsGraphWeights *weights,
                                  guint                 n_nodes,
                                  guint                 width,
                                  guint                 height,
                                  gboolean              with_grad,
                                  GError              **error);
void     ns_graph_clear          (NsGraph              *graph);

/* image -> input -> every node's value. */
gboolean ns_graph_record_forward (NsGraph              *graph,
                                  NsRecorder           *recorder,
                                  GError              **error);

/* Zeroes every gradient buffer, so losses can then add theirs. */
gboolean ns_graph_record_zero    (NsGraph              *graph,
                                  NsRecorder           *recorder,
                                  GError              **error);

/* From the nodes' gradients (the losses' contributions already added) back
 * to image_grad, which is overwritten. */
gboolean ns_graph_record_backward (NsGraph             *graph,
                                   NsRecorder          *recorder,
                                   GError             **error);

/* Floating-point operations of one forward pass (for budgets and reports). */
double   ns_graph_forward_flops  (const NsGraph        *graph);

G_END_DECLS

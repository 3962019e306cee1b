/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A network instantiated on the device at one input size. */
#include "ns-graph.h"

#include <string.h>

#include "ns-op-conv.h"
#include "ns-op-pool.h"
#include "ns-op-concat.h"
#include "ns-op-input.h"

/* Shapes. */

static guint
layer_in_channels (const NsNet *net,
                   guint        index)
{
  return ns_net_layer_channels (net, net->layers[index].inputs[0]);
}

/* The shape of conv layer @index for an input of @width x @height. */
static void
net_conv_shape (const NsNet *net,
                guint        index,
                guint        width,
                guint        height,
                NsConvShape *shape)
{
  const NsLayer *layer = &net->layers[index];
  int            from = layer->inputs[0];

  memset (shape, 0, sizeof *shape);
  shape->in_c = layer_in_channels (net, index);
  shape->in_h = from < 0 ? height : ns_net_layer_out_size (net, from, height);
  shape->in_w = from < 0 ? width : ns_net_layer_out_size (net, from, width);
  shape->out_c = ns_net_layer_channels (net, index);
  shape->out_h = ns_net_layer_out_size (net, index, height);
  shape->out_w = ns_net_layer_out_size (net, index, width);
  shape->kernel = layer->kernel;
  shape->stride = layer->stride;
  shape->pad = layer->pad;
  shape->relu = layer->relu;
  shape->out_c_offset = 0;
  shape->out_c_total = shape->out_c;
}

/* Whether a loss reads the output of layer @index. */
static gboolean
loss_reads (const NsNet *net,
            guint        index)
{
  if (ns_net_layer_index (net, net->content_layer) == (int) index)
    return TRUE;
  for (guint i = 0; i < net->n_style_layers; i++)
    if (ns_net_layer_index (net, net->style_layers[i]) == (int) index)
      return TRUE;

  return FALSE;
}

/* The concatenation that conv layer @index writes into directly, or -1:
 * one among the first @n_nodes layers that is the only reader of the
 * layer, which no loss reads.  Its output is then channels *offset.. of
 * the concatenation's value, its gradient those of the concatenation's
 * gradient, and the copies in and out of the concatenation go (SqueezeNet's
 * expand layers). */
static int
concat_host (const NsNet *net,
             guint        n_nodes,
             guint        index,
             guint       *offset)
{
  int host = -1;

  *offset = 0;
  if (net->layers[index].kind != NS_LAYER_CONV || loss_reads (net, index))
    return -1;
  for (guint i = index + 1; i < n_nodes; i++)
    {
      const NsLayer *layer = &net->layers[i];
      guint          n_inputs = layer->kind == NS_LAYER_CONCAT ? 2 : 1;

      for (guint k = 0; k < n_inputs; k++)
        if (layer->inputs[k] == (int) index)
          {
            if (host >= 0 || layer->kind != NS_LAYER_CONCAT)
              return -1;
            host = i;
            *offset = k == 0 ? 0 :
                      ns_net_layer_channels (net, layer->inputs[0]);
          }
    }

  return host;
}

static void
conv_shape (const NsGraph *graph,
            guint          index,
            NsConvShape   *shape)
{
  const NsGraphNode *node = &graph->nodes[index];

  net_conv_shape (graph->net, index, graph->width, graph->height, shape);
  if (node->host >= 0)
    {
      shape->out_c_offset = node->host_offset;
      shape->out_c_total = graph->nodes[node->host].c;
    }
}

/* The buffers that hold layer @index's output and its gradient. */
static NsVkBuffer *
node_value (NsGraph *graph,
            guint    index)
{
  NsGraphNode *node = &graph->nodes[index];

  return node->host >= 0 ? &graph->nodes[node->host].value : &node->value;
}

static NsVkBuffer *
node_grad (NsGraph *graph,
           guint    index)
{
  NsGraphNode *node = &graph->nodes[index];

  return node->host >= 0 ? &graph->nodes[node->host].grad : &node->grad;
}

/* Floats of each Winograd scratch buffer the first @n_nodes layers need
 * at @width x @height (0 when none takes Winograd). */
static gsize
scratch_floats (const NsNet *net,
                guint        n_nodes,
                guint        width,
                guint        height)
{
  gsize floats = 0;

  for (guint i = 0; i < n_nodes; i++)
    if (net->layers[i].kind == NS_LAYER_CONV)
      {
        NsConvShape shape;

        net_conv_shape (net, i, width, height, &shape);
        floats = MAX (floats, ns_op_conv2d_scratch_size (&shape));
      }

  return floats;
}

static void
pool_shape (const NsGraph *graph,
            guint          index,
            NsPoolShape   *shape)
{
  const NsLayer     *layer = &graph->net->layers[index];
  const NsGraphNode *node = &graph->nodes[index];
  const NsGraphNode *from = &graph->nodes[layer->inputs[0]];

  memset (shape, 0, sizeof *shape);
  shape->channels = node->c;
  shape->in_h = from->h;
  shape->in_w = from->w;
  shape->out_h = node->h;
  shape->out_w = node->w;
  shape->kernel = layer->kernel;
  shape->stride = layer->stride;
  shape->pad = layer->pad;
}

static double
conv_flops (const NsConvShape *shape)
{
  return 2.0 * shape->out_c * shape->out_h * shape->out_w *
         shape->in_c * shape->kernel * shape->kernel;
}

/* Weights. */

guint64
ns_graph_weights_bytes (const NsNet *net,
                        guint        n_layers)
{
  guint64 bytes = 0;

  for (guint i = 0; i < n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];
      NsConvShape    shape;
      guint64        n;

      if (layer->kind != NS_LAYER_CONV)
        continue;
      net_conv_shape (net, i, 0, 0, &shape);
      n = ns_op_conv2d_weights_size (&shape);
      bytes += (ns_op_conv2d_shares_weights (&shape) ? 1 : 2) * n *
               sizeof (float) +
               layer->out_channels * sizeof (float);
    }

  return bytes;
}

static gboolean
conv_weights_upload (NsVkContext    *ctx,
                     const NsNet    *net,
                     const NsWeights *host,
                     guint           index,
                     NsGraphWeights *weights,
                     GError        **error)
{
  const NsLayer *layer = &net->layers[index];
  NsConvShape    shape = {
    .in_c = layer_in_channels (net, index),
    .out_c = layer->out_channels,
    .kernel = layer->kernel,
    .stride = layer->stride,
    .pad = layer->pad,
  };
  const float   *w = host->convs[index].weight;
  const float   *b = host->convs[index].bias;
  gsize          n = ns_op_conv2d_weights_size (&shape);
  float         *packed = g_new (float, n);
  gboolean       ok;

  gboolean       shared = ns_op_conv2d_shares_weights (&shape);

  ok = ns_vk_buffer_init (ctx, &weights->weights[index], n * sizeof (float),
                          error) &&
       (shared ||
        ns_vk_buffer_init (ctx, &weights->weights_back[index],
                           n * sizeof (float), error)) &&
       ns_vk_buffer_init (ctx, &weights->bias[index],
                          shape.out_c * sizeof (float), error);
  if (ok)
    {
      ns_op_conv2d_pack_weights (&shape, w, packed);
      ok = ns_vk_buffer_upload (ctx, &weights->weights[index], 0, packed,
                                n * sizeof (float), error);
    }
  if (ok && shared)
    ok = ns_vk_buffer_upload (ctx, &weights->bias[index], 0, b,
                              shape.out_c * sizeof (float), error);
  else if (ok)
    {
      ns_op_conv2d_pack_weights_backward (&shape, w, packed);
      ok = ns_vk_buffer_upload (ctx, &weights->weights_back[index], 0, packed,
                                n * sizeof (float), error) &&
           ns_vk_buffer_upload (ctx, &weights->bias[index], 0, b,
                                shape.out_c * sizeof (float), error);
    }
  g_free (packed);

  return ok;
}

gboolean
ns_graph_weights_upload (NsVkContext     *ctx,
                         const NsWeights *host,
                         guint            n_layers,
                         NsGraphWeights  *weights,
                         GError         **error)
{
  const NsNet *net = host->net;

  memset (weights, 0, sizeof *weights);
  weights->net = net;
  weights->weights = g_new0 (NsVkBuffer, net->n_layers);
  weights->weights_back = g_new0 (NsVkBuffer, net->n_layers);
  weights->bias = g_new0 (NsVkBuffer, net->n_layers);

  if (n_layers > host->n_layers)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "The weights hold %u layers of %s; %u are needed",
                   host->n_layers, net->title, n_layers);
      ns_graph_weights_clear (ctx, weights);
      return FALSE;
    }
  for (guint i = 0; i < n_layers; i++)
    if (net->layers[i].kind == NS_LAYER_CONV &&
        !conv_weights_upload (ctx, net, host, i, weights, error))
      {
        ns_graph_weights_clear (ctx, weights);
        return FALSE;
      }

  return TRUE;
}

void
ns_graph_weights_clear (NsVkContext    *ctx,
                        NsGraphWeights *weights)
{
  if (weights->net == NULL)
    return;
  for (guint i = 0; i < weights->net->n_layers; i++)
    {
      ns_vk_buffer_free (ctx, &weights->weights[i]);
      ns_vk_buffer_free (ctx, &weights->weights_back[i]);
      ns_vk_buffer_free (ctx, &weights->bias[i]);
    }
  g_free (weights->weights);
  g_free (weights->weights_back);
  g_free (weights->bias);
  memset (weights, 0, sizeof *weights);
}

/* Planning. */

gboolean
ns_graph_plan (const NsNet *net,
               guint        n_nodes,
               guint        width,
               guint        height,
               gboolean     with_grad,
               guint64     *bytes,
               guint64     *largest,
               GError     **error)
{
  guint64 image = (guint64) 3 * width * height * sizeof (float);
  guint   copies = with_grad ? 2 : 1;
  guint64 scratch;

  *bytes = 2 * image * copies;
  *largest = image;
  for (guint i = 0; i < n_nodes; i++)
    {
      guint   h = ns_net_layer_out_size (net, i, height);
      guint   w = ns_net_layer_out_size (net, i, width);
      guint64 size = (guint64) ns_net_layer_channels (net, i) * h * w *
                     sizeof (float);
      guint   offset;

      if (h == 0 || w == 0)
        {
          guint minimum = ns_net_min_size (net, n_nodes - 1);

          g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                       "An image of %u x %u pixels is too small for %s: the "
                       "minimum is %u pixels a side",
                       width, height, net->title, minimum);
          return FALSE;
        }
      /* Max pools keep where each window's maximum is, 4 bytes each;
       * layers written into a concatenation take none of their own. */
      if (net->layers[i].kind == NS_LAYER_POOL_MAX)
        *bytes += size;
      if (concat_host (net, n_nodes, i, &offset) < 0)
        *bytes += size * copies;
      *largest = MAX (*largest, size);
    }
  scratch = scratch_floats (net, n_nodes, width, height) * sizeof (float);
  *bytes += 2 * scratch;
  *largest = MAX (*largest, scratch);

  return TRUE;
}

/* Instantiation. */

static gboolean
node_init (NsGraph  *graph,
           guint     index,
           GError  **error)
{
  NsGraphNode *node = &graph->nodes[index];
  VkDeviceSize bytes;

  node->c = ns_net_layer_channels (graph->net, index);
  node->h = ns_net_layer_out_size (graph->net, index, graph->height);
  node->w = ns_net_layer_out_size (graph->net, index, graph->width);
  node->host = concat_host (graph->net, graph->n_nodes, index,
                            &node->host_offset);
  bytes = (VkDeviceSize) node->c * node->h * node->w * sizeof (float);
  if (node->host >= 0)
    return TRUE;

  return ns_vk_buffer_init (graph->ctx, &node->value, bytes, error) &&
         (!graph->with_grad ||
          ns_vk_buffer_init (graph->ctx, &node->grad, bytes, error)) &&
         (graph->net->layers[index].kind != NS_LAYER_POOL_MAX ||
          ns_vk_buffer_init (graph->ctx, &node->where, bytes, error));
}

gboolean
ns_graph_init (NsGraph              *graph,
               NsVkContext          *ctx,
               NsKernels            *kernels,
               const NsGraphWeights *weights,
               guint                 n_nodes,
               guint                 width,
               guint                 height,
               gboolean              with_grad,
               GError              **error)
{
  VkDeviceSize image_bytes = (VkDeviceSize) 3 * width * height * sizeof (float);
  guint64      bytes, largest;
  gsize        scratch;

  memset (graph, 0, sizeof *graph);
  graph->ctx = ctx;
  graph->kernels = kernels;
  graph->net = weights->net;
  graph->weights = weights;
  graph->n_nodes = n_nodes;
  graph->with_grad = with_grad;
  graph->width = width;
  graph->height = height;
  graph->nodes = g_new0 (NsGraphNode, n_nodes);

  if (!ns_graph_plan (graph->net, n_nodes, width, height, with_grad, &bytes,
                      &largest, error) ||
      !ns_vk_buffer_init (ctx, &graph->image, image_bytes, error) ||
      !ns_vk_buffer_init (ctx, &graph->input, image_bytes, error) ||
      (with_grad &&
       (!ns_vk_buffer_init (ctx, &graph->image_grad, image_bytes, error) ||
        !ns_vk_buffer_init (ctx, &graph->input_grad, image_bytes, error))))
    goto fail;

  for (guint i = 0; i < n_nodes; i++)
    if (!node_init (graph, i, error))
      goto fail;
  scratch = scratch_floats (graph->net, n_nodes, width, height);
  if (scratch > 0 &&
      (!ns_vk_buffer_init (ctx, &graph->transformed, scratch * sizeof (float),
                           error) ||
       !ns_vk_buffer_init (ctx, &graph->products, scratch * sizeof (float),
                           error)))
    goto fail;

  return TRUE;

fail:
  ns_graph_clear (graph);
  return FALSE;
}

void
ns_graph_clear (NsGraph *graph)
{
  if (graph->ctx == NULL)
    return;
  for (guint i = 0; i < graph->n_nodes && graph->nodes != NULL; i++)
    {
      ns_vk_buffer_free (graph->ctx, &graph->nodes[i].value);
      ns_vk_buffer_free (graph->ctx, &graph->nodes[i].grad);
      ns_vk_buffer_free (graph->ctx, &graph->nodes[i].where);
    }
  g_free (graph->nodes);
  ns_vk_buffer_free (graph->ctx, &graph->image);
  ns_vk_buffer_free (graph->ctx, &graph->image_grad);
  ns_vk_buffer_free (graph->ctx, &graph->input);
  ns_vk_buffer_free (graph->ctx, &graph->input_grad);
  ns_vk_buffer_free (graph->ctx, &graph->transformed);
  ns_vk_buffer_free (graph->ctx, &graph->products);
  memset (graph, 0, sizeof *graph);
}

/* Forward. */

static NsVkBuffer *
source_value (NsGraph *graph,
              int      from)
{
  return from < 0 ? &graph->input : &graph->nodes[from].value;
}

static NsVkBuffer *
source_grad (NsGraph *graph,
             int      from)
{
  return from < 0 ? &graph->input_grad : &graph->nodes[from].grad;
}

/* A concatenation, forward: each input's channels copied into the output
 * at its offset; backward (@split): the output's gradient split and added
 * to the inputs' gradients. */
static gboolean
concat_record (NsGraph       *graph,
               guint          index,
               NsVkCommands  *commands,
               gboolean       split,
               GError       **error)
{
  const NsLayer *layer = &graph->net->layers[index];
  NsGraphNode   *node = &graph->nodes[index];
  guint          offset = 0;

  for (guint k = 0; k < 2; k++)
    {
      NsGraphNode *part = &graph->nodes[layer->inputs[k]];
      gboolean     ok;

      /* A part written in place needs no copy. */
      if (part->host == (int) index)
        {
          offset += part->c;
          continue;
        }
      ok = split ?
           ns_op_copy_channels_record (graph->kernels, commands, node->h,
                                       node->w, &node->grad, node->c, offset,
                                       &part->grad, part->c, 0, part->c, TRUE,
                                       error) :
           ns_op_copy_channels_record (graph->kernels, commands, node->h,
                                       node->w, &part->value, part->c, 0,
                                       &node->value, node->c, offset, part->c,
                                       FALSE, error);
      if (!ok)
        return FALSE;
      offset += part->c;
    }

  return TRUE;
}

static gboolean
layer_record_forward (NsGraph     *graph,
                      guint        index,
                      NsRecorder  *recorder,
                      GError     **error)
{
  const NsLayer *layer = &graph->net->layers[index];
  NsGraphNode   *node = &graph->nodes[index];
  NsVkCommands  *commands;
  NsConvShape    conv;
  NsPoolShape    pool;
  NsConvScratch  scratch = { &graph->transformed, &graph->products };

  switch (layer->kind)
    {
    case NS_LAYER_CONV:
      conv_shape (graph, index, &conv);
      commands = ns_recorder_take_dispatches (recorder, conv_flops (&conv),
                                              ns_op_conv2d_dispatches (&conv),
                                              error);
      return commands != NULL &&
             ns_op_conv2d_record (graph->kernels, commands, &conv,
                                  source_value (graph, layer->inputs[0]),
                                  &graph->weights->weights[index],
                                  &graph->weights->bias[index],
                                  node_value (graph, index), &scratch, error);

    case NS_LAYER_POOL_MAX:
    case NS_LAYER_POOL_AVG:
      pool_shape (graph, index, &pool);
      commands = ns_recorder_take (recorder, 0.0, error);
      if (commands == NULL)
        return FALSE;
      return layer->kind == NS_LAYER_POOL_MAX ?
             ns_op_pool_max_record (graph->kernels, commands, &pool,
                                    source_value (graph, layer->inputs[0]),
                                    &node->value, &node->where, error) :
             ns_op_pool_avg_record (graph->kernels, commands, &pool,
                                    source_value (graph, layer->inputs[0]),
                                    &node->value, error);

    case NS_LAYER_CONCAT:
      commands = ns_recorder_take (recorder, 0.0, error);
      return commands != NULL &&
             concat_record (graph, index, commands, FALSE, error);
    }

  return TRUE;
}

gboolean
ns_graph_record_forward (NsGraph     *graph,
                         NsRecorder  *recorder,
                         GError     **error)
{
  NsVkCommands *commands = ns_recorder_take (recorder, 0.0, error);

  if (commands == NULL ||
      !ns_op_to_net_record (graph->kernels, commands, graph->net,
                            graph->height, graph->width, &graph->image,
                            &graph->input, error))
    return FALSE;

  for (guint i = 0; i < graph->n_nodes; i++)
    if (!layer_record_forward (graph, i, recorder, error))
      return FALSE;

  return TRUE;
}

gboolean
ns_graph_record_zero (NsGraph     *graph,
                      NsRecorder  *recorder,
                      GError     **error)
{
  NsVkCommands *commands = ns_recorder_take (recorder, 0.0, error);

  if (commands == NULL ||
      !ns_vk_commands_fill (graph->ctx, commands, &graph->input_grad, 0, error))
    return FALSE;
  for (guint i = 0; i < graph->n_nodes; i++)
    if (graph->nodes[i].host < 0 &&
        !ns_vk_commands_fill (graph->ctx, commands, &graph->nodes[i].grad, 0,
                              error))
      return FALSE;

  return TRUE;
}

/* Backward. */

static gboolean
layer_record_backward (NsGraph     *graph,
                       guint        index,
                       NsRecorder  *recorder,
                       GError     **error)
{
  const NsLayer *layer = &graph->net->layers[index];
  NsGraphNode   *node = &graph->nodes[index];
  NsVkCommands  *commands;
  NsConvShape    conv;
  NsPoolShape    pool;
  NsConvScratch  scratch = { &graph->transformed, &graph->products };

  switch (layer->kind)
    {
    case NS_LAYER_CONV:
      conv_shape (graph, index, &conv);
      commands = ns_recorder_take_dispatches (recorder, conv_flops (&conv),
                                              ns_op_conv2d_dispatches (&conv),
                                              error);
      return commands != NULL &&
             ns_op_conv2d_backward_record (graph->kernels, commands, &conv,
                                           node_grad (graph, index),
                                           node_value (graph, index),
                                           ns_op_conv2d_shares_weights (&conv) ?
                                           &graph->weights->weights[index] :
                                           &graph->weights->weights_back[index],
                                           source_grad (graph, layer->inputs[0]),
                                           TRUE, &scratch, error);

    case NS_LAYER_POOL_MAX:
    case NS_LAYER_POOL_AVG:
      pool_shape (graph, index, &pool);
      commands = ns_recorder_take (recorder, 0.0, error);
      if (commands == NULL)
        return FALSE;
      return layer->kind == NS_LAYER_POOL_MAX ?
             ns_op_pool_max_backward_record (graph->kernels, commands, &pool,
                                             &node->where, &node->grad,
                                             source_grad (graph,
                                                          layer->inputs[0]),
                                             TRUE, error) :
             ns_op_pool_avg_backward_record (graph->kernels, commands, &pool,
                                             &node->grad,
                                             source_grad (graph,
                                                          layer->inputs[0]),
                                             TRUE, error);

    case NS_LAYER_CONCAT:
      commands = ns_recorder_take (recorder, 0.0, error);
      return commands != NULL &&
             concat_record (graph, index, commands, TRUE, error);
    }

  return TRUE;
}

gboolean
ns_graph_record_backward (NsGraph     *graph,
                          NsRecorder  *recorder,
                          GError     **error)
{
  NsVkCommands *commands;

  for (guint i = graph->n_nodes; i-- > 0;)
    if (!layer_record_backward (graph, i, recorder, error))
      return FALSE;

  commands = ns_recorder_take (recorder, 0.0, error);
  return commands != NULL &&
         ns_op_to_net_backward_record (graph->kernels, commands, graph->net,
                                       graph->height, graph->width,
                                       &graph->input_grad, &graph->image_grad,
                                       FALSE, error);
}

double
ns_graph_forward_flops (const NsGraph *graph)
{
  double flops = 0.0;

  for (guint i = 0; i < graph->n_nodes; i++)
    if (graph->net->layers[i].kind == NS_LAYER_CONV)
      {
        NsConvShape shape;

        conv_shape (graph, i, &shape);
        flops += conv_flops (&shape);
      }

  return flops;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Network weights in host memory, from a safetensors file or from the
 * SqueezeNet v1.0 Deep Compression file, checked against the net's table. */
#pragma once

#include "ns-error.h"
#include "ns-net.h"

G_BEGIN_DECLS

typedef struct _NsWeights NsWeights;

/* Finds and loads the weights of @net.  @path, when given, is the file to
 * use; otherwise the search looks, in order, in NEURAL_STYLE_WEIGHTS, the
 * user's data folder and the system's (ns_weights_search_dirs) for the
 * net's file names (net->weight_files).  Errors are NS_ERROR_WEIGHTS and
 * name the file and, for a bad tensor, the tensor; a missing file names
 * every place looked in and the command that fetches it. */
NsWeights   *ns_weights_load         (const NsNet      *net,
                                      const char       *path,
                                      GError          **error);

/* Loads @path (safetensors or the Deep Compression .net) for @net. */
NsWeights   *ns_weights_load_file    (const NsNet      *net,
                                      const char       *path,
                                      GError          **error);

/* Weights made from memory (tests): @weights and @biases hold, per layer
 * of the table, the [Cout][Cin][k][k] and [Cout] arrays (NULL for layers
 * without weights); they are copied. */
NsWeights   *ns_weights_new_from_data (const NsNet     *net,
                                       const float * const *weights,
                                       const float * const *biases);

void         ns_weights_free         (NsWeights        *weights);

const NsNet *ns_weights_get_net      (const NsWeights  *weights);
const char  *ns_weights_get_path     (const NsWeights  *weights);

/* The weights [Cout][Cin][k][k] and biases [Cout] of conv layer @index;
 * NULL for a layer without weights. */
const float *ns_weights_get_weight   (const NsWeights  *weights,
                                      guint             index);
const float *ns_weights_get_bias     (const NsWeights  *weights,
                                      guint             index);

/* Floats of the weight tensor of conv layer @index (0 for other layers). */
gsize        ns_weights_weight_size  (const NsNet      *net,
                                      guint             index);

/* The folders searched, in order, NULL-terminated (free with g_strfreev). */
char       **ns_weights_search_dirs  (void);

G_END_DECLS

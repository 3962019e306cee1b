/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pretrained weights of a feature network in host memory: loaded from
 * safetensors or a Deep Compression .net file, saved as safetensors, and
 * the search for a network's weights file. */
#pragma once

#include <glib.h>

#include "ns-net.h"

G_BEGIN_DECLS

typedef enum
{
  NS_WEIGHTS_F32,
  NS_WEIGHTS_F16,   /* IEEE 754 binary16, little-endian */
} NsWeightsDtype;

/* One conv layer: weight [Cout][Cin][k][k] and bias [Cout], float32. */
typedef struct
{
  guint  out_channels;
  guint  in_channels;
  guint  kernel;
  float *weight;
  float *bias;
} NsConvWeights;

/* Weights of the conv layers among layers [0, n_layers) of @net.  convs
 * is indexed like net->layers; entries of other layers are all zero. */
typedef struct
{
  const NsNet   *net;
  guint          n_layers;
  NsConvWeights *convs;
} NsWeights;

/* Zero-filled weights for the conv layers among the first @n_layers
 * layers of @net (at most net->n_layers). */
NsWeights *ns_weights_new               (const NsNet     *net,
                                         guint            n_layers);
void       ns_weights_free              (NsWeights       *weights);
/* The same, then returns the freed memory to the system where the C
 * library keeps it otherwise: for weights already on the device. */
void       ns_weights_free_and_trim     (NsWeights       *weights);

/* Loads the conv layers among the first @n_layers layers of @net from
 * @path: a Deep Compression file when @path ends in ".net" (and the
 * network has that form), otherwise safetensors.  Every tensor is checked
 * against the table (name, dtype F32 or F16, shape, offsets) and must hold
 * finite numbers; errors are NS_ERROR_WEIGHTS naming the file and the
 * tensor. */
NsWeights *ns_weights_load              (const NsNet     *net,
                                         const char      *path,
                                         guint            n_layers,
                                         GError         **error);

/* The two formats, for callers that know which they hold. */
NsWeights *ns_weights_load_safetensors  (const NsNet     *net,
                                         const char      *path,
                                         guint            n_layers,
                                         GError         **error);
NsWeights *ns_weights_load_deep_compression
                                        (const NsNet     *net,
                                         const char      *path,
                                         guint            n_layers,
                                         GError         **error);

/* Writes every conv layer of @weights to @path as safetensors with the
 * table's tensor names, in @dtype (F16 refuses values beyond its range). */
gboolean   ns_weights_save              (const NsWeights *weights,
                                         const char      *path,
                                         NsWeightsDtype   dtype,
                                         GError         **error);

/* Finds the weights file of @net: @explicit_path when not NULL, else the
 * first of net->weight_files found in, in order, NEURAL_STYLE_WEIGHTS,
 * the user's data folder (ns_weights_user_dir) and the system folder
 * (ns_weights_system_dir).  The error lists every name and folder tried
 * and the command that downloads the file.  Free with g_free. */
char      *ns_weights_find              (const NsNet     *net,
                                         const char      *explicit_path,
                                         GError         **error);

/* $XDG_DATA_HOME/neural-style/weights (usually
 * ~/.local/share/neural-style/weights), where fetch-weights writes. */
char      *ns_weights_user_dir          (void);

/* The installed folder: <datadir>/neural-style/weights. */
const char *ns_weights_system_dir       (void);

/* IEEE 754 binary16 conversions, round to nearest even. */
float      ns_weights_half_to_float     (guint16          half);
guint16    ns_weights_float_to_half     (float            value);

G_END_DECLS

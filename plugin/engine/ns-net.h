/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Feature networks as data: a table of layers per network, its input
 * convention and the layers its losses read. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  NS_LAYER_CONV,      /* convolution + bias, optionally followed by ReLU */
  NS_LAYER_POOL_MAX,  /* max pooling */
  NS_LAYER_POOL_AVG,  /* average pooling (padding excluded from the count) */
  NS_LAYER_CONCAT,    /* channel concatenation of inputs[0] then inputs[1] */
} NsLayerKind;

/* One layer.  Activations are planar float32 tensors [C][H][W].  A layer
 * reads the output of inputs[0] (-1: the network input, 3 channels in the
 * network's own convention); only NS_LAYER_CONCAT reads inputs[1].  Output
 * size of conv and pooling along one axis, for input size n:
 *   floor mode: (n + 2 pad - kernel) / stride + 1
 *   ceil mode:  ceil ((n + 2 pad - kernel) / stride) + 1, less one if the
 *               last window would start in the padding (Caffe's rule). */
typedef struct
{
  const char  *name;          /* "conv1_1", "fire2/expand3x3", "pool1" */
  NsLayerKind  kind;
  int          inputs[2];
  guint        out_channels;  /* conv only; others derive theirs */
  guint        kernel;        /* square kernel or window, pixels */
  guint        stride;
  guint        pad;
  gboolean     ceil_mode;     /* pooling only */
  gboolean     relu;          /* conv only */
  const char  *weight_name;   /* conv: tensor [Cout][Cin][k][k] in the file */
  const char  *bias_name;     /* conv: tensor [Cout] */
} NsLayer;

typedef struct
{
  const char     *name;              /* "vgg19", "squeezenet" */
  const char     *title;             /* for people: "VGG19", ... */
  const NsLayer  *layers;
  guint           n_layers;

  /* Layers [0, n_feature_layers) are the feature extractor the losses may
   * read; later ones (SqueezeNet's classifier) serve the tests only and
   * are left out of the compact weights files. */
  guint           n_feature_layers;

  /* Input convention: the engine's pixels are RGB in 0..1; the network
   * sees channel c (in its own order, BGR when @bgr) as
   *   (value * range - mean[c]) / std[c]. */
  gboolean        bgr;
  float           range;             /* 1 or 255 */
  float           mean[3];           /* in the network's channel order */
  float           std[3];

  /* Losses: names of layers in the table; their outputs are read. */
  const char     *content_layer;
  const char    **style_layers;
  const float    *style_layer_weights;
  guint           n_style_layers;

  /* File names the weights search looks for, in order of preference,
   * NULL-terminated. */
  const char    **weight_files;

  /* TRUE when the weights may also come as a Deep Compression .net file
   * (Han et al.), which lists every conv layer of the table in order. */
  gboolean        deep_compression;

  /* Style transfer works on the image with this many pixels mirrored out
   * on each side, and crops them away after each stage: the network sees
   * the pixels at the picture's edges in context, and what it paints
   * badly at its own input's edges falls in the margin. */
  guint           margin;
} NsNet;

/* The built-in networks, NULL-terminated. */
const NsNet * const *ns_net_all              (void);

/* The network called @name ("vgg19", "squeezenet"), or NULL. */
const NsNet         *ns_net_find             (const char   *name);

/* Index of the layer called @name in @net, or -1. */
int                  ns_net_layer_index      (const NsNet  *net,
                                              const char   *name);

/* Channels of the output of layer @index (-1: the input, 3). */
guint                ns_net_layer_channels   (const NsNet  *net,
                                              int           index);

/* Output size along one axis of layer @index when the network input has
 * @n pixels along that axis (following the chain of layers); 0 when some
 * layer on the way gets no output pixel (the image is too small). */
guint                ns_net_layer_out_size   (const NsNet  *net,
                                              int           index,
                                              guint         n);

/* Index of the last layer that a loss reads (content or style). */
int                  ns_net_last_loss_layer  (const NsNet  *net);

/* The smallest image side for which every layer up to @last_layer has an
 * output of at least one pixel. */
guint                ns_net_min_size         (const NsNet  *net,
                                              int           last_layer);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built-in feature networks as tables, and the sizes they imply. */
#include "ns-net.h"

#include <string.h>

/* VGG19 (Simonyan and Zisserman 2014) up to conv5_1, torchvision layout:
 * row r of the table is features.N of torchvision's model (and of timm's
 * vgg19.tv_in1k); the ReLU after each conv is fused, so the output of
 * "conv1_1" is what the literature calls relu1_1.  Every conv is 3x3 with
 * padding 1 and every pooling 2x2 stride 2, floor mode. */
#define VGG_CONV(name, in, n, c) \
  { name, NS_LAYER_CONV, { in, -1 }, c, 3, 1, 1, FALSE, TRUE, \
    "features." #n ".weight", "features." #n ".bias" }
#define VGG_POOL(name, in) \
  { name, NS_LAYER_POOL_MAX, { in, -1 }, 0, 2, 2, 0, FALSE, FALSE, NULL, NULL }

static const NsLayer vgg19_layers[] =
{
  VGG_CONV ("conv1_1", -1,  0,  64),  /*  0 */
  VGG_CONV ("conv1_2",  0,  2,  64),  /*  1 */
  VGG_POOL ("pool1",    1),           /*  2: features.4 */
  VGG_CONV ("conv2_1",  2,  5, 128),  /*  3 */
  VGG_CONV ("conv2_2",  3,  7, 128),  /*  4 */
  VGG_POOL ("pool2",    4),           /*  5: features.9 */
  VGG_CONV ("conv3_1",  5, 10, 256),  /*  6 */
  VGG_CONV ("conv3_2",  6, 12, 256),  /*  7 */
  VGG_CONV ("conv3_3",  7, 14, 256),  /*  8 */
  VGG_CONV ("conv3_4",  8, 16, 256),  /*  9 */
  VGG_POOL ("pool3",    9),           /* 10: features.18 */
  VGG_CONV ("conv4_1", 10, 19, 512),  /* 11 */
  VGG_CONV ("conv4_2", 11, 21, 512),  /* 12 */
  VGG_CONV ("conv4_3", 12, 23, 512),  /* 13 */
  VGG_CONV ("conv4_4", 13, 25, 512),  /* 14 */
  VGG_POOL ("pool4",   14),           /* 15: features.27 */
  VGG_CONV ("conv5_1", 15, 28, 512),  /* 16 */
};

static const char *vgg19_style_layers[] =
  { "conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1" };
static const float vgg19_style_weights[] = { 1, 1, 1, 1, 1 };
static const char *vgg19_files[] =
  { "vgg19.safetensors", "vgg19.tv_in1k.safetensors", NULL };

/* SqueezeNet v1.0 (Iandola et al. 2016) as in SqueezeNet_deploy.prototxt.
 * A fire module starting at row s reads row s - 1: squeeze 1x1 (row s)
 * feeds expand 1x1 (s + 1) and expand 3x3 pad 1 (s + 2), all with ReLU,
 * concatenated 1x1 first (s + 3, named after the module).  Tensors carry
 * the Caffe layer names: fireN/conv1x1_1 (squeeze), fireN/conv1x1_2
 * (expand 1x1), fireN/conv3x3_2 (expand 3x3), conv_final (conv10). */
#define SQ_CONV(name, in, c, k, s, p, tensor) \
  { name, NS_LAYER_CONV, { in, -1 }, c, k, s, p, FALSE, TRUE, \
    tensor ".weight", tensor ".bias" }
#define SQ_POOL(name, in) \
  { name, NS_LAYER_POOL_MAX, { in, -1 }, 0, 3, 2, 0, TRUE, FALSE, NULL, NULL }
#define SQ_FIRE(name, s, squeeze, expand) \
  SQ_CONV (name "/squeeze1x1", s - 1, squeeze, 1, 1, 0, name "/conv1x1_1"), \
  SQ_CONV (name "/expand1x1", s, expand, 1, 1, 0, name "/conv1x1_2"), \
  SQ_CONV (name "/expand3x3", s, expand, 3, 1, 1, name "/conv3x3_2"), \
  { name, NS_LAYER_CONCAT, { s + 1, s + 2 }, 0, 0, 0, 0, FALSE, FALSE, \
    NULL, NULL }

static const NsLayer squeezenet_layers[] =
{
  SQ_CONV ("conv1", -1, 96, 7, 2, 0, "conv1"),   /*  0 */
  SQ_POOL ("pool1", 0),                          /*  1 */
  SQ_FIRE ("fire2",  2,  16,  64),               /*  2..5 */
  SQ_FIRE ("fire3",  6,  16,  64),               /*  6..9 */
  SQ_FIRE ("fire4", 10,  32, 128),               /* 10..13 */
  SQ_POOL ("pool4", 13),                         /* 14 */
  SQ_FIRE ("fire5", 15,  32, 128),               /* 15..18 */
  SQ_FIRE ("fire6", 19,  48, 192),               /* 19..22 */
  SQ_FIRE ("fire7", 23,  48, 192),               /* 23..26 */
  SQ_FIRE ("fire8", 27,  64, 256),               /* 27..30 */
  SQ_POOL ("pool8", 30),                         /* 31 */
  SQ_FIRE ("fire9", 32,  64, 256),               /* 32..35 */
  /* Classifier, for the tests: 1000 ImageNet classes, then a global
   * average (done by the caller).  The prototxt pads this 1x1 conv by 1. */
  SQ_CONV ("conv10", 35, 1000, 1, 1, 1, "conv_final"),  /* 36 */
};

/* Weights 10 each, from the measured recipe (docs/recipes.md). */
static const char *squeezenet_style_layers[] =
  { "conv1", "fire2", "fire4", "fire6", "fire8" };
static const float squeezenet_style_weights[] = { 10, 10, 10, 10, 10 };
static const char *squeezenet_files[] =
  { "squeezenet.safetensors", "compressed_SqueezeNet.net", NULL };

static const NsNet vgg19_net =
{
  .name                = "vgg19",
  .title               = "VGG19",
  .layers              = vgg19_layers,
  .n_layers            = G_N_ELEMENTS (vgg19_layers),
  .n_feature_layers    = G_N_ELEMENTS (vgg19_layers),
  .bgr                 = FALSE,
  .range               = 1.0f,
  .mean                = { 0.485f, 0.456f, 0.406f },
  .std                 = { 0.229f, 0.224f, 0.225f },
  .content_layer       = "conv4_2",
  .style_layers        = vgg19_style_layers,
  .style_layer_weights = vgg19_style_weights,
  .n_style_layers      = G_N_ELEMENTS (vgg19_style_layers),
  .weight_files        = vgg19_files,
  .deep_compression    = FALSE,
};

static const NsNet squeezenet_net =
{
  .name                = "squeezenet",
  .title               = "SqueezeNet v1.0",
  .layers              = squeezenet_layers,
  .n_layers            = G_N_ELEMENTS (squeezenet_layers),
  .n_feature_layers    = G_N_ELEMENTS (squeezenet_layers) - 1,
  .bgr                 = TRUE,
  .range               = 255.0f,
  .mean                = { 104.0f, 117.0f, 123.0f },
  .std                 = { 1.0f, 1.0f, 1.0f },
  .content_layer       = "fire6",
  .style_layers        = squeezenet_style_layers,
  .style_layer_weights = squeezenet_style_weights,
  .n_style_layers      = G_N_ELEMENTS (squeezenet_style_layers),
  .weight_files        = squeezenet_files,
  .deep_compression    = TRUE,
  .margin              = 8,
};

static const NsNet * const all_nets[] = { &squeezenet_net, &vgg19_net, NULL };

const NsNet * const *
ns_net_all (void)
{
  return all_nets;
}

const NsNet *
ns_net_find (const char *name)
{
  for (guint i = 0; all_nets[i] != NULL; i++)
    if (name != NULL && strcmp (all_nets[i]->name, name) == 0)
      return all_nets[i];

  return NULL;
}

int
ns_net_layer_index (const NsNet *net,
                    const char  *name)
{
  for (guint i = 0; i < net->n_layers; i++)
    if (name != NULL && strcmp (net->layers[i].name, name) == 0)
      return (int) i;

  return -1;
}

guint
ns_net_layer_channels (const NsNet *net,
                       int          index)
{
  const NsLayer *layer;

  if (index < 0 || (guint) index >= net->n_layers)
    return 3;

  layer = &net->layers[index];
  switch (layer->kind)
    {
    case NS_LAYER_CONV:
      return layer->out_channels;
    case NS_LAYER_CONCAT:
      return ns_net_layer_channels (net, layer->inputs[0]) +
             ns_net_layer_channels (net, layer->inputs[1]);
    case NS_LAYER_POOL_MAX:
    case NS_LAYER_POOL_AVG:
    default:
      return ns_net_layer_channels (net, layer->inputs[0]);
    }
}

/* Output size of one conv or pooling window along an axis of @n pixels. */
static guint
window_out_size (const NsLayer *layer,
                 guint          n)
{
  guint span = n + 2 * layer->pad, out;

  if (n == 0 || span < layer->kernel || layer->stride == 0)
    return 0;

  if (!layer->ceil_mode)
    return (span - layer->kernel) / layer->stride + 1;

  /* Caffe: round up, but no window may start inside the right padding. */
  out = (span - layer->kernel + layer->stride - 1) / layer->stride + 1;
  if (layer->pad > 0 && (out - 1) * layer->stride >= n + layer->pad)
    out--;

  return out;
}

guint
ns_net_layer_out_size (const NsNet *net,
                       int          index,
                       guint        n)
{
  const NsLayer *layer;
  guint          in;

  if (index < 0 || (guint) index >= net->n_layers)
    return n;

  layer = &net->layers[index];
  in = ns_net_layer_out_size (net, layer->inputs[0], n);
  if (layer->kind == NS_LAYER_CONCAT)
    return in;

  return window_out_size (layer, in);
}

int
ns_net_last_loss_layer (const NsNet *net)
{
  int last = ns_net_layer_index (net, net->content_layer);

  for (guint i = 0; i < net->n_style_layers; i++)
    last = MAX (last, ns_net_layer_index (net, net->style_layers[i]));

  return last;
}

guint
ns_net_min_size (const NsNet *net,
                 int          last_layer)
{
  /* Sizes grow with the input, so the first side that reaches the last
   * layer reaches every layer before it; no table here needs 4096. */
  for (guint n = 1; n < 4096; n++)
    if (ns_net_layer_out_size (net, last_layer, n) > 0)
      return n;

  return 4096;
}

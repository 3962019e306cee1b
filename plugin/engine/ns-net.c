/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built-in feature networks, as tables. */
#include "ns-net.h"

#include <string.h>

#include "ns-op-pool.h"

#define CONV(name, from, channels, k, s, p, tensor)                          \
  { name, NS_LAYER_CONV, { from, -1 }, channels, k, s, p, FALSE, TRUE,        \
    tensor ".weight", tensor ".bias" }
#define POOL_MAX(name, from, k, s, ceil_mode)                                 \
  { name, NS_LAYER_POOL_MAX, { from, -1 }, 0, k, s, 0, ceil_mode, FALSE,      \
    NULL, NULL }

/* VGG19's features up to conv5_1, as torchvision numbers them
 * (features.N): 3x3 convolutions padded by 1, each followed by a ReLU, and
 * 2x2 max pooling. */
#define VGG_CONV(name, from, channels, n) \
  CONV (name, from, channels, 3, 1, 1, "features." #n)
#define VGG_POOL(name, from) POOL_MAX (name, from, 2, 2, FALSE)

static const NsLayer vgg19_layers[] = {
  VGG_CONV ("conv1_1", -1, 64, 0),
  VGG_CONV ("conv1_2", 0, 64, 2),
  VGG_POOL ("pool1", 1),
  VGG_CONV ("conv2_1", 2, 128, 5),
  VGG_CONV ("conv2_2", 3, 128, 7),
  VGG_POOL ("pool2", 4),
  VGG_CONV ("conv3_1", 5, 256, 10),
  VGG_CONV ("conv3_2", 6, 256, 12),
  VGG_CONV ("conv3_3", 7, 256, 14),
  VGG_CONV ("conv3_4", 8, 256, 16),
  VGG_POOL ("pool3", 9),
  VGG_CONV ("conv4_1", 10, 512, 19),
  VGG_CONV ("conv4_2", 11, 512, 21),
  VGG_CONV ("conv4_3", 12, 512, 23),
  VGG_CONV ("conv4_4", 13, 512, 25),
  VGG_POOL ("pool4", 14),
  VGG_CONV ("conv5_1", 15, 512, 28),
};

/* A fire module of SqueezeNet v1.0 whose squeeze layer is at @at: squeeze
 * 1x1 (@s channels) feeding expand 1x1 and expand 3x3 (@e channels each),
 * concatenated 1x1 first into the layer named like the module.  Tensor
 * names are the Caffe model's layer names. */
#define FIRE(name, at, from, s, e)                                            \
  CONV (name "/squeeze1x1", from, s, 1, 1, 0, name "/conv1x1_1"),             \
  CONV (name "/expand1x1", at, e, 1, 1, 0, name "/conv1x1_2"),                \
  CONV (name "/expand3x3", at, e, 3, 1, 1, name "/conv3x3_2"),                \
  { name, NS_LAYER_CONCAT, { at + 1, at + 2 }, 0, 0, 0, 0, FALSE, FALSE,      \
    NULL, NULL }

static const NsLayer squeezenet_layers[] = {
  CONV ("conv1", -1, 96, 7, 2, 0, "conv1"),
  POOL_MAX ("pool1", 0, 3, 2, TRUE),
  FIRE ("fire2", 2, 1, 16, 64),
  FIRE ("fire3", 6, 5, 16, 64),
  FIRE ("fire4", 10, 9, 32, 128),
  POOL_MAX ("pool4", 13, 3, 2, TRUE),
  FIRE ("fire5", 15, 14, 32, 128),
  FIRE ("fire6", 19, 18, 48, 192),
  FIRE ("fire7", 23, 22, 48, 192),
  FIRE ("fire8", 27, 26, 64, 256),
  POOL_MAX ("pool8", 30, 3, 2, TRUE),
  FIRE ("fire9", 32, 31, 64, 256),
  CONV ("conv10", 35, 1000, 1, 1, 0, "conv10"),
};

static const char *vgg19_style[] = {
  "conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1",
};
static const float vgg19_style_weights[] = { 1, 1, 1, 1, 1 };
static const char *vgg19_files[] = {
  "vgg19.safetensors", "vgg19-features.safetensors", "model.safetensors", NULL,
};

static const char *squeezenet_style[] = {
  "conv1", "fire2", "fire4", "fire6", "fire8",
};
static const float squeezenet_style_weights[] = { 1, 1, 1, 1, 1 };
static const char *squeezenet_files[] = {
  "squeezenet.safetensors", "compressed_SqueezeNet.net", NULL,
};

static const NsNet vgg19 = {
  .name = "vgg19",
  .title = "VGG19",
  .layers = vgg19_layers,
  .n_layers = G_N_ELEMENTS (vgg19_layers),
  .bgr = FALSE,
  .range = 1.0f,
  .mean = { 0.485f, 0.456f, 0.406f },
  .std = { 0.229f, 0.224f, 0.225f },
  .content_layer = "conv4_2",
  .style_layers = vgg19_style,
  .style_layer_weights = vgg19_style_weights,
  .n_style_layers = G_N_ELEMENTS (vgg19_style),
  .weight_files = vgg19_files,
};

/* Caffe's convention: BGR, 0..255, mean subtracted, no scaling. */
static const NsNet squeezenet = {
  .name = "squeezenet",
  .title = "SqueezeNet v1.0",
  .layers = squeezenet_layers,
  .n_layers = G_N_ELEMENTS (squeezenet_layers),
  .bgr = TRUE,
  .range = 255.0f,
  .mean = { 104.0f, 117.0f, 123.0f },
  .std = { 1.0f, 1.0f, 1.0f },
  .content_layer = "fire6",
  .style_layers = squeezenet_style,
  .style_layer_weights = squeezenet_style_weights,
  .n_style_layers = G_N_ELEMENTS (squeezenet_style),
  .weight_files = squeezenet_files,
};

static const NsNet * const all_nets[] = { &squeezenet, &vgg19, NULL };

const NsNet * const *
ns_net_all (void)
{
  return all_nets;
}

const NsNet *
ns_net_find (const char *name)
{
  for (guint i = 0; name != NULL && all_nets[i] != NULL; i++)
    if (g_ascii_strcasecmp (all_nets[i]->name, name) == 0)
      return all_nets[i];

  return NULL;
}

int
ns_net_layer_index (const NsNet *net,
                    const char  *name)
{
  for (guint i = 0; i < net->n_layers; i++)
    if (strcmp (net->layers[i].name, name) == 0)
      return (int) i;

  return -1;
}

guint
ns_net_layer_channels (const NsNet *net,
                       int          index)
{
  const NsLayer *layer;

  if (index < 0)
    return 3;
  layer = &net->layers[index];
  switch (layer->kind)
    {
    case NS_LAYER_CONV:
      return layer->out_channels;
    case NS_LAYER_CONCAT:
      return ns_net_layer_channels (net, layer->inputs[0]) +
             ns_net_layer_channels (net, layer->inputs[1]);
    default:
      return ns_net_layer_channels (net, layer->inputs[0]);
    }
}

guint
ns_net_layer_out_size (const NsNet *net,
                       int          index,
                       guint        n)
{
  const NsLayer *layer;
  guint          in;

  if (index < 0)
    return n;
  layer = &net->layers[index];
  in = ns_net_layer_out_size (net, layer->inputs[0], n);
  if (in == 0)
    return 0;

  switch (layer->kind)
    {
    case NS_LAYER_CONV:
      if (in + 2 * layer->pad < layer->kernel)
        return 0;
      return (in + 2 * layer->pad - layer->kernel) / layer->stride + 1;
    case NS_LAYER_POOL_MAX:
    case NS_LAYER_POOL_AVG:
      return ns_op_pool_out_size (in, layer->kernel, layer->stride,
                                  layer->pad, layer->ceil_mode);
    default:
      return in;
    }
}

guint
ns_net_min_size (const NsNet *net,
                 int          last_layer)
{
  guint n = 1;

  while (n < 4096)
    {
      gboolean fits = TRUE;

      for (int i = 0; i <= last_layer && fits; i++)
        fits = ns_net_layer_out_size (net, i, n) > 0;
      if (fits)
        return n;
      n++;
    }

  return n;
}

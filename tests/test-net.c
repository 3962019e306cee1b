/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network tables: consistency, channels, output sizes in floor and
 * ceil mode, and the smallest usable image. */
#include "ns-net.h"

/* Every input refers to an earlier layer, convs name their tensors, both
 * halves of a concat have the same size, loss layers exist. */
static void
check_table (const NsNet *net)
{
  for (guint i = 0; i < net->n_layers; i++)
    {
      const NsLayer *layer = &net->layers[i];

      g_assert_cmpint (layer->inputs[0], <, (int) i);
      g_assert_cmpint (layer->inputs[0], >=, -1);
      g_assert_cmpint (ns_net_layer_index (net, layer->name), ==, (int) i);
      if (layer->kind == NS_LAYER_CONV)
        {
          g_assert_nonnull (layer->weight_name);
          g_assert_nonnull (layer->bias_name);
          g_assert_cmpuint (layer->out_channels, >, 0);
        }
      if (layer->kind != NS_LAYER_CONCAT)
        {
          g_assert_cmpuint (layer->stride, >, 0);
          continue;
        }
      g_assert_cmpint (layer->inputs[1], <, (int) i);
      for (guint n = 1; n < 300; n++)
        g_assert_cmpuint (ns_net_layer_out_size (net, layer->inputs[0], n),
                          ==,
                          ns_net_layer_out_size (net, layer->inputs[1], n));
    }

  g_assert_cmpint (ns_net_layer_index (net, net->content_layer), >=, 0);
  for (guint i = 0; i < net->n_style_layers; i++)
    {
      g_assert_cmpint (ns_net_layer_index (net, net->style_layers[i]), >=, 0);
      g_assert_cmpfloat (net->style_layer_weights[i], >, 0);
    }
  g_assert_cmpint (ns_net_last_loss_layer (net), <,
                   (int) net->n_feature_layers);
  g_assert_nonnull (net->weight_files[0]);
}

static void
test_tables (void)
{
  const NsNet * const *nets = ns_net_all ();

  for (guint i = 0; nets[i] != NULL; i++)
    {
      check_table (nets[i]);
      g_assert_true (ns_net_find (nets[i]->name) == nets[i]);
    }
  g_assert_null (ns_net_find ("alexnet"));
  g_assert_null (ns_net_find (NULL));
}

typedef struct
{
  const char *layer;
  guint       in;
  guint       out;
  guint       channels;
} SizeCase;

static void
check_sizes (const NsNet    *net,
             const SizeCase *cases,
             gsize           n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      int index = ns_net_layer_index (net, cases[i].layer);
      guint out = ns_net_layer_out_size (net, index, cases[i].in);

      g_assert_cmpint (index, >=, 0);
      if (out != cases[i].out)
        g_error ("%s %s: input %u gives %u, expected %u", net->name,
                 cases[i].layer, cases[i].in, out, cases[i].out);
      g_assert_cmpuint (ns_net_layer_channels (net, index), ==,
                        cases[i].channels);
    }
}

/* Sizes worked out by hand from the prototxt: ceil-mode pooling rounds
 * (111 - 3) / 2 = 54 up to 55 outputs, plus one. */
static void
test_squeezenet_sizes (void)
{
  static const SizeCase cases[] =
  {
    { "conv1",   227, 111,   96 },
    { "pool1",   227,  55,   96 },
    { "fire2",   227,  55,  128 },
    { "fire4",   227,  55,  256 },
    { "pool4",   227,  27,  256 },
    { "fire6",   227,  27,  384 },
    { "fire8",   227,  27,  512 },
    { "pool8",   227,  13,  512 },
    { "fire9",   227,  13,  512 },
    { "conv10",  227,  15, 1000 },  /* padded 1x1 conv, as in Caffe */
    { "conv1",   229, 112,   96 },
    { "pool1",   229,  56,   96 },  /* ceil (109 / 2) + 1; floor gives 55 */
    { "pool1",   230,  56,   96 },
    { "fire2/squeeze1x1", 229, 56, 16 },
    { "fire2/expand3x3",  229, 56, 64 },
    { "conv1",     6,   0,   96 },
    { "conv1",     7,   1,   96 },
  };
  const NsNet *net = ns_net_find ("squeezenet");

  check_sizes (net, cases, G_N_ELEMENTS (cases));
  g_assert_cmpuint (ns_net_layer_channels (net, -1), ==, 3);
  g_assert_cmpuint (ns_net_layer_out_size (net, -1, 17), ==, 17);

  /* conv1 needs 7 pixels, pool1 then 11, pool4 17 and pool8 29. */
  g_assert_cmpuint (ns_net_min_size (net, 0), ==, 7);
  g_assert_cmpuint (ns_net_min_size (net, ns_net_layer_index (net, "fire2")),
                    ==, 11);
  g_assert_cmpuint (ns_net_min_size (net, ns_net_layer_index (net, "fire8")),
                    ==, 17);
  g_assert_cmpuint (ns_net_min_size (net, ns_net_layer_index (net, "pool8")),
                    ==, 29);
  g_assert_cmpuint (ns_net_layer_out_size (net, 31, 28), ==, 0);
  g_assert_cmpuint (ns_net_layer_out_size (net, 31, 29), ==, 1);
}

/* VGG pools in floor mode: an odd side loses its last pixel. */
static void
test_vgg19_sizes (void)
{
  static const SizeCase cases[] =
  {
    { "conv1_1", 224, 224,  64 },
    { "pool1",   224, 112,  64 },
    { "conv2_1", 224, 112, 128 },
    { "conv3_1", 224,  56, 256 },
    { "conv4_2", 224,  28, 512 },
    { "conv5_1", 224,  14, 512 },
    { "pool1",   225, 112,  64 },
    { "conv5_1", 255,  15, 512 },
    { "conv5_1",  16,   1, 512 },
    { "conv5_1",  15,   0, 512 },
    { "conv1_1",   1,   1,  64 },
  };
  const NsNet *net = ns_net_find ("vgg19");

  check_sizes (net, cases, G_N_ELEMENTS (cases));
  g_assert_cmpuint (ns_net_min_size (net, ns_net_last_loss_layer (net)), ==,
                    16);
  g_assert_cmpuint (ns_net_min_size (net, ns_net_layer_index (net, "conv4_2")),
                    ==, 8);
  g_assert_cmpint (ns_net_last_loss_layer (net), ==,
                   ns_net_layer_index (net, "conv5_1"));
  g_assert_cmpint (ns_net_layer_index (net, "relu9_9"), ==, -1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/tables", test_tables);
  g_test_add_func ("/net/squeezenet-sizes", test_squeezenet_sizes);
  g_test_add_func ("/net/vgg19-sizes", test_vgg19_sizes);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SqueezeNet with the Deep Compression weights, through the CPU reference
 * and conv10 + global average, must name the ImageNet class of two real
 * photographs: this checks the decoder, the table and the input
 * convention (BGR, 0..255, mean subtracted) together. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>

#include "ref-net.h"

#define SIDE 227  /* SqueezeNet's training size, pixels */

/* Loads @path, scales it so its short side is SIDE pixels and crops the
 * centre square; returns planar RGB [3][SIDE][SIDE] in 0..1. */
static float *
load_centre_crop (const char *path)
{
  GError    *error = NULL;
  GdkPixbuf *image = gdk_pixbuf_new_from_file (path, &error);
  GdkPixbuf *scaled;
  float     *rgb = g_new (float, 3 * SIDE * SIDE);
  int        w, h, short_side, x0, y0, stride, n_channels;
  const guint8 *pixels;

  g_assert_no_error (error);
  w = gdk_pixbuf_get_width (image);
  h = gdk_pixbuf_get_height (image);
  short_side = MIN (w, h);
  scaled = gdk_pixbuf_scale_simple (image,
                                    MAX (SIDE, (w * SIDE + short_side / 2) /
                                               short_side),
                                    MAX (SIDE, (h * SIDE + short_side / 2) /
                                               short_side),
                                    GDK_INTERP_HYPER);
  x0 = (gdk_pixbuf_get_width (scaled) - SIDE) / 2;
  y0 = (gdk_pixbuf_get_height (scaled) - SIDE) / 2;
  stride = gdk_pixbuf_get_rowstride (scaled);
  n_channels = gdk_pixbuf_get_n_channels (scaled);
  pixels = gdk_pixbuf_read_pixels (scaled);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++)
        rgb[(c * SIDE + y) * SIDE + x] =
          pixels[(gsize) (y0 + y) * stride + (gsize) (x0 + x) * n_channels + c]
          / 255.0f;

  g_object_unref (scaled);
  g_object_unref (image);

  return rgb;
}

/* The class with the largest mean activation of conv10. */
static guint
classify (const NsNet     *net,
          const NsWeights *weights,
          const char      *image_path)
{
  float     *rgb = load_centre_crop (image_path);
  RefTensor  input;
  RefTensor *outputs, *scores;
  guint      best = 0, plane;
  double     best_score = -1.0;

  ref_net_input (net, rgb, SIDE, SIDE, &input);
  outputs = ref_net_forward (net, weights, &input, net->n_layers);
  scores = &outputs[net->n_layers - 1];
  plane = scores->height * scores->width;
  g_assert_cmpuint (scores->channels, ==, 1000);

  for (guint c = 0; c < scores->channels; c++)
    {
      double sum = 0.0;

      for (guint p = 0; p < plane; p++)
        sum += scores->data[c * plane + p];
      if (sum / plane > best_score)
        {
          best_score = sum / plane;
          best = c;
        }
    }
  g_test_message ("%s: class %u, mean score %g", image_path, best, best_score);

  ref_net_outputs_free (outputs, net->n_layers);
  ref_tensor_clear (&input);
  g_free (rgb);

  return best;
}

typedef struct
{
  const char *image;
  guint       class_index;  /* ImageNet-1k, 0-based */
} Case;

static void
test_classify (void)
{
  static const Case cases[] =
  {
    { "content/chelsea.png", 285 },  /* Egyptian cat */
    { "content/coffee.png",  967 },  /* espresso */
  };
  const char  *shared = g_getenv ("NEURAL_STYLE_SHARED");
  const NsNet *net = ns_net_find ("squeezenet");
  char        *path;
  NsWeights   *weights;
  GError      *error = NULL;

  path = g_build_filename (shared ? shared : "/nonexistent", "weights",
                           "squeezenet-v1.0-dc", "compressed_SqueezeNet.net",
                           NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("SKIP: %s is missing\n", path);
      exit (77);
    }
  weights = ns_weights_load (net, path, net->n_layers, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *image = g_build_filename (shared, "images", cases[i].image, NULL);
      guint got = classify (net, weights, image);

      if (got != cases[i].class_index)
        g_error ("%s: SqueezeNet says class %u, expected %u", image, got,
                 cases[i].class_index);
      g_free (image);
    }

  ns_weights_free (weights);
  g_free (path);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ref/squeezenet-classify", test_classify);

  return g_test_run ();
}

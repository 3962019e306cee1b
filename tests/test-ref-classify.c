/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SqueezeNet with the Deep Compression weights, through conv10 + global
 * average, must name the ImageNet class of two real photographs: this
 * checks the decoder, the table and the input convention (BGR, 0..255,
 * mean subtracted) together.  /ref/ runs the CPU reference; /vk/ runs the
 * engine's own graph on the device and compares its scores with the
 * reference's. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>

#include "ns-graph.h"
#include "ns-test.h"
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

#define N_CLASSES 1000

/* Mean over the pixels of each of the N_CLASSES planes of conv10. */
static void
global_average (const float *planes,
                guint        plane,
                float       *scores)
{
  for (guint c = 0; c < N_CLASSES; c++)
    {
      double sum = 0.0;

      for (guint p = 0; p < plane; p++)
        sum += planes[c * plane + p];
      scores[c] = (float) (sum / plane);
    }
}

static void
scores_reference (const NsNet     *net,
                  const NsWeights *weights,
                  const float     *rgb,
                  float           *scores)
{
  RefTensor  input;
  RefTensor *outputs, *last;

  ref_net_input (net, rgb, SIDE, SIDE, &input);
  outputs = ref_net_forward (net, weights, &input, net->n_layers);
  last = &outputs[net->n_layers - 1];
  g_assert_cmpuint (last->channels, ==, N_CLASSES);
  global_average (last->data, last->height * last->width, scores);
  ref_net_outputs_free (outputs, net->n_layers);
  ref_tensor_clear (&input);
}

/* The same through the engine's graph on the device. */
static void
scores_device (const NsNet     *net,
               const NsWeights *weights,
               const float     *rgb,
               float           *scores)
{
  NsVkContext   *ctx = ns_test_context_new ();
  NsKernels      kernels;
  NsGraphWeights device;
  NsGraph        graph;
  NsRecorder     recorder;
  GError        *error = NULL;
  NsGraphNode   *last;
  float         *planes;

  ns_kernels_init (&kernels, ctx);
  ns_recorder_init (&recorder, ctx, 1e9);
  g_assert_true (ns_graph_weights_upload (ctx, weights, net->n_layers,
                                          &device, &error));
  g_assert_true (ns_graph_init (&graph, ctx, &kernels, &device,
                                net->n_layers, SIDE, SIDE, FALSE, &error));
  g_assert_true (ns_vk_buffer_upload (ctx, &graph.image, 0, rgb,
                                      3 * SIDE * SIDE * sizeof (float),
                                      &error));
  g_assert_true (ns_graph_record_forward (&graph, &recorder, &error));
  g_assert_true (ns_recorder_end (&recorder, &error));
  g_assert_true (ns_recorder_submit (&recorder, NULL, &error));
  g_assert_no_error (error);

  last = &graph.nodes[net->n_layers - 1];
  g_assert_cmpuint (last->c, ==, N_CLASSES);
  planes = g_new (float, (gsize) N_CLASSES * last->h * last->w);
  ns_test_buffer_read (ctx, &last->value, planes,
                       (gsize) N_CLASSES * last->h * last->w);
  global_average (planes, last->h * last->w, scores);

  g_free (planes);
  ns_recorder_clear (&recorder);
  ns_graph_clear (&graph);
  ns_graph_weights_clear (ctx, &device);
  ns_kernels_free (&kernels);
  ns_test_context_free (ctx);
}

static guint
best_class (const float *scores)
{
  guint best = 0;

  for (guint c = 1; c < N_CLASSES; c++)
    if (scores[c] > scores[best])
      best = c;

  return best;
}

/* The class with the largest mean activation of conv10; on the device,
 * the scores must also agree with the reference's. */
static guint
classify (const NsNet     *net,
          const NsWeights *weights,
          const char      *image_path,
          gboolean         on_device)
{
  float *rgb = load_centre_crop (image_path);
  float  reference[N_CLASSES], device[N_CLASSES];
  guint  best;

  scores_reference (net, weights, rgb, reference);
  best = best_class (reference);
  if (on_device)
    {
      double error;

      scores_device (net, weights, rgb, device);
      error = ns_test_normalised_error (device, reference, N_CLASSES);
      if (error > 1e-4)
        g_error ("%s: device scores differ from the reference by a "
                 "normalised error of %g", image_path, error);
      best = best_class (device);
      g_test_message ("%s: device scores within %.2g of the reference",
                      image_path, error);
    }
  g_test_message ("%s: class %u, mean score %g", image_path, best,
                  on_device ? device[best] : reference[best]);
  g_free (rgb);

  return best;
}

typedef struct
{
  const char *image;
  guint       class_index;  /* ImageNet-1k, 0-based */
} Case;

static void
classify_cases (gboolean on_device)
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
      guint got = classify (net, weights, image, on_device);

      if (got != cases[i].class_index)
        g_error ("%s: SqueezeNet says class %u, expected %u", image, got,
                 cases[i].class_index);
      g_free (image);
    }

  ns_weights_free (weights);
  g_free (path);
}

static void
test_classify_reference (void)
{
  classify_cases (FALSE);
}

static void
test_classify_device (void)
{
  classify_cases (TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ref/squeezenet-classify", test_classify_reference);
  g_test_add_func ("/vk/squeezenet-classify", test_classify_device);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine as a whole on a tiny network: the gradient of the total loss
 * with respect to the pixels against central finite differences, and
 * finite results from degenerate inputs. */
#include <math.h>
#include <string.h>

#include "ns-graph.h"
#include "ns-image.h"
#include "ns-stage.h"
#include "ns-test-kernels.h"

/* conv (3->5, 3x3) -> avg pool 2/2 ceil -> squeeze 1x1 (5->3) -> expand
 * 1x1 and 3x3 (3->2 each) -> concat (4) -> conv 3x3 stride 2 (4->3). */
static const NsLayer tiny_layers[] = {
  { "conv1", NS_LAYER_CONV, { -1, -1 }, 5, 3, 1, 1, FALSE, TRUE, "c1.w", "c1.b" },
  { "pool1", NS_LAYER_POOL_AVG, { 0, -1 }, 0, 2, 2, 0, TRUE, FALSE, NULL, NULL },
  { "squeeze", NS_LAYER_CONV, { 1, -1 }, 3, 1, 1, 0, FALSE, TRUE, "s.w", "s.b" },
  { "expand1", NS_LAYER_CONV, { 2, -1 }, 2, 1, 1, 0, FALSE, TRUE, "e1.w", "e1.b" },
  { "expand3", NS_LAYER_CONV, { 2, -1 }, 2, 3, 1, 1, FALSE, TRUE, "e3.w", "e3.b" },
  { "fire", NS_LAYER_CONCAT, { 3, 4 }, 0, 0, 0, 0, FALSE, FALSE, NULL, NULL },
  { "conv2", NS_LAYER_CONV, { 5, -1 }, 3, 3, 2, 1, FALSE, FALSE, "c2.w", "c2.b" },
};
static const char *tiny_style[] = { "conv1", "fire", "conv2" };
static const float tiny_style_weights[] = { 1.0f, 2.0f, 1.0f };
static const char *tiny_files[] = { "tiny.safetensors", NULL };

static const NsNet tiny_net = {
  .name = "tiny",
  .title = "Tiny test network",
  .layers = tiny_layers,
  .n_layers = G_N_ELEMENTS (tiny_layers),
  .bgr = TRUE,
  .range = 255.0f,
  .mean = { 100.0f, 110.0f, 120.0f },
  .std = { 60.0f, 50.0f, 40.0f },
  .content_layer = "squeeze",
  .style_layers = tiny_style,
  .style_layer_weights = tiny_style_weights,
  .n_style_layers = G_N_ELEMENTS (tiny_style),
  .weight_files = tiny_files,
  .n_feature_layers = G_N_ELEMENTS (tiny_layers),
};

static NsVkContext *ctx;
static NsKernels    kernels;

static NsWeights *
tiny_weights (GRand *rand)
{
  NsWeights *weights = ns_weights_new (&tiny_net, tiny_net.n_layers);

  for (guint i = 0; i < tiny_net.n_layers; i++)
    {
      NsConvWeights *conv = &weights->convs[i];

      if (tiny_layers[i].kind != NS_LAYER_CONV)
        continue;
      ns_test_fill_random (rand, conv->weight,
                           (gsize) conv->out_channels * conv->in_channels *
                           conv->kernel * conv->kernel, -0.6f, 0.6f);
      ns_test_fill_random (rand, conv->bias, conv->out_channels, 0.0f, 0.2f);
    }

  return weights;
}

static void
image_random (NsImage *image,
              guint    width,
              guint    height,
              GRand   *rand)
{
  ns_image_init (image, width, height);
  ns_test_fill_random (rand, image->pixels, (gsize) width * height * 3,
                       0.05f, 0.95f);
}

typedef struct
{
  NsParams       params;
  NsGraphWeights device;
  NsStageSetup   setup;
  NsImage        content;
  NsImage        style;
  float          blend;
  NsStage       *stage;
} Fixture;

static void
fixture_init (Fixture   *f,
              NsWeights *weights,
              guint      width,
              guint      height,
              GRand     *rand)
{
  GError *error = NULL;

  memset (f, 0, sizeof *f);
  ns_params_init_defaults (&f->params, NULL);
  f->params.content_weight = 1.0f;
  f->params.style_weight = 3.0f;
  f->params.tv_weight = 0.5f;
  f->params.iterations = 30;
  f->blend = 1.0f;
  image_random (&f->content, width, height, rand);
  image_random (&f->style, width + 3, height + 1, rand);
  g_assert_true (ns_graph_weights_upload (ctx, weights, tiny_net.n_layers,
                                          &f->device, &error));
  f->setup = (NsStageSetup) {
    .ctx = ctx, .kernels = &kernels, .params = &f->params,
    .weights = &f->device, .n_nodes = ns_stage_n_nodes (&tiny_net),
    .width = width, .height = height, .content = &f->content,
    .styles = &f->style, .style_blend = &f->blend, .n_styles = 1,
    .segment_flops = 1e3,   /* many small submissions: segments tested */
  };
}

static void
fixture_stage (Fixture *f)
{
  GError *error = NULL;

  f->stage = ns_stage_new (&f->setup, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->stage);
}

static void
fixture_clear (Fixture *f)
{
  ns_stage_free (f->stage);
  ns_graph_weights_clear (ctx, &f->device);
  ns_image_clear (&f->content);
  ns_image_clear (&f->style);
}

static double
total_loss (Fixture *f,
            NsImage *image)
{
  GError *error = NULL;
  double  losses[3];

  g_assert_true (ns_stage_evaluate (f->stage, image, losses, NULL, &error));
  g_assert_no_error (error);

  return losses[0] + losses[1] + losses[2];
}

/* d total / d pixel from the engine against (L(x + h) - L(x - h)) / 2h. */
static void
test_gradient (void)
{
  GRand     *rand = g_rand_new_with_seed (5);
  NsWeights *weights = tiny_weights (rand);
  const guint width = 11, height = 9;
  gsize      n = (gsize) 3 * width * height;
  Fixture    f;
  NsImage    probe;
  float     *grad = g_new (float, n);
  double     losses[3], largest = 0.0, worst = 0.0;
  const float h = 2e-3f;
  GError    *error = NULL;

  fixture_init (&f, weights, width, height, rand);
  fixture_stage (&f);
  image_random (&probe, width, height, rand);
  g_assert_true (ns_stage_evaluate (f.stage, &probe, losses, grad, &error));
  g_assert_no_error (error);
  g_test_message ("losses: content %g style %g tv %g", losses[0], losses[1],
                  losses[2]);
  g_assert_cmpfloat (losses[1], >, 0.0);

  for (gsize i = 0; i < n; i++)
    largest = MAX (largest, fabs (grad[i]));

  /* Pixel p of channel c is probe.pixels[p * 3 + c]; grad is planar. */
  for (guint k = 0; k < 40; k++)
    {
      guint  p = g_rand_int_range (rand, 0, width * height);
      guint  c = g_rand_int_range (rand, 0, 3);
      float  keep = probe.pixels[p * 3 + c];
      double up, down, fd, diff;

      probe.pixels[p * 3 + c] = keep + h;
      up = total_loss (&f, &probe);
      probe.pixels[p * 3 + c] = keep - h;
      down = total_loss (&f, &probe);
      probe.pixels[p * 3 + c] = keep;
      fd = (up - down) / (2.0 * h);
      diff = fabs (fd - grad[c * width * height + p]);
      worst = MAX (worst, diff / largest);
      if (diff > 0.03 * largest)
        g_error ("pixel %u channel %u of %ux%u: gradient %g, finite "
                 "difference %g (h %g, largest gradient %g)", p, c, width,
                 height, grad[c * width * height + p], fd, h, largest);
    }
  g_test_message ("worst gradient error %.3g of the largest %.3g", worst,
                  largest);

  ns_image_clear (&probe);
  g_free (grad);
  fixture_clear (&f);
  ns_weights_free (weights);
  g_rand_free (rand);
}

/* The optimisation lowers the loss it reports. */
static void
test_descent (void)
{
  GRand     *rand = g_rand_new_with_seed (6);
  NsWeights *weights = tiny_weights (rand);
  Fixture    f;
  NsImage    image;
  double     before, after;
  GError    *error = NULL;
  NsStageReport report = { NULL, NULL };

  fixture_init (&f, weights, 13, 10, rand);
  fixture_stage (&f);
  ns_image_resize (&f.content, 13, 10, &image);
  before = total_loss (&f, &image);
  g_assert_true (ns_stage_optimise (f.stage, &image, &report, NULL, &error));
  g_assert_no_error (error);
  after = total_loss (&f, &image);
  g_test_message ("loss %g -> %g after %u steps", before, after,
                  f.params.iterations);
  g_assert_cmpfloat (after, <, 0.7 * before);
  g_assert_true (ns_image_is_finite (&image));

  ns_image_clear (&image);
  fixture_clear (&f);
  ns_weights_free (weights);
  g_rand_free (rand);
}

/* Flat and black styles, a zero weight and a huge learning rate: the
 * result is finite and in range. */
static void
test_degenerate (void)
{
  static const struct { float style_value; float style_weight; float lr; }
  cases[] = {
    { 0.0f, 3.0f, 0.02f },    /* black style */
    { 0.5f, 3.0f, 0.02f },    /* flat gray style */
    { -1.0f, 0.0f, 0.02f },   /* zero style weight */
    { -1.0f, 3.0f, 1.0f },    /* extreme learning rate */
  };
  GRand     *rand = g_rand_new_with_seed (7);
  NsWeights *weights = tiny_weights (rand);

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      Fixture       f;
      NsImage       image;
      GError       *error = NULL;
      NsStageReport report = { NULL, NULL };

      fixture_init (&f, weights, 12, 12, rand);
      f.params.style_weight = cases[k].style_weight;
      f.params.learning_rate = cases[k].lr;
      if (cases[k].style_value >= 0.0f)
        for (gsize i = 0; i < (gsize) f.style.width * f.style.height * 3; i++)
          f.style.pixels[i] = cases[k].style_value;
      fixture_stage (&f);
      ns_image_resize (&f.content, 12, 12, &image);
      g_assert_true (ns_stage_optimise (f.stage, &image, &report, NULL,
                                        &error));
      g_assert_no_error (error);
      for (gsize i = 0; i < 12 * 12 * 3; i++)
        if (!(image.pixels[i] >= 0.0f && image.pixels[i] <= 1.0f))
          g_error ("case %" G_GSIZE_FORMAT ": pixel value %g", k,
                   image.pixels[i]);
      ns_image_clear (&image);
      fixture_clear (&f);
    }
  ns_weights_free (weights);
  g_rand_free (rand);
}

/* The style targets are the blend-weighted mean of the styles' Gram
 * matrices: two styles blended 1 : 0 give the first's loss exactly, and
 * 1 : 1 a different one. */
static void
test_style_blend (void)
{
  GRand     *rand = g_rand_new_with_seed (9);
  NsWeights *weights = tiny_weights (rand);
  Fixture    f;
  NsImage    styles[2], probe;
  float      blend[2] = { 1.0f, 0.0f };
  double     alone[3], mixed[3];
  GError    *error = NULL;

  fixture_init (&f, weights, 10, 10, rand);
  image_random (&styles[0], 10, 10, rand);
  image_random (&styles[1], 12, 9, rand);
  image_random (&probe, 10, 10, rand);

  /* The first style alone. */
  f.setup.styles = &styles[0];
  fixture_stage (&f);
  g_assert_true (ns_stage_evaluate (f.stage, &probe, alone, NULL, &error));
  ns_stage_free (f.stage);

  /* Both, weighted 1 : 0. */
  f.setup.styles = styles;
  f.setup.style_blend = blend;
  f.setup.n_styles = 2;
  fixture_stage (&f);
  g_assert_true (ns_stage_evaluate (f.stage, &probe, mixed, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (alone[1] - mixed[1]), <=, 1e-5 * alone[1]);
  ns_stage_free (f.stage);

  /* Weighted 1 : 1, the targets move and so does the loss. */
  blend[0] = blend[1] = 0.5f;
  fixture_stage (&f);
  g_assert_true (ns_stage_evaluate (f.stage, &probe, mixed, NULL, &error));
  g_assert_cmpfloat (fabs (alone[1] - mixed[1]), >, 1e-3 * alone[1]);

  ns_image_clear (&styles[0]);
  ns_image_clear (&styles[1]);
  ns_image_clear (&probe);
  f.setup.styles = NULL;
  fixture_clear (&f);
  ns_weights_free (weights);
  g_rand_free (rand);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (200 * 1000);
  cancel_later (data);
  return NULL;
}

/* Cancelling stops a long run promptly with NS_ERROR_CANCELLED. */
static void
test_cancel (void)
{
  GRand        *rand = g_rand_new_with_seed (8);
  NsWeights    *weights = tiny_weights (rand);
  GCancellable *cancellable = g_cancellable_new ();
  Fixture       f;
  NsImage       image;
  GError       *error = NULL;
  NsStageReport report = { NULL, NULL };
  GThread      *thread;
  gint64        start;

  fixture_init (&f, weights, 16, 16, rand);
  f.params.iterations = 1000000;
  fixture_stage (&f);
  ns_image_resize (&f.content, 16, 16, &image);
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  start = g_get_monotonic_time ();
  g_assert_false (ns_stage_optimise (f.stage, &image, &report, cancellable,
                                     &error));
  g_assert_error (error, NS_ERROR, NS_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1200 * 1000);
  g_thread_join (thread);

  g_clear_error (&error);
  g_object_unref (cancellable);
  ns_image_clear (&image);
  fixture_clear (&f);
  ns_weights_free (weights);
  g_rand_free (rand);
}

int
main (int    argc,
      char **argv)
{
  static const NsTestCase suite[] = {
    { "/vk/engine/gradient", test_gradient },
    { "/vk/engine/descent", test_descent },
    { "/vk/engine/degenerate", test_degenerate },
    { "/vk/engine/cancel", test_cancel },
    { "/vk/engine/style-blend", test_style_blend },
  };

  return ns_test_kernels_main (&argc, &argv, suite, G_N_ELEMENTS (suite),
                               &ctx, &kernels);
}

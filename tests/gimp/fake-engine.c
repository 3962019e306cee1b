/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A stand-in for the engine, for testing the front ends without a GPU or
 * weights: each step is one 3x3 box blur, then the result is tinted
 * towards the style's mean colour by style_weight / (content_weight +
 * style_weight) / 2, from the content or (init noise or blend) from
 * noise drawn from the seed.  Deterministic, visible, cancellable, reports
 * progress.  Never installed. */
#include <string.h>

#include "ns-engine.h"

#define FAKE_DEVICE_NAME "Fake test device"

/* Largest content the fake accepts, pixels, to exercise the "too large"
 * error path. */
#define FAKE_MAX_PIXELS (1024 * 1024)

struct _NsEngine
{
  char *name;
};

void
ns_params_init_defaults (NsParams   *params,
                         const char *net)
{
  gboolean vgg = g_strcmp0 (net, "vgg19") == 0;

  *params = (NsParams) {
    .net = vgg ? "vgg19" : "squeezenet",
    .iterations = 4,
    .n_stages = 1,
    .style_scale = 1.0f,
    .content_weight = vgg ? 5.0f : 1.0f,
    .style_weight = vgg ? 100.0f : 10.0f,
    .tv_weight = 10.0f,
    .learning_rate = 0.02f,
    .init = NS_INIT_CONTENT,
  };
}

gboolean
ns_params_validate (const NsParams *params,
                    GError        **error)
{
  if (g_strcmp0 (params->net, "squeezenet") != 0 &&
      g_strcmp0 (params->net, "vgg19") != 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "Unknown network \"%s\": use squeezenet or vgg19",
                   params->net);
      return FALSE;
    }
  if (params->iterations < 1 || params->n_stages < 1 ||
      params->n_stages > NS_MAX_STAGES || params->content_weight < 0.0f ||
      params->style_weight < 0.0f || params->tv_weight < 0.0f)
    {
      g_set_error_literal (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                           "A parameter is out of range");
      return FALSE;
    }
  return TRUE;
}

/* Accepts no device name (automatic) or a part of the fake's name. */
NsEngine *
ns_engine_new (const char *device,
               GError    **error)
{
  NsEngine *engine;

  if (device != NULL && strstr (FAKE_DEVICE_NAME, device) == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_NO_DEVICE,
                   "No Vulkan device matches \"%s\"", device);
      return NULL;
    }
  engine = g_new0 (NsEngine, 1);
  engine->name = g_strdup (FAKE_DEVICE_NAME);
  return engine;
}

void
ns_engine_free (NsEngine *engine)
{
  if (engine == NULL)
    return;
  g_free (engine->name);
  g_free (engine);
}

const char *
ns_engine_get_device_name (NsEngine *engine)
{
  return engine->name;
}

gboolean
ns_engine_is_cpu (NsEngine *engine)
{
  return TRUE;
}

gboolean
ns_engine_prepare (NsEngine       *engine,
                   const NsParams *params,
                   guint           content_width,
                   guint           content_height,
                   guint64        *bytes_needed,
                   GError        **error)
{
  guint64 bytes = (guint64) content_width * content_height * 3 * 4 * 2;

  if (params->weights_path != NULL &&
      ! g_file_test (params->weights_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "Weights file \"%s\" not found", params->weights_path);
      return FALSE;
    }
  if ((guint64) content_width * content_height > FAKE_MAX_PIXELS)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_OUT_OF_MEMORY,
                   "The image needs %" G_GUINT64_FORMAT " MiB, the device "
                   "has %u MiB", bytes >> 20, (FAKE_MAX_PIXELS * 24u) >> 20);
      return FALSE;
    }
  if (bytes_needed != NULL)
    *bytes_needed = bytes;
  return TRUE;
}

/* One 3x3 box blur pass from @src to @dst, edges clamped. */
static void
fake_blur (const float *src,
           float       *dst,
           gint         w,
           gint         h)
{
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++)
      for (gint c = 0; c < 3; c++)
        {
          float sum = 0.0f;

          for (gint dy = -1; dy <= 1; dy++)
            for (gint dx = -1; dx <= 1; dx++)
              {
                gint sx = CLAMP (x + dx, 0, w - 1);
                gint sy = CLAMP (y + dy, 0, h - 1);

                sum += src[(sy * w + sx) * 3 + c];
              }
          dst[(y * w + x) * 3 + c] = sum / 9.0f;
        }
}

static void
fake_mean (const NsImage *image,
           float          mean[3])
{
  gsize  n = (gsize) image->width * image->height;
  double sum[3] = { 0.0, 0.0, 0.0 };

  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      sum[c] += image->pixels[3 * i + c];
  for (guint c = 0; c < 3; c++)
    mean[c] = n > 0 ? (float) (sum[c] / n) : 0.5f;
}

static void
fake_tint (float          *pixels,
           gsize           n,
           const NsParams *params,
           const NsImage  *style)
{
  float mean[3];
  float t = 0.5f * params->style_weight /
            MAX (params->content_weight + params->style_weight, 1e-6f);

  fake_mean (style, mean);
  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      pixels[3 * i + c] = CLAMP ((1.0f - t) * pixels[3 * i + c] +
                                 t * mean[c], 0.0f, 1.0f);
}

/* The start the parameters ask for: the content, or its blend with
 * uniform noise drawn from the seed. */
static void
fake_start (float          *pixels,
            gsize           n,
            const NsParams *params)
{
  GRand *rand;
  float  keep = params->init == NS_INIT_NOISE ? 0.0f : params->init_blend;

  if (params->init == NS_INIT_CONTENT)
    return;
  rand = g_rand_new_with_seed (params->seed);
  for (gsize i = 0; i < 3 * n; i++)
    pixels[i] = keep * pixels[i] +
                (1.0f - keep) * (float) g_rand_double (rand);
  g_rand_free (rand);
}

gboolean
ns_engine_run (NsEngine        *engine,
               const NsParams  *params,
               const NsImage   *content,
               const NsImage   *styles,
               const float     *style_blend,
               guint            n_styles,
               NsProgressFunc   progress,
               gpointer         progress_data,
               GCancellable    *cancellable,
               NsImage         *result,
               GError         **error)
{
  gsize   n = (gsize) content->width * content->height;
  float  *a = g_memdup2 (content->pixels, n * 3 * sizeof (float));
  float  *b = g_new (float, n * 3);
  guint   steps = params->iterations * params->n_stages;
  NsProgress p = { .n_stages = 1, .n_iterations = steps,
                   .width = content->width, .height = content->height };

  fake_start (a, n, params);

  for (guint i = 0; i < steps; i++)
    {
      float *t;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error_literal (error, NS_ERROR, NS_ERROR_CANCELLED,
                               "Cancelled");
          g_free (a);
          g_free (b);
          return FALSE;
        }
      fake_blur (a, b, (gint) content->width, (gint) content->height);
      t = a, a = b, b = t;
      p.iteration = i + 1;
      p.fraction = (double) (i + 1) / steps;
      p.remaining = 0.0;
      if (progress != NULL)
        progress (&p, progress_data);
    }
  fake_tint (a, n, params, &styles[0]);
  g_free (b);

  result->width = content->width;
  result->height = content->height;
  result->pixels = a;
  return TRUE;
}

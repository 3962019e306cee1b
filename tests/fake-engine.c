/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A stand-in for ns-engine.h, linked only into the command-line tests: no
 * device and no network.  Each step blurs the image (3x3 box, edges
 * clamped) and pulls it a tenth of the way towards the styles' blended mean
 * colour, so a result is visibly and deterministically made from the
 * content.  It sleeps a little per step so that a run can be interrupted,
 * and logs each entry point with g_debug for the tests to see. */
#include "ns-engine.h"

#include <math.h>
#include <string.h>

#define FAKE_MIN_SIDE  2     /* pixels; smaller content is refused */
#define FAKE_STEP_US   5000  /* microseconds slept per step */
#define FAKE_PULL      0.1f  /* share of the tint mixed in per step */
#define FAKE_LOSS_STEP 10    /* losses are "read" every this many steps */

struct _NsEngine
{
  char *device;
};

void
ns_params_init_defaults (NsParams   *params,
                         const char *net)
{
  gboolean vgg = g_strcmp0 (net, "vgg19") == 0;

  *params = (NsParams) {
    .net            = vgg ? "vgg19" : "squeezenet",
    .iterations     = vgg ? 500 : 300,
    .size           = 512,
    .n_stages       = 1,
    .style_scale    = 1.0f,
    .content_weight = 1.0f,
    .style_weight   = vgg ? 1000.0f : 100.0f,
    .tv_weight      = 0.001f,
    .learning_rate  = 0.02f,
    .init           = NS_INIT_CONTENT,
    .init_blend     = 0.5f,
    .seed           = 1,
  };
}

static gboolean
range_check (const char  *name,
             double       value,
             double       lo,
             double       hi,
             GError     **error)
{
  if (isfinite (value) && value >= lo && value <= hi)
    return TRUE;
  g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
               "%s must be from %g to %g, not %g", name, lo, hi, value);
  return FALSE;
}

gboolean
ns_params_validate (const NsParams  *params,
                    GError         **error)
{
  if (g_strcmp0 (params->net, "squeezenet") != 0 &&
      g_strcmp0 (params->net, "vgg19") != 0)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "unknown network '%s'", params->net);
      return FALSE;
    }
  return range_check ("iterations", params->iterations, 1, 100000, error) &&
         range_check ("stages", params->n_stages, 1, NS_MAX_STAGES, error) &&
         range_check ("style scale", params->style_scale, 0.01, 8, error) &&
         range_check ("content weight", params->content_weight, 0, 1e9,
                      error) &&
         range_check ("style weight", params->style_weight, 0, 1e12, error) &&
         range_check ("tv weight", params->tv_weight, 0, 1e6, error) &&
         range_check ("learning rate", params->learning_rate, 1e-6, 1,
                      error) &&
         range_check ("init blend", params->init_blend, 0, 1, error);
}

NsEngine *
ns_engine_new (const char  *device,
               GError     **error)
{
  NsEngine *engine = g_new0 (NsEngine, 1);

  g_debug ("fake engine: new (device %s)", device ? device : "default");
  engine->device = g_strdup_printf ("fake engine (%s)",
                                    device ? device : "default");
  return engine;
}

void
ns_engine_free (NsEngine *engine)
{
  g_free (engine->device);
  g_free (engine);
}

const char *
ns_engine_get_device_name (NsEngine *engine)
{
  return engine->device;
}

gboolean
ns_engine_is_cpu (NsEngine *engine)
{
  return TRUE;
}

gboolean
ns_engine_prepare (NsEngine        *engine,
                   const NsParams  *params,
                   guint            content_width,
                   guint            content_height,
                   guint64         *bytes_needed,
                   GError         **error)
{
  g_debug ("fake engine: prepare %ux%u", content_width, content_height);
  if (content_width < FAKE_MIN_SIDE || content_height < FAKE_MIN_SIDE)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "the content is %ux%u pixels, the minimum is %ux%u",
                   content_width, content_height, FAKE_MIN_SIDE,
                   FAKE_MIN_SIDE);
      return FALSE;
    }
  if (params->weights_path != NULL &&
      !g_file_test (params->weights_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_WEIGHTS,
                   "the weights file '%s' does not exist",
                   params->weights_path);
      return FALSE;
    }
  if (bytes_needed != NULL)
    *bytes_needed = (guint64) content_width * content_height * 3 * 4 * 4;
  return TRUE;
}

/* The styles' mean colours blended by @blend (NULL: equally). */
static void
tint_compute (const NsImage *styles,
              const float   *blend,
              guint          n_styles,
              float          tint[3])
{
  double sum_w = 0.0, acc[3] = { 0.0, 0.0, 0.0 };
  guint  s, c;
  gsize  i, n;

  for (s = 0; s < n_styles; s++)
    {
      double w = blend ? blend[s] : 1.0, mean[3] = { 0.0, 0.0, 0.0 };

      n = (gsize) styles[s].width * styles[s].height;
      for (i = 0; i < n; i++)
        for (c = 0; c < 3; c++)
          mean[c] += styles[s].pixels[i * 3 + c];
      for (c = 0; c < 3; c++)
        acc[c] += w * mean[c] / MAX (n, 1);
      sum_w += w;
    }
  for (c = 0; c < 3; c++)
    tint[c] = (float) (acc[c] / MAX (sum_w, 1e-9));
}

/* One step: out = (1 - PULL) * box3x3 (in) + PULL * tint. */
static void
step_apply (const float *in,
            float       *out,
            guint        width,
            guint        height,
            const float  tint[3])
{
  guint x, y, c;

  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++)
      for (c = 0; c < 3; c++)
        {
          float sum = 0.0f;
          int   dx, dy;

          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++)
              {
                guint sx = CLAMP ((int) x + dx, 0, (int) width - 1);
                guint sy = CLAMP ((int) y + dy, 0, (int) height - 1);

                sum += in[((gsize) sy * width + sx) * 3 + c];
              }
          out[((gsize) y * width + x) * 3 + c] =
            (1.0f - FAKE_PULL) * sum / 9.0f + FAKE_PULL * tint[c];
        }
}

/* Working size of @stage: the long side params->size (0: the content's,
 * never more), halved per stage before the last. */
static void
stage_size (const NsParams *params,
            const NsImage  *content,
            guint           stage,
            NsProgress     *progress)
{
  guint  longest = MAX (content->width, content->height);
  guint  side = params->size ? MIN (params->size, longest) : longest;
  double scale;

  side = MAX (side >> (params->n_stages - 1 - stage), 1);
  scale = (double) side / longest;
  progress->width  = MAX ((guint) (content->width * scale + 0.5), 1);
  progress->height = MAX ((guint) (content->height * scale + 0.5), 1);
}

gboolean
ns_engine_run (NsEngine        *engine,
               const NsParams  *params,
               const NsImage   *content,
               const NsImage   *styles,
               const float     *style_blend,
               guint            n_styles,
               NsProgressFunc   progress_func,
               gpointer         progress_data,
               GCancellable    *cancellable,
               NsImage         *result,
               GError         **error)
{
  gsize       n = (gsize) content->width * content->height * 3;
  float      *image = g_memdup2 (content->pixels, n * sizeof (float));
  float      *scratch = g_new (float, n);
  float       tint[3];
  NsProgress  progress = { .n_stages = params->n_stages,
                           .n_iterations = params->iterations };
  guint       total = params->n_stages * params->iterations, done = 0;
  GTimer     *timer = g_timer_new ();

  g_debug ("fake engine: run %ux%u", content->width, content->height);
  tint_compute (styles, style_blend, n_styles, tint);

  for (progress.stage = 0; progress.stage < params->n_stages;
       progress.stage++)
    for (progress.iteration = 1; progress.iteration <= params->iterations;
         progress.iteration++, done++)
      {
        float *swap;

        if (g_cancellable_is_cancelled (cancellable))
          {
            g_set_error (error, NS_ERROR, NS_ERROR_CANCELLED, "cancelled");
            g_free (image);
            g_free (scratch);
            g_timer_destroy (timer);
            return FALSE;
          }
        step_apply (image, scratch, content->width, content->height, tint);
        swap = image, image = scratch, scratch = swap;
        g_usleep (FAKE_STEP_US);

        stage_size (params, content, progress.stage, &progress);
        progress.have_losses = progress.iteration % FAKE_LOSS_STEP == 0 ||
                               progress.iteration == params->iterations;
        progress.content_loss = done;
        progress.style_loss = total - done;
        progress.tv_loss = 0.5;
        progress.elapsed = g_timer_elapsed (timer, NULL);
        progress.fraction = (double) (done + 1) / total;
        progress.remaining = progress.elapsed / progress.fraction -
                             progress.elapsed;
        if (progress_func != NULL)
          progress_func (&progress, progress_data);
      }

  g_free (scratch);
  g_timer_destroy (timer);
  result->width = content->width;
  result->height = content->height;
  result->pixels = image;
  return TRUE;
}

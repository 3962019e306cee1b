/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Style transfer by optimisation of the pixels (Gatys et al.), on Vulkan. */
#include "ns-engine.h"

#include <math.h>
#include <string.h>

#include "ns-graph.h"
#include "ns-image.h"
#include "ns-kernels.h"
#include "ns-stage.h"
#include "ns-weights.h"

/* Work per submission: a fraction of a second on a CPU driver, a few
 * milliseconds on a GPU; cancellation is checked between submissions and
 * no single one comes near a driver's watchdog. */
#define SEGMENT_FLOPS_CPU 5e8
#define SEGMENT_FLOPS_GPU 2e10

/* Share of the device heap a plan may use; the rest stays for the driver,
 * the desktop and, on a CPU driver, everything else in memory. */
#define HEAP_SHARE 0.75

struct _NsEngine
{
  NsVkContext *ctx;
  NsKernels    kernels;
  NsWeights   *weights;        /* the file ns_engine_prepare loaded, kept
                                * until ns_engine_run uploads it */
  char        *weights_key;    /* "net:path" of it */
};

/* Parameters. */

void
ns_params_init_defaults (NsParams   *params,
                         const char *net)
{
  gboolean vgg = net != NULL && strcmp (net, "vgg19") == 0;

  memset (params, 0, sizeof *params);
  params->net = vgg ? "vgg19" : "squeezenet";
  params->iterations = vgg ? 300 : 150;
  params->size = 512;
  params->n_stages = 3;
  params->style_scale = 1.0f;
  params->content_weight = 1.0f;
  /* 10 repaints Tübingen beyond recognition with The Starry Night through
   * the coarse stages; 3 keeps the buildings and still paints the sky. */
  params->style_weight = 3.0f;
  params->tv_weight = 10.0f;
  params->learning_rate = 0.02f;
  params->init = NS_INIT_CONTENT;
  params->init_blend = 0.5f;
  params->seed = 0;
  params->preserve_colors = FALSE;
}

typedef struct
{
  const char *name;
  double      value;
  double      lo;
  double      hi;
} Range;

gboolean
ns_params_validate (const NsParams  *params,
                    GError         **error)
{
  const Range ranges[] = {
    { "iterations", params->iterations, 1, 100000 },
    { "size", params->size, 0, 16384 },
    { "stages", params->n_stages, 1, NS_MAX_STAGES },
    { "style scale", params->style_scale, 0.05, 8.0 },
    { "content weight", params->content_weight, 0.0, 1e6 },
    { "style weight", params->style_weight, 0.0, 1e6 },
    { "TV weight", params->tv_weight, 0.0, 1e6 },
    { "learning rate", params->learning_rate, 1e-6, 1.0 },
    { "init blend", params->init_blend, 0.0, 1.0 },
  };

  if (params->net == NULL || ns_net_find (params->net) == NULL)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "Unknown network \"%s\": use squeezenet or vgg19",
                   params->net != NULL ? params->net : "");
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (ranges); i++)
    if (!(ranges[i].value >= ranges[i].lo && ranges[i].value <= ranges[i].hi))
      {
        g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                     "The %s must be between %g and %g, not %g",
                     ranges[i].name, ranges[i].lo, ranges[i].hi,
                     ranges[i].value);
        return FALSE;
      }
  if (params->content_weight + params->style_weight <= 0.0f)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "The content and style weights are both zero: "
                   "nothing to optimise");
      return FALSE;
    }

  return TRUE;
}

/* Engine. */

NsEngine *
ns_engine_new (const char  *device,
               GError     **error)
{
  NsVkContext *ctx = ns_vk_context_new (device, error);
  NsEngine    *engine;

  if (ctx == NULL)
    return NULL;
  engine = g_new0 (NsEngine, 1);
  engine->ctx = ctx;
  ns_kernels_init (&engine->kernels, ctx);

  return engine;
}

void
ns_engine_free (NsEngine *engine)
{
  if (engine == NULL)
    return;
  ns_kernels_free (&engine->kernels);
  g_clear_pointer (&engine->weights, ns_weights_free);
  g_free (engine->weights_key);
  ns_vk_context_free (engine->ctx);
  g_free (engine);
}

const char *
ns_engine_get_device_name (NsEngine *engine)
{
  return ns_vk_context_get_device_name (engine->ctx);
}

gboolean
ns_engine_is_cpu (NsEngine *engine)
{
  return ns_vk_context_is_cpu (engine->ctx);
}

/* Schedule: the working size of each stage. */

typedef struct
{
  const NsNet *net;
  guint        n_nodes;                  /* layers up to the deepest loss */
  guint        minimum;                  /* smallest graph side, pixels */
  guint        margin;                   /* mirrored on each side, pixels */
  guint        n_stages;
  guint        iterations[NS_MAX_STAGES];
  guint        width[NS_MAX_STAGES];     /* the image at each stage */
  guint        height[NS_MAX_STAGES];
  guint        style_long;               /* largest style long side */
} Schedule;

/* An image narrower than this has no texture to speak of; smaller than the
 * network needs, but not than this, it is mirrored out to the network's
 * minimum and cropped back. */
#define SMALLEST_SIDE 2

static gboolean
schedule_make (const NsParams *params,
               guint           content_width,
               guint           content_height,
               Schedule       *schedule,
               GError        **error)
{
  guint content_long = MAX (content_width, content_height);
  guint final_long = params->size == 0 ? content_long
                                       : MIN (params->size, content_long);

  memset (schedule, 0, sizeof *schedule);
  schedule->net = ns_net_find (params->net);
  schedule->n_nodes = ns_stage_n_nodes (schedule->net);
  schedule->minimum = ns_net_min_size (schedule->net, schedule->n_nodes - 1);
  schedule->margin = schedule->net->margin;

  if (MIN (content_width, content_height) < SMALLEST_SIDE)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "An image of %u x %u pixels is too small to stylise: the "
                   "minimum is %u x %u pixels",
                   content_width, content_height, SMALLEST_SIDE,
                   SMALLEST_SIDE);
      return FALSE;
    }

  /* Stage k of n works at final / 2^(n-1-k); stages whose long side would
   * fall under the network's minimum are dropped.  Each stage takes half
   * the steps of the one before: the small stages, which are cheap, do the
   * bulk of the work and the larger ones refine an image already close to
   * the answer. */
  for (guint k = 0; k < params->n_stages; k++)
    {
      guint shift = params->n_stages - 1 - k;
      guint long_side = MAX (final_long >> shift, 1);
      guint kept = schedule->n_stages;

      if (long_side < schedule->minimum && k + 1 < params->n_stages)
        continue;
      ns_image_fit (content_width, content_height, long_side,
                    &schedule->width[kept], &schedule->height[kept]);
      schedule->iterations[kept] = MAX (params->iterations >> kept, 1);
      schedule->n_stages++;
    }

  return TRUE;
}

/* The size the graph runs at: the image's with the network's margin on
 * each side, or the minimum where that is shorter (the image is mirrored
 * out to it, at (margin, margin), and cropped back). */
static void
schedule_graph_size (const Schedule *schedule,
                     guint           k,
                     guint          *width,
                     guint          *height)
{
  *width = MAX (schedule->width[k] + 2 * schedule->margin, schedule->minimum);
  *height = MAX (schedule->height[k] + 2 * schedule->margin,
                 schedule->minimum);
}

/* The long side the style images take at stage k: the image's (not the
 * graph's, which has the margin) times @style_scale. */
static guint
schedule_style_side (const Schedule *schedule,
                     guint           k,
                     float           style_scale)
{
  guint long_side = MAX (schedule->width[k], schedule->height[k]);

  return MAX ((guint) lround (long_side * style_scale), 1);
}

/* Device memory of the largest (last) stage of @schedule: all of it, and
 * the largest single buffer, bytes. */
static gboolean
plan_bytes (const Schedule *schedule,
            float           style_scale,
            guint64        *total,
            guint64        *largest,
            GError        **error)
{
  guint k = schedule->n_stages - 1;
  guint w, h, style_side;

  schedule_graph_size (schedule, k, &w, &h);
  style_side = MAX (schedule_style_side (schedule, k, style_scale),
                    schedule->minimum);
  if (!ns_stage_plan (schedule->net, schedule->n_nodes, w, h, style_side,
                      style_side, total, largest, error))
    return FALSE;
  *total += ns_graph_weights_bytes (schedule->net, schedule->n_nodes);

  return TRUE;
}

static gboolean
plan_fits (const Schedule *schedule,
           float           style_scale,
           guint64         heap,
           guint64         buffer_range)
{
  guint64 total, largest;

  return plan_bytes (schedule, style_scale, &total, &largest, NULL) &&
         total <= heap && largest <= buffer_range;
}

/* The largest working size (long side, pixels) whose plan fits, by
 * bisection between the network's minimum and @params->size; 0 if not
 * even the minimum fits. */
static guint
plan_largest_size (const NsParams *params,
                   guint           content_width,
                   guint           content_height,
                   const Schedule *schedule,
                   guint64         heap,
                   guint64         buffer_range)
{
  NsParams trial = *params;
  Schedule smaller;
  guint    lo = 0, hi = MAX (schedule->width[schedule->n_stages - 1],
                             schedule->height[schedule->n_stages - 1]);

  /* Invariant: lo fits (or is 0), hi does not. */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      trial.size = MAX (mid, 1);
      if (schedule_make (&trial, content_width, content_height, &smaller,
                         NULL) &&
          plan_fits (&smaller, params->style_scale, heap, buffer_range))
        lo = mid;
      else
        hi = mid;
    }

  return lo;
}

/* Checks the plan of the largest stage against the device's heap (or
 * NEURAL_STYLE_MEMORY_LIMIT_MB) and its largest storage buffer; a plan
 * that does not fit fails with the figures and the largest working size
 * that does fit. */
static gboolean
plan_check (NsEngine       *engine,
            const NsParams *params,
            guint           content_width,
            guint           content_height,
            const Schedule *schedule,
            guint64        *bytes_needed,
            GError        **error)
{
  const VkPhysicalDeviceLimits *limits = ns_vk_context_get_limits (engine->ctx);
  guint64 heap = (guint64) (ns_vk_context_get_heap_size (engine->ctx) * HEAP_SHARE);
  guint64 range = limits->maxStorageBufferRange;
  guint64 total = 0, largest = 0;
  guint   k = schedule->n_stages - 1;
  guint   fits;
  char   *advice;

  if (!plan_bytes (schedule, params->style_scale, &total, &largest, error))
    return FALSE;
  if (bytes_needed != NULL)
    *bytes_needed = total;
  if (total <= heap && largest <= range)
    return TRUE;

  fits = plan_largest_size (params, content_width, content_height, schedule,
                            heap, range);
  advice = fits > 0 ?
    g_strdup_printf ("Choose a working size (long side) of %u pixels or "
                     "less", fits) :
    g_strdup ("Not even the smallest working size fits; choose another "
              "device");
  g_set_error (error, NS_ERROR, NS_ERROR_OUT_OF_MEMORY,
               "Working at %u x %u pixels needs %" G_GUINT64_FORMAT " MiB "
               "of device memory, have %" G_GUINT64_FORMAT " MiB on %s "
               "(the largest buffer needs %" G_GUINT64_FORMAT " MiB, the "
               "device allows %" G_GUINT64_FORMAT " MiB). %s",
               schedule->width[k], schedule->height[k],
               (total + (1 << 20) - 1) >> 20, heap >> 20,
               ns_vk_context_get_device_name (engine->ctx),
               (largest + (1 << 20) - 1) >> 20, range >> 20, advice);
  g_free (advice);

  return FALSE;
}

/* The weights file: found, readable and well formed; kept for the run,
 * which frees it once on the device (a later run reads the file again). */
static gboolean
weights_load (NsEngine     *engine,
              const NsNet  *net,
              const char   *path,
              GError      **error)
{
  char *key = g_strdup_printf ("%s:%s", net->name, path != NULL ? path : "");

  if (engine->weights == NULL || g_strcmp0 (key, engine->weights_key) != 0)
    {
      g_clear_pointer (&engine->weights, ns_weights_free);
      g_clear_pointer (&engine->weights_key, g_free);
      char *found = ns_weights_find (net, path, error);

      engine->weights = found != NULL ?
                        ns_weights_load (net, found, ns_stage_n_nodes (net),
                                         error) : NULL;
      g_free (found);
      if (engine->weights == NULL)
        {
          g_free (key);
          return FALSE;
        }
      engine->weights_key = key;
      return TRUE;
    }
  g_free (key);

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
  Schedule schedule;

  return ns_params_validate (params, error) &&
         schedule_make (params, content_width, content_height, &schedule,
                        error) &&
         plan_check (engine, params, content_width, content_height,
                     &schedule, bytes_needed, error) &&
         weights_load (engine, schedule.net, params->weights_path, error);
}

/* The run. */

typedef struct
{
  const NsParams *params;
  NsProgressFunc  progress;
  gpointer        progress_data;
  gint64          start;          /* monotonic microseconds */
  guint           stage;
  guint           n_stages;
  guint           iterations;     /* steps of the current stage */
  guint           width, height;
  double          done;           /* cost of the stages finished */
  double          total;          /* cost of all stages */
  double          stage_cost;
} Run;

static double
stage_cost (const Schedule *schedule,
            const NsParams *params,
            guint           k)
{
  guint w, h;

  schedule_graph_size (schedule, k, &w, &h);
  return (double) w * h * schedule->iterations[k];
}

static gboolean
on_step_done (guint        iteration,
              gboolean     have_losses,
              const double losses[3],
              gpointer     user_data)
{
  Run       *run = user_data;
  NsProgress progress = {
    .stage = run->stage,
    .n_stages = run->n_stages,
    .iteration = iteration,
    .n_iterations = run->iterations,
    .width = run->width,
    .height = run->height,
    .have_losses = have_losses,
    .content_loss = losses[0],
    .style_loss = losses[1],
    .tv_loss = losses[2],
  };

  progress.elapsed = (g_get_monotonic_time () - run->start) / 1e6;
  progress.fraction = (run->done + run->stage_cost * iteration /
                       run->iterations) / run->total;
  progress.remaining = progress.fraction > 0.0 && iteration >= 2 ?
                       progress.elapsed * (1.0 / progress.fraction - 1.0) : -1.0;
  if (run->progress != NULL)
    run->progress (&progress, run->progress_data);

  return TRUE;
}

/* A style image of one flat colour has no texture to transfer: the run
 * goes on (the result is finite) but says so.  Flat means that every
 * channel on its own varies by less than 1/1000 of the range (variance
 * under 1e-6); channels may differ from each other. */
static gboolean
style_is_flat (const NsImage *style)
{
  gsize n = (gsize) style->width * style->height;

  for (guint c = 0; c < 3; c++)
    {
      double sum = 0.0, sum_squares = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          double v = style->pixels[i * 3 + c];

          sum += v;
          sum_squares += v * v;
        }
      if (sum_squares / n - (sum / n) * (sum / n) >= 1e-6)
        return FALSE;
    }

  return TRUE;
}

static void
styles_check (const NsImage *styles,
              guint          n_styles)
{
  for (guint s = 0; s < n_styles; s++)
    if (style_is_flat (&styles[s]))
      g_warning ("Style image %u is one flat colour: it carries no "
                 "texture, so the result will only shift colours", s + 1);
}

static void
blend_normalise (const float *blend,
                 guint        n_styles,
                 float       *normalised)
{
  double sum = 0.0;

  for (guint s = 0; s < n_styles; s++)
    sum += blend != NULL ? MAX (blend[s], 0.0f) : 1.0;
  for (guint s = 0; s < n_styles; s++)
    normalised[s] = sum > 0.0 ? (blend != NULL ? MAX (blend[s], 0.0f) : 1.0f) / sum
                              : 1.0f / n_styles;
}

/* Runs stage k on @image (the stage's size), mirrored out to the graph
 * size: the network's margin on each side, and more at the right and
 * bottom where a side is under the network's minimum. */
static gboolean
stage_run (NsEngine             *engine,
           const Schedule       *schedule,
           guint                 k,
           NsStageSetup         *setup,
           const NsImage        *content,
           NsImage              *image,
           Run                  *run,
           GCancellable         *cancellable,
           GError              **error)
{
  guint           w = schedule->width[k], h = schedule->height[k];
  guint           margin = schedule->margin;
  NsImage         sized, padded_content, padded, cropped;
  NsStageReport   report = { on_step_done, run };
  NsStage        *stage;
  gboolean        ok;

  schedule_graph_size (schedule, k, &setup->width, &setup->height);
  setup->style_side = schedule_style_side (schedule, k,
                                           setup->params->style_scale);
  ns_image_resize (content, w, h, &sized);
  ns_image_pad (&sized, margin, margin, setup->width, setup->height,
                &padded_content);
  ns_image_pad (image, margin, margin, setup->width, setup->height, &padded);
  setup->content = &padded_content;
  run->stage = k;
  run->width = w;
  run->height = h;
  run->stage_cost = stage_cost (schedule, setup->params, k);
  run->iterations = setup->iterations = schedule->iterations[k];

  g_info ("Stage %u of %u: %u x %u pixels (graph %u x %u), %u steps",
          k + 1, schedule->n_stages, w, h, setup->width, setup->height,
          setup->iterations);
  stage = ns_stage_new (setup, cancellable, error);
  ok = stage != NULL &&
       ns_stage_optimise (stage, &padded, &report, cancellable, error);
  ns_stage_free (stage);
  if (ok)
    {
      ns_image_crop (&padded, margin, margin, w, h, &cropped);
      ns_image_clear (image);
      *image = cropped;
    }
  run->done += run->stage_cost;
  ns_image_clear (&sized);
  ns_image_clear (&padded_content);
  ns_image_clear (&padded);

  return ok;
}

static void
image_first (const NsParams *params,
             const NsImage  *content,
             guint           width,
             guint           height,
             NsImage        *image)
{
  ns_image_resize (content, width, height, image);
  if (params->init == NS_INIT_NOISE)
    ns_image_add_noise (image, params->seed, 0.0f);
  else if (params->init == NS_INIT_BLEND)
    ns_image_add_noise (image, params->seed, params->init_blend);
}

static gboolean
stages_run (NsEngine        *engine,
            const NsParams  *params,
            const Schedule  *schedule,
            NsStageSetup    *setup,
            const NsImage   *content,
            NsImage         *image,
            Run             *run,
            GCancellable    *cancellable,
            GError         **error)
{
  image_first (params, content, schedule->width[0], schedule->height[0],
               image);
  for (guint k = 0; k < schedule->n_stages; k++)
    {
      if (k > 0)
        {
          NsImage larger;

          ns_image_resize (image, schedule->width[k], schedule->height[k],
                           &larger);
          ns_image_clear (image);
          *image = larger;
        }
      if (!stage_run (engine, schedule, k, setup, content, image, run,
                      cancellable, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
result_finish (const NsParams *params,
               const NsImage  *content,
               NsImage        *image,
               NsImage        *result,
               GError        **error)
{
  NsImage full;

  ns_image_resize (image, content->width, content->height, &full);
  if (params->preserve_colors)
    ns_image_keep_colors (&full, content);
  if (!ns_image_is_finite (&full))
    {
      ns_image_clear (&full);
      g_set_error (error, NS_ERROR, NS_ERROR_FAILED,
                   "The result holds values that are not finite numbers; "
                   "try a lower learning rate");
      return FALSE;
    }
  *result = full;

  return TRUE;
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
  Schedule       schedule;
  NsGraphWeights weights = { 0 };
  float          blend[NS_MAX_STYLES];
  NsImage        image = { 0 };
  NsStageSetup   setup = { 0 };
  Run            run = { 0 };
  gboolean       ok;

  if (n_styles == 0 || n_styles > NS_MAX_STYLES)
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "Give between 1 and %d style images", NS_MAX_STYLES);
      return FALSE;
    }
  if (!ns_engine_prepare (engine, params, content->width, content->height,
                          NULL, error) ||
      !schedule_make (params, content->width, content->height, &schedule,
                      error))
    return FALSE;

  styles_check (styles, n_styles);
  blend_normalise (style_blend, n_styles, blend);
  setup = (NsStageSetup) {
    .ctx = engine->ctx,
    .kernels = &engine->kernels,
    .params = params,
    .weights = &weights,
    .n_nodes = schedule.n_nodes,
    .styles = styles,
    .style_blend = blend,
    .n_styles = n_styles,
    .segment_flops = ns_engine_is_cpu (engine) ? SEGMENT_FLOPS_CPU
                                               : SEGMENT_FLOPS_GPU,
  };
  run = (Run) {
    .params = params,
    .progress = progress,
    .progress_data = progress_data,
    .start = g_get_monotonic_time (),
    .n_stages = schedule.n_stages,
  };
  for (guint k = 0; k < schedule.n_stages; k++)
    run.total += stage_cost (&schedule, params, k);

  g_info ("%s on %s: %u stage(s), %u steps at the first",
          schedule.net->title, ns_engine_get_device_name (engine),
          schedule.n_stages, params->iterations);
  /* Once on the device, the host's copy would only add its size (52 MB
   * for VGG19) to the run's peak memory. */
  ok = ns_graph_weights_upload (engine->ctx, engine->weights,
                                schedule.n_nodes, &weights, error);
  g_clear_pointer (&engine->weights, ns_weights_free_and_trim);
  g_clear_pointer (&engine->weights_key, g_free);
  ok = ok &&
       stages_run (engine, params, &schedule, &setup, content, &image, &run,
                   cancellable, error) &&
       result_finish (params, content, &image, result, error);

  ns_graph_weights_clear (engine->ctx, &weights);
  ns_image_clear (&image);
  g_info ("Finished in %.1f s", (g_get_monotonic_time () - run.start) / 1e6);

  return ok;
}

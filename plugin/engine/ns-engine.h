/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Style transfer (Gatys et al.): the pixels of an image are optimised with
 * Adam so that a network's features match a content image and the Gram
 * matrices of its features match one or more style images.  Free of GIMP:
 * the plug-in and the command-line tool both drive it. */
#pragma once

#include <gio/gio.h>

#include "ns-error.h"

G_BEGIN_DECLS

/* An image as the engine takes and gives it: interleaved R'G'B' float in
 * 0..1 (sRGB-encoded, as the networks were trained on), rows top to bottom,
 * no padding: pixels[(y * width + x) * 3 + c].  Alpha and gray stay with
 * the front ends. */
typedef struct
{
  guint  width;
  guint  height;
  float *pixels;
} NsImage;

typedef enum
{
  NS_INIT_CONTENT,  /* start from the content image */
  NS_INIT_NOISE,    /* start from uniform noise drawn from the seed */
  NS_INIT_BLEND,    /* init_blend * content + (1 - init_blend) * noise */
} NsInit;

#define NS_MAX_STAGES 8
#define NS_MAX_STYLES 8

typedef struct
{
  const char *net;             /* "squeezenet" or "vgg19" */
  const char *weights_path;    /* a weights file; NULL searches for one */
  guint       iterations;      /* Adam steps at the first stage; each
                                * larger stage takes half as many */
  guint       size;            /* long side of the final working size,
                                * pixels; 0: the content's own size.  Never
                                * larger than the content's long side. */
  guint       n_stages;        /* coarse-to-fine: stage k of n works at
                                * size / 2^(n-1-k) (at least the network's
                                * minimum); 1 = one stage at full size */
  float       style_scale;     /* style image long side, relative to the
                                * working size at each stage */
  float       content_weight;
  float       style_weight;
  float       tv_weight;
  float       learning_rate;   /* Adam step on pixels in 0..1 */
  NsInit      init;
  float       init_blend;      /* for NS_INIT_BLEND, 0..1 */
  guint32     seed;
  gboolean    preserve_colors; /* keep the content's colours, transfer only
                                * the style's luminance texture */
} NsParams;

typedef struct
{
  guint   stage;            /* 0-based */
  guint   n_stages;
  guint   iteration;        /* steps done in this stage */
  guint   n_iterations;     /* steps per stage */
  guint   width, height;    /* working size of this stage, pixels */
  gboolean have_losses;     /* the losses below were read this time */
  double  content_loss;
  double  style_loss;
  double  tv_loss;
  double  elapsed;          /* seconds since the run started */
  double  remaining;        /* seconds, estimated; < 0 while unknown */
  double  fraction;         /* of the whole run, 0..1 */
} NsProgress;

/* Called after every step, from the thread that called ns_engine_run.
 * Losses cost a read-back, so they are read only every few steps, at the
 * end of each stage and at the start (have_losses says when). */
typedef void (*NsProgressFunc) (const NsProgress *progress,
                                gpointer          user_data);

typedef struct _NsEngine NsEngine;

/* The defaults known to give a good result for @net (NULL: squeezenet). */
void        ns_params_init_defaults  (NsParams        *params,
                                      const char      *net);

/* Checks the parameters alone (ranges, the network's name): the same rules
 * the front ends show. */
gboolean    ns_params_validate       (const NsParams  *params,
                                      GError         **error);

/* Opens a Vulkan device: @device is an index or part of a name, NULL picks
 * (NEURAL_STYLE_DEVICE, else a real GPU before a CPU driver). */
NsEngine   *ns_engine_new            (const char      *device,
                                      GError         **error);
void        ns_engine_free           (NsEngine        *engine);
const char *ns_engine_get_device_name (NsEngine       *engine);
gboolean    ns_engine_is_cpu         (NsEngine        *engine);

/* Everything that can be known before work starts: the weights file found
 * and readable, the working sizes, the memory plan against the device's
 * limits.  @bytes_needed (may be NULL) receives the plan's device memory.
 * A request that cannot fit fails with NS_ERROR_OUT_OF_MEMORY naming the
 * figure it needs and the figure the device has. */
gboolean    ns_engine_prepare        (NsEngine        *engine,
                                      const NsParams  *params,
                                      guint            content_width,
                                      guint            content_height,
                                      guint64         *bytes_needed,
                                      GError         **error);

/* Runs the whole optimisation.  @styles has @n_styles images blended with
 * @style_blend (NULL: equal; normalised to sum 1).  @result receives an
 * image of exactly the content's size (the caller frees result->pixels
 * with g_free).  Cancelling @cancellable stops the run within about a
 * second with NS_ERROR_CANCELLED; @result is then left untouched. */
gboolean    ns_engine_run            (NsEngine        *engine,
                                      const NsParams  *params,
                                      const NsImage   *content,
                                      const NsImage   *styles,
                                      const float     *style_blend,
                                      guint            n_styles,
                                      NsProgressFunc   progress,
                                      gpointer         progress_data,
                                      GCancellable    *cancellable,
                                      NsImage         *result,
                                      GError         **error);

G_END_DECLS

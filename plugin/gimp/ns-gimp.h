/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GIMP 3 front end: arguments, pixels in and out, the engine's thread. */
#pragma once

#include <libgimp/gimp.h>

#include "ns-engine.h"

G_BEGIN_DECLS

#define NS_GIMP_PROCEDURE "plug-in-neural-style"

/* Pixels of context read around the selection, so that the network sees
 * what lies just outside it; clipped to the drawable. */
#define NS_GIMP_MARGIN 32

/* The arguments of one run, read once from the procedure's config. */
typedef struct
{
  NsParams      params;       /* its strings point into the fields below */
  char         *net;
  char         *weights_path; /* NULL: the engine searches */
  char         *device;       /* NULL: the engine picks */
  GFile        *style_file;
  GimpDrawable *style_layer;  /* used instead of style_file when set */
} NsGimpSettings;

/* Interleaved R'G'B'A float pixels of a rectangle, rows top to bottom. */
typedef struct
{
  GeglRectangle rect;
  float        *rgba;
} NsGimpPixels;

/* ns-gimp-args.c */
void      ns_gimp_args_add           (GimpProcedure        *procedure);
gboolean  ns_gimp_settings_read      (NsGimpSettings       *settings,
                                      GimpProcedureConfig  *config,
                                      GError              **error);
void      ns_gimp_settings_clear     (NsGimpSettings       *settings);

/* ns-gimp-pixels.c */
gboolean  ns_gimp_region_find        (GimpDrawable         *drawable,
                                      GeglRectangle        *target,
                                      GeglRectangle        *context,
                                      GError              **error);
void      ns_gimp_pixels_read        (GimpDrawable         *drawable,
                                      const GeglRectangle  *rect,
                                      NsGimpPixels         *pixels);
void      ns_gimp_pixels_clear       (NsGimpPixels         *pixels);
void      ns_gimp_pixels_to_image    (const NsGimpPixels   *pixels,
                                      NsImage              *image);

/* ns-gimp-layer.c */
gboolean  ns_gimp_style_load         (const NsGimpSettings *settings,
                                      NsImage              *style,
                                      GError              **error);
GimpLayer *ns_gimp_layer_insert      (GimpImage            *image,
                                      GimpDrawable         *drawable,
                                      const NsGimpPixels   *source,
                                      const GeglRectangle  *target,
                                      const NsImage        *result,
                                      GError              **error);

/* ns-gimp-job.c */
gboolean  ns_gimp_job_run            (const NsGimpSettings *settings,
                                      const NsImage        *content,
                                      const NsImage        *style,
                                      NsImage              *result,
                                      GError              **error);

G_END_DECLS

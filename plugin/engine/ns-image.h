/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Host-side image helpers of the engine: resampling, layout changes, colour
 * preservation.  Images are NsImage (interleaved R'G'B' float 0..1). */
#pragma once

#include "ns-engine.h"

G_BEGIN_DECLS

/* Allocates @image->pixels for @width x @height, zeroed. */
void     ns_image_init        (NsImage        *image,
                               guint           width,
                               guint           height);
void     ns_image_clear       (NsImage        *image);

/* Resamples @src to @width x @height with a triangle filter widened by the
 * scale factor when shrinking (so shrinking averages, never aliases). */
void     ns_image_resize      (const NsImage  *src,
                               guint           width,
                               guint           height,
                               NsImage        *dst);

/* Interleaved [H][W][3] to planar [3][H][W] and back. */
void     ns_image_to_planar   (const NsImage  *image,
                               float          *planar);
void     ns_image_from_planar (NsImage        *image,
                               const float    *planar);

/* Keeps the luma (BT.601 Y') of @result and takes the chroma (Cb, Cr) of
 * @content, pixel by pixel; both have the same size. */
void     ns_image_keep_colors (NsImage        *result,
                               const NsImage  *content);

/* The size of the long side @long_side for an image of @width x @height,
 * aspect kept, each side at least 1. */
void     ns_image_fit         (guint           width,
                               guint           height,
                               guint           long_side,
                               guint          *fit_width,
                               guint          *fit_height);

/* @dst (allocated, @width x @height) holds @src with its top-left pixel
 * at (@left, @top) and mirrored out to every side (edge pixels not
 * repeated: ... 2 1 | 0 1 2 ...); @src must fit inside.  ns_image_crop
 * takes the @width x @height part at (@left, @top) back; it must lie inside
 * @src. */
void     ns_image_pad         (const NsImage  *src,
                               guint           left,
                               guint           top,
                               guint           width,
                               guint           height,
                               NsImage        *dst);
void     ns_image_crop        (const NsImage  *src,
                               guint           left,
                               guint           top,
                               guint           width,
                               guint           height,
                               NsImage        *dst);

/* Fills @image with uniform noise in 0..1 drawn from @seed, blended as
 * keep * image + (1 - keep) * noise. */
void     ns_image_add_noise   (NsImage        *image,
                               guint32         seed,
                               float           keep);

/* TRUE when every value is finite. */
gboolean ns_image_is_finite   (const NsImage  *image);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image files in and out through GEGL: whatever GEGL decodes, converted to
 * the engine's R'G'B' float, and written back keeping the original's size,
 * alpha, gray or colour, bit depth and colour space. */
#pragma once

#include <gegl.h>

#include "ns-engine.h"

G_BEGIN_DECLS

typedef struct
{
  GeglBuffer *buffer;     /* the decoded pixels in the file's own format */
  guint       width;      /* pixels */
  guint       height;
  gboolean    has_alpha;
  gboolean    is_gray;    /* one colour channel */
  guint       bits;       /* per channel: 8, 16, or 32 for float and wider */
} NsImageFile;

/* Reads and decodes @path.  Fails with NS_ERROR_BAD_INPUT, naming the file
 * and the problem, when it is missing, unreadable, damaged or not an image
 * GEGL can decode. */
gboolean    ns_image_file_load      (NsImageFile        *file,
                                     const char         *path,
                                     GError            **error);
void        ns_image_file_clear     (NsImageFile        *file);

/* The pixels as the engine takes them: sRGB-encoded R'G'B' float in 0..1,
 * converted from the file's colour space; the caller frees image->pixels
 * with g_free. */
gboolean    ns_image_file_get_rgb   (const NsImageFile  *file,
                                     NsImage            *image,
                                     GError            **error);

/* The GEGL operation that writes files named like @path (by extension,
 * case-insensitive), or NULL with NS_ERROR_BAD_INPUT listing the known
 * extensions. */
const char *ns_image_io_find_saver  (const char         *path,
                                     GError            **error);

/* Writes @rgb, which must have @like's size, to @path in the format its
 * extension names: @like's alpha copied unchanged, gray where @like is
 * gray, @like's bit depth where the format holds it, @like's colour space.
 * A file left by a failed save is the caller's to remove. */
gboolean    ns_image_io_save        (const char         *path,
                                     const NsImage      *rgb,
                                     const NsImageFile  *like,
                                     GError            **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the weights readers and writer. */
#pragma once

#include "ns-weights.h"

G_BEGIN_DECLS

/* Sets an NS_ERROR_WEIGHTS error "FILE: tensor NAME: message" (no tensor
 * part when @tensor is NULL); returns FALSE. */
gboolean ns_weights_fail         (GError              **error,
                                  const char           *path,
                                  const char           *tensor,
                                  const char           *format,
                                  ...) G_GNUC_PRINTF (4, 5);

/* Refuses NaN and infinite weights or biases of the conv at @index. */
gboolean ns_weights_check_finite (const NsWeights      *weights,
                                  guint                 index,
                                  const char           *path,
                                  GError              **error);

G_END_DECLS

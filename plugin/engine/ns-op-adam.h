/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adam on the image pixels (shaders/adam.comp has the equations). */
#pragma once

#include "ns-op.h"

G_BEGIN_DECLS

typedef struct
{
  float lr;       /* step size, pixel units (0..1) */
  float beta1;    /* decay of the first moment, e.g. 0.9 */
  float beta2;    /* decay of the second moment, e.g. 0.999 */
  float eps;      /* added to sqrt (v / c2), e.g. 1e-8 */
  float lo, hi;   /* pixels are clamped to [lo, hi] after each step */
} NsAdamParams;

/* The bias corrections of step @t (1 for the first step):
 * c1 = 1 - beta1^t, c2 = 1 - beta2^t, computed in double. */
void     ns_op_adam_bias_corrections (guint               t,
                                      float               beta1,
                                      float               beta2,
                                      float              *c1,
                                      float              *c2);

/* One step @t on @n values: x, m and v (zero before step 1) are updated
 * from grad; a non-finite grad entry counts as 0.  The step number is
 * baked into the recording (push constants): record one per step. */
gboolean ns_op_adam_record           (NsKernels          *kernels,
                                      NsVkCommands       *commands,
                                      const NsAdamParams *params,
                                      guint               t,
                                      guint               n,
                                      NsVkBuffer         *x,
                                      NsVkBuffer         *grad,
                                      NsVkBuffer         *m,
                                      NsVkBuffer         *v,
                                      GError            **error);

G_END_DECLS

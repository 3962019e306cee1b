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

/* The contents of the step buffer: what changes from step to step. */
typedef struct
{
  float c1;       /* 1 - beta1^t */
  float c2;       /* 1 - beta2^t */
} NsAdamStep;

/* The bias corrections of step @t (1 for the first step):
 * c1 = 1 - beta1^t, c2 = 1 - beta2^t, computed in double. */
void     ns_op_adam_bias_corrections (guint               t,
                                      float               beta1,
                                      float               beta2,
                                      float              *c1,
                                      float              *c2);

/* One step on @n values: x and the moments (m then v, float[2 n], zero
 * before step 1) are updated from grad; a non-finite grad entry counts as
 * 0.  The step's bias corrections are read from @step (an NsAdamStep the
 * host writes before each submission), so the recording is replayed. */
gboolean ns_op_adam_record           (NsKernels          *kernels,
                                      NsVkCommands       *commands,
                                      const NsAdamParams *params,
                                      guint               n,
                                      NsVkBuffer         *x,
                                      NsVkBuffer         *grad,
                                      NsVkBuffer         *moments,
                                      NsVkBuffer         *step,
                                      GError            **error);

G_END_DECLS

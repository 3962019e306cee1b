/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adam: bias corrections on the host and the dispatch of adam.comp. */
#include "ns-op-adam.h"

#include <math.h>

/* Mirrors the push constants of shaders/adam.comp. */
typedef struct
{
  guint32 n;
  float   lr, beta1, beta2, eps;
  float   lo, hi;
} NsAdamPush;

_Static_assert (sizeof (NsAdamPush) == 28, "matches shaders/adam.comp");

void
ns_op_adam_bias_corrections (guint  t,
                             float  beta1,
                             float  beta2,
                             float *c1,
                             float *c2)
{
  *c1 = (float) (1.0 - pow (beta1, t));
  *c2 = (float) (1.0 - pow (beta2, t));
}

gboolean
ns_op_adam_record (NsKernels          *kernels,
                   NsVkCommands       *commands,
                   const NsAdamParams *params,
                   guint               n,
                   NsVkBuffer         *x,
                   NsVkBuffer         *grad,
                   NsVkBuffer         *moments,
                   NsVkBuffer         *step,
                   GError            **error)
{
  NsVkBuffer *buffers[] = { x, grad, moments, step };
  static const char *names[] = { "x", "grad", "moments", "step" };
  const guint64 sizes[] = { n, n, 2 * (guint64) n, 2 };
  NsAdamPush  push = {
    .n = n,
    .lr = params->lr, .beta1 = params->beta1, .beta2 = params->beta2,
    .eps = params->eps, .lo = params->lo, .hi = params->hi,
  };

  if (!(params->beta1 >= 0.0f && params->beta1 < 1.0f) ||
      !(params->beta2 >= 0.0f && params->beta2 < 1.0f) ||
      !(params->lo <= params->hi))
    {
      g_set_error (error, NS_ERROR, NS_ERROR_BAD_INPUT,
                   "adam: beta1 %g, beta2 %g, range %g..%g",
                   params->beta1, params->beta2, params->lo, params->hi);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    if (!ns_op_check_buffer (buffers[i], sizes[i], "adam", names[i], error))
      return FALSE;

  return ns_op_dispatch_linear (kernels, commands, NS_SHADER_adam, buffers,
                                4, &push, sizeof push, n, error);
}

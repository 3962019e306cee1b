/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The shared frame of the vk test programs that record the engine's ops. */
#include "ns-test-kernels.h"

int
ns_test_kernels_main (int               *argc,
                      char            ***argv,
                      const NsTestCase  *cases,
                      guint              n_cases,
                      NsVkContext      **ctx,
                      NsKernels         *kernels)
{
  int status;

  *ctx = ns_test_context_new ();
  ns_kernels_init (kernels, *ctx);
  g_test_init (argc, argv, NULL);
  for (guint i = 0; i < n_cases; i++)
    g_test_add_func (cases[i].path, cases[i].func);
  status = g_test_run ();
  ns_kernels_free (kernels);
  ns_test_context_free (*ctx);

  return status;
}

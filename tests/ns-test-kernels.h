/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The frame of a vk test program that records the engine's ops: one
 * device context and one kernel cache that all its tests share.  Apart
 * from ns-test.h, which vk-smoke links without the engine. */
#pragma once

#include "ns-kernels.h"
#include "ns-test.h"

G_BEGIN_DECLS

/* One test: its GLib path ("/vk/gemm/layouts") and function. */
typedef struct
{
  const char *path;
  GTestFunc   func;
} NsTestCase;

/* Opens the device into *@ctx (or exits with NS_TEST_SKIP where there is
 * none) and the kernel cache into @kernels, runs @cases, then frees both,
 * failing if validation said anything; returns g_test_run's status. */
int ns_test_kernels_main (int               *argc,
                          char            ***argv,
                          const NsTestCase  *cases,
                          guint              n_cases,
                          NsVkContext      **ctx,
                          NsKernels         *kernels);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the test programs: random data with a fixed seed, the
 * Vulkan context or a skip, tolerance checks by normalised error. */
#pragma once

#include <glib.h>

#include "ns-vk.h"

/* Exit status that meson reads as a skipped test. */
#define NS_TEST_SKIP 77

/* Opens the default device with validation on (meson sets the variable);
 * exits with NS_TEST_SKIP when the machine has no Vulkan device at all. */
NsVkContext *ns_test_context_new       (void);

/* Frees the context; fails the test if validation said anything. */
void         ns_test_context_free      (NsVkContext  *ctx);

/* Uniform floats in [lo, hi) from @rand. */
void         ns_test_fill_random       (GRand        *rand,
                                        float        *data,
                                        gsize         n,
                                        float         lo,
                                        float         hi);

/* max |got - want| / max (max |want|, 1e-6): the error relative to the
 * largest reference value, so one near-zero entry cannot dominate. */
double       ns_test_normalised_error  (const float  *got,
                                        const float  *want,
                                        gsize         n);

/* A device buffer of @n floats (at least one) holding @data, or zeros when
 * @data is NULL; fails the test on error. */
void         ns_test_buffer_init       (NsVkContext  *ctx,
                                        NsVkBuffer   *buffer,
                                        const float  *data,
                                        gsize         n);

/* Reads @n floats of @buffer into @data. */
void         ns_test_buffer_read       (NsVkContext  *ctx,
                                        NsVkBuffer   *buffer,
                                        float        *data,
                                        gsize         n);

/* One-off command buffers: begin with room for @max_dispatches, then run
 * (end, submit, wait, free). */
void         ns_test_commands_begin    (NsVkContext  *ctx,
                                        NsVkCommands *commands,
                                        guint         max_dispatches);
void         ns_test_commands_run      (NsVkContext  *ctx,
                                        NsVkCommands *commands);

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one error domain of the engine, the Vulkan layer and the front ends. */
#include "ns-error.h"

G_DEFINE_QUARK (neural-style-error-quark, ns_error)

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one error domain of the engine, the Vulkan layer and the front ends. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NS_ERROR (ns_error_quark ())

typedef enum
{
  NS_ERROR_FAILED,         /* a call failed; the message names it */
  NS_ERROR_NO_DEVICE,      /* no usable Vulkan device */
  NS_ERROR_UNSUPPORTED,    /* the device or driver lacks a needed feature */
  NS_ERROR_OUT_OF_MEMORY,  /* host or device memory exhausted, or a plan too big */
  NS_ERROR_DEVICE_LOST,    /* the driver reset or lost the device */
  NS_ERROR_WEIGHTS,        /* a weights file is missing or malformed */
  NS_ERROR_CANCELLED,      /* the user stopped the run */
  NS_ERROR_BAD_INPUT,      /* an argument or an input file is not acceptable */
} NsErrorCode;

GQuark ns_error_quark (void);

G_END_DECLS

// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by every compute shader of the engine.
#ifndef NS_COMMON_GLSL
#define NS_COMMON_GLSL

// Workgroup size, set by the host from the device's limits through
// specialisation constants 0..2; the defaults are the Vulkan minimums.
layout (local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#endif

// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by every compute shader of the engine.
#ifndef NS_COMMON_GLSL
#define NS_COMMON_GLSL

// Workgroup size, set by the host from the device's limits through
// specialisation constants 0..2; the defaults are the Vulkan minimums.
layout (local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// The item of this invocation in a 1-D problem laid over rows of 1-D
// workgroups: the host puts at most 65535 groups along x and adds rows
// along y (ns_op_dispatch_linear); the last row may overhang.
uint
ns_linear_index ()
{
  return gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x)
         + gl_GlobalInvocationID.x;
}

#endif

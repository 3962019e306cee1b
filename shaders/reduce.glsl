// SPDX-License-Identifier: GPL-3.0-or-later
// A deterministic sum over one workgroup, for the loss kernels that run in
// a single workgroup: each invocation adds its items in a fixed order (in
// blocks of REDUCE_BLOCK items, so no running sum grows over more than a
// few hundred terms), then a tree in shared memory adds the invocations'
// sums, always pairing the same ones.  The workgroup is 1-D with a power
// of two invocations (the host asks for 128).
#ifndef NS_REDUCE_GLSL
#define NS_REDUCE_GLSL

const uint REDUCE_BLOCK = 256;

shared float reduce_partial[gl_WorkGroupSize.x];

// The sum over the workgroup of each invocation's @value; every invocation
// must call it (it holds barriers).
float
reduce_workgroup (float value)
{
  uint t = gl_LocalInvocationID.x;

  reduce_partial[t] = value;
  barrier ();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s /= 2)
    {
      if (t < s)
        reduce_partial[t] += reduce_partial[t + s];
      barrier ();
    }

  return reduce_partial[0];
}

#endif

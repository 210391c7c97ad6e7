// dst = src, 16 bytes per invocation: the plain copy whose bandwidth the benchmark reports next
// to the matrix x vector kernels'.
#version 450
layout(local_size_x_id = 0) in;

// Mirrors CopyPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n;  // 16-byte words
  uint src_off;
  uint dst_off;
} pc;

layout(std430, binding = 0) readonly buffer Src { uvec4 s[]; };
layout(std430, binding = 1) writeonly buffer Dst { uvec4 d[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x *
           gl_WorkGroupSize.x;
  if (i < pc.n) d[pc.dst_off + i] = s[pc.src_off + i];
}

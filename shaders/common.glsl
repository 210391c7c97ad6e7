// Shared by every kernel: extensions, token pasting, and workgroup reductions that use subgroup
// arithmetic, or shared memory alone when built with -DNO_SUBGROUP (the "_nosg" variants, for
// devices without subgroup arithmetic). Include first, right after #version and the
// local_size layout.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : enable
#ifndef NO_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

#define WG_SIZE gl_WorkGroupSize.x

// Component c (0..3, not a constant) of a texel: the 32-bit word at word index 4 t + c of a
// storage texel buffer (weights.glsl, vector_load.glsl, attn.comp).
// tanh that stays finite: some drivers form it from exp(2x), which overflows to inf / inf for
// large |x|; in float tanh is exactly +-1 beyond |x| = 10 anyway.
float tanh_clamped(float x) { return tanh(clamp(x, -10.0, 10.0)); }

uint texel_word(uvec4 t, uint c) {
  return c == 0u ? t.x : c == 1u ? t.y : c == 2u ? t.z : t.w;
}

// Scratch for the reductions; one slot per invocation covers any subgroup size.
shared float red_f[WG_SIZE];
shared uint red_u[WG_SIZE];

// Every invocation of the workgroup gets the sum of v over the workgroup. Must be reached by
// all invocations (it holds barriers). The shared-memory form needs a power-of-two WG_SIZE.
float wg_sum(float v) {
#ifndef NO_SUBGROUP
  // One subgroup (llvmpipe's one-SIMD-row matvec): no shared memory, no barrier. The driver
  // folds the test once the workgroup size is specialized.
  if (gl_NumSubgroups == 1u) return subgroupAdd(v);
  v = subgroupAdd(v);
  if (subgroupElect()) red_f[gl_SubgroupID] = v;
  barrier();
  float t = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) t += red_f[i];
  barrier();  // red_f is reused by the next reduction
  return t;
#else
  uint tid = gl_LocalInvocationIndex;
  red_f[tid] = v;
  barrier();
  for (uint s = WG_SIZE / 2; s > 0; s >>= 1) {
    if (tid < s) red_f[tid] += red_f[tid + s];
    barrier();
  }
  float t = red_f[0];
  barrier();
  return t;
#endif
}

float wg_max(float v) {
#ifndef NO_SUBGROUP
  if (gl_NumSubgroups == 1u) return subgroupMax(v);
  v = subgroupMax(v);
  if (subgroupElect()) red_f[gl_SubgroupID] = v;
  barrier();
  float t = red_f[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) t = max(t, red_f[i]);
  barrier();
  return t;
#else
  uint tid = gl_LocalInvocationIndex;
  red_f[tid] = v;
  barrier();
  for (uint s = WG_SIZE / 2; s > 0; s >>= 1) {
    if (tid < s) red_f[tid] = max(red_f[tid], red_f[tid + s]);
    barrier();
  }
  float t = red_f[0];
  barrier();
  return t;
#endif
}

// The largest v over the workgroup and, among equal maxima, the smallest index i (argmax's
// first-of-equals rule). NaN never wins.
void wg_argmax(inout float v, inout uint i) {
  uint tid = gl_LocalInvocationIndex;
  red_f[tid] = v;
  red_u[tid] = i;
  barrier();
  for (uint s = WG_SIZE / 2; s > 0; s >>= 1) {
    if (tid < s) {
      float ov = red_f[tid + s];
      uint oi = red_u[tid + s];
      if (ov > red_f[tid] || (ov == red_f[tid] && oi < red_u[tid])) {
        red_f[tid] = ov;
        red_u[tid] = oi;
      }
    }
    barrier();
  }
  v = red_f[0];
  i = red_u[0];
  barrier();
}

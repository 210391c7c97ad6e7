// Reading weight rows straight from their quantized blocks in device memory, in the device row
// layout of engine/quant/device_layout.h: each row starts at a 16-byte boundary and holds its
// blocks' fields in planes (Q4_0: all qs, then all d; Q6_K: ql, qh, scales, d; Q4_K and Q5_K
// keep GGUF's 144- and 176-byte blocks), so that every load is one aligned 16-byte texel. The
// weights are a storage texel buffer (rgba32ui): on a CPU driver a texel load is a vector
// gather, where a storage-buffer load loops over the SIMD lanes (docs/PERFORMANCE.md).
//
// A row is cut into units of 32 consecutive elements: one block of the 32-element types, one
// eighth of a K-quant super-block, 32 values of F32/F16/BF16.
//
// Include once per weight binding, with WNAME (a prefix for its names), WBINDING and one
// W_<TYPE> define (W_F32, W_F16, W_BF16, W_Q4_0, W_Q4_1, W_Q5_0, W_Q5_1, W_Q8_0, W_Q4_K,
// W_Q5_K, W_Q6_K, and weights_lowbit.glsl's W_Q2_K, W_Q3_K, W_IQ4_NL, W_IQ4_XS, W_MXFP4, W_NVFP4,
// W_TQ1_0, W_TQ2_0, W_Q1_0, W_Q2_0, and weights_iq.glsl's W_IQ2_XXS, W_IQ2_XS, W_IQ2_S,
// W_IQ3_XXS, W_IQ3_S, W_IQ1_S, W_IQ1_M, which also need GRID_BINDING for their codebook table).
// It declares the binding and
//   void WNAME_unit(uint rb, uint u, uint K, out float v[32])
// which sets v to unit u of the row that starts at byte rb (a multiple of 16) of the binding
// (K: elements per row; the float types' last unit may be short and is padded with zeros), and
//   float WNAME_unit_dot(uint rb, uint u, uint K, float xv[32])
// the dot product of that unit with xv (zero past K).
// Define PRECISE as `precise` to forbid fused multiply-adds, so that values match ggml's
// dequantization bit for bit.
#ifndef PRECISE
#define PRECISE
#endif

layout(binding = WBINDING, rgba32ui) uniform readonly uimageBuffer CAT(WNAME, _tex);
#define WT(i) imageLoad(CAT(WNAME, _tex), int(i))
// Byte j (a constant after unrolling) of texel t, and its signed value.
#define TBYTE(t, j) (((t)[(j) >> 2] >> (8u * ((j) & 3u))) & 0xFFu)
#define TSBYTE(t, j) bitfieldExtract(int((t)[(j) >> 2]), int(8u * ((j) & 3u)), 8)

// The 32-bit word at byte b (a multiple of 4) and the 16 bits at byte b (a multiple of 2).
uint CAT(WNAME, _word)(uint b) {
  return texel_word(WT(b >> 4), (b >> 2) & 3u);
}
uint CAT(WNAME, _half)(uint b) {
  return (CAT(WNAME, _word)(b & ~3u) >> (8u * (b & 2u))) & 0xFFFFu;
}

// Low-bit types (Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4, NVFP4, TQ1_0, TQ2_0, Q1_0, Q2_0).
#include "weights_lowbit.glsl"
// Codebook-grid IQ types (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M).
#include "weights_iq.glsl"

void CAT(WNAME, _unit)(uint rb, uint u, uint K, out float v[32]) {
  uint rt = rb >> 4;  // the row's first texel
#if defined(W_LOWBIT)
  CAT(WNAME, _unit_lowbit)(rb, u, K, v);
#elif defined(W_GRID_IQ)
  CAT(WNAME, _unit_iq)(rb, u, K, v);
#elif defined(W_F32)
  uint e0 = 32u * u;
  uint last = rt + (4u * K - 1u) / 16u;  // the row's last texel: no load leaves the row
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    uvec4 t = WT(min(rt + 8u * u + i, last));
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      v[4u * i + c] = e0 + 4u * i + c < K ? uintBitsToFloat(t[c]) : 0.0;
    }
  }
#elif defined(W_F16) || defined(W_BF16)
  uint e0 = 32u * u;
  uint last = rt + (2u * K - 1u) / 16u;
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    uvec4 t = WT(min(rt + 4u * u + i, last));
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint e = e0 + 8u * i + 2u * c;
#if defined(W_F16)
      vec2 f = unpackHalf2x16(t[c]);
#else
      vec2 f = vec2(uintBitsToFloat(t[c] << 16), uintBitsToFloat(t[c] & 0xFFFF0000u));
#endif
      v[e - e0] = e < K ? f.x : 0.0;
      v[e - e0 + 1u] = e + 1u < K ? f.y : 0.0;
    }
  }
#elif defined(W_Q4_0) || defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1)
  uint nb = K / 32u;
  uvec4 q = WT(rt + u);  // qs plane: 16 bytes per block
#if defined(W_Q5_0) || defined(W_Q5_1)
  uint qh = CAT(WNAME, _word)(rb + 16u * nb + 4u * u);  // qh plane: 4 bytes per block
#endif
#if defined(W_Q4_0)
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 16u * nb + 2u * u)).x;
#elif defined(W_Q5_0)
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 20u * nb + 2u * u)).x;
#elif defined(W_Q4_1)
  vec2 dm = unpackHalf2x16(CAT(WNAME, _word)(rb + 16u * nb + 4u * u));
#else
  vec2 dm = unpackHalf2x16(CAT(WNAME, _word)(rb + 20u * nb + 4u * u));
#endif
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    uint lo = TBYTE(q, j) & 0xFu, hi = TBYTE(q, j) >> 4;
#if defined(W_Q5_0) || defined(W_Q5_1)
    lo |= ((qh >> j) & 1u) << 4;
    hi |= ((qh >> (j + 16u)) & 1u) << 4;
#endif
#if defined(W_Q4_0)
    v[j] = float(int(lo) - 8) * d;
    v[j + 16u] = float(int(hi) - 8) * d;
#elif defined(W_Q5_0)
    v[j] = float(int(lo) - 16) * d;
    v[j + 16u] = float(int(hi) - 16) * d;
#else
    PRECISE float vlo = float(lo) * dm.x + dm.y;
    PRECISE float vhi = float(hi) * dm.x + dm.y;
    v[j] = vlo;
    v[j + 16u] = vhi;
#endif
  }
#elif defined(W_Q8_0)
  uint nb = K / 32u;
  uvec4 q0 = WT(rt + 2u * u), q1 = WT(rt + 2u * u + 1u);  // qs plane: 32 bytes per block
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 32u * nb + 2u * u)).x;
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    v[j] = float(TSBYTE(q0, j)) * d;
    v[j + 16u] = float(TSBYTE(q1, j)) * d;
  }
#elif defined(W_Q4_K) || defined(W_Q5_K)
  uint g = u % 8u;  // the group in the super-block
#if defined(W_Q4_K)
  uint st = rt + 9u * (u / 8u);  // 144 bytes: d, dmin, scales[12] | qs[128]
  uint qt = st + 1u;
#else
  uint st = rt + 11u * (u / 8u);  // 176 bytes: d, dmin, scales[12] | qh[32] | qs[128]
  uint qt = st + 3u;
  uvec4 h0 = WT(st + 1u), h1 = WT(st + 2u);
#endif
  uvec4 hd = WT(st);
  vec2 dm = unpackHalf2x16(hd.x);
  uvec4 sb = uvec4(hd.y, hd.z, hd.w, 0u);  // scales[12] as bytes 0..11
  uint sc, mn;  // ggml's get_scale_min_k4
  if (g < 4u) {
    sc = (texel_word(sb, g >> 2) >> (8u * (g & 3u))) & 63u;
    mn = (texel_word(sb, (g + 4u) >> 2) >> (8u * (g & 3u))) & 63u;
  } else {
    uint b4 = (texel_word(sb, (g + 4u) >> 2) >> (8u * (g & 3u))) & 0xFFu;  // scales[g + 4]
    uint bm = (texel_word(sb, (g - 4u) >> 2) >> (8u * (g & 3u))) & 0xFFu;  // scales[g - 4]
    uint bg = (texel_word(sb, g >> 2) >> (8u * (g & 3u))) & 0xFFu;         // scales[g]
    sc = (b4 & 0xFu) | ((bm >> 6) << 4);
    mn = (b4 >> 4) | ((bg >> 6) << 4);
  }
  PRECISE float dl = dm.x * float(sc);
  PRECISE float ml = dm.y * float(mn);
  uint shift = 4u * (g % 2u);
  uvec4 qa = WT(qt + 2u * (g / 2u)), qb = WT(qt + 2u * (g / 2u) + 1u);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    uint va = (TBYTE(qa, j) >> shift) & 0xFu, vb = (TBYTE(qb, j) >> shift) & 0xFu;
#if defined(W_Q5_K)
    va |= ((TBYTE(h0, j) >> g) & 1u) << 4;
    vb |= ((TBYTE(h1, j) >> g) & 1u) << 4;
#endif
    PRECISE float ra = dl * float(va) - ml;
    PRECISE float rb2 = dl * float(vb) - ml;
    v[j] = ra;
    v[j + 16u] = rb2;
  }
#elif defined(W_Q6_K)
  // Planes of a row of nsb super-blocks: ql 128, qh 64, scales 16, d 2 bytes each.
  uint nsb = K / 256u;
  uint s = u / 8u, g = u % 8u;
  uint n = g / 4u, q = g % 4u;  // ggml's half (128 values) and quarter (32 values) of it
  uint qlt = rt + 8u * s + 4u * n + 2u * (q % 2u);  // ql[64 n + 32 (q % 2) ..]
  uint qht = rt + 8u * nsb + 4u * s + 2u * n;       // qh[32 n ..]
  uvec4 l0 = WT(qlt), l1 = WT(qlt + 1u), h0 = WT(qht), h1 = WT(qht + 1u);
  uvec4 sct = WT(rt + 12u * nsb + s);
  float d = unpackHalf2x16(CAT(WNAME, _half)(rb + 208u * nsb + 2u * s)).x;
  uint si = 8u * n + 2u * q;  // scales[si] for values 0..15, scales[si + 1] for 16..31
  uint sw = texel_word(sct, si >> 2) >> (8u * (si & 3u));
  PRECISE float d0 = d * float(bitfieldExtract(int(sw), 0, 8));
  PRECISE float d1 = d * float(bitfieldExtract(int(sw), 8, 8));
  uint ls = 4u * (q / 2u), hs = 2u * q;
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    int a = int(((TBYTE(l0, j) >> ls) & 0xFu) | (((TBYTE(h0, j) >> hs) & 3u) << 4)) - 32;
    int b = int(((TBYTE(l1, j) >> ls) & 0xFu) | (((TBYTE(h1, j) >> hs) & 3u) << 4)) - 32;
    PRECISE float ra = d0 * float(a);
    PRECISE float rb2 = d1 * float(b);
    v[j] = ra;
    v[j + 16u] = rb2;
  }
#else
#error "weights.glsl: define one W_<TYPE>"
#endif
}

#if defined(W_Q8_0) || defined(W_Q4_0)
// Q8_0 and Q4_0 keep their fp16 scales in a plane of their own (after the qs plane), eight to a
// texel: a caller walking consecutive units loads each scale texel once for eight units.
#define W_SCALE_TEXELS
// The texel with the scales of units u & ~7 .. u | 7.
uvec4 CAT(WNAME, _scales)(uint rb, uint u, uint K) {
#if defined(W_Q8_0)
  uint plane = 32u * (K / 32u);
#else
  uint plane = 16u * (K / 32u);
#endif
  return WT((rb + plane) / 16u + u / 8u);
}

// Four partial sums: short dependency chains for the CPU's pipelined FMAs. The scale once per
// unit, not per value; `sc` from WNAME_scales.
float CAT(WNAME, _unit_dot_scaled)(uint rb, uint u, float xv[32], uvec4 sc) {
  float d = unpackHalf2x16(texel_word(sc, (u >> 1) & 3u) >> (16u * (u & 1u))).x;
#if defined(W_Q8_0)
  uvec4 q0 = WT(rb / 16u + 2u * u), q1 = WT(rb / 16u + 2u * u + 1u);
  vec4 s = vec4(0.0);
  [[unroll]] for (uint j = 0; j < 16u; j += 2u) {
    s[j / 2u % 4u] += float(TSBYTE(q0, j)) * xv[j] + float(TSBYTE(q0, j + 1u)) * xv[j + 1u];
    s[(j / 2u + 2u) % 4u] +=
        float(TSBYTE(q1, j)) * xv[j + 16u] + float(TSBYTE(q1, j + 1u)) * xv[j + 17u];
  }
  return d * ((s.x + s.y) + (s.z + s.w));
#else
  // d (sum q x - 8 sum x): the offset once per unit.
  uvec4 q = WT(rb / 16u + u);
  vec4 s = vec4(0.0);
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    uint b = TBYTE(q, j);
    s[j % 4u] += float(int(b & 0xFu) - 8) * xv[j] + float(int(b >> 4) - 8) * xv[j + 16u];
  }
  return d * ((s.x + s.y) + (s.z + s.w));
#endif
}
#endif

float CAT(WNAME, _unit_dot)(uint rb, uint u, uint K, float xv[32]) {
#ifdef W_SCALE_TEXELS
  return CAT(WNAME, _unit_dot_scaled)(rb, u, xv, CAT(WNAME, _scales)(rb, u, K));
#else
  float v[32];
  CAT(WNAME, _unit)(rb, u, K, v);
  vec4 s = vec4(0.0);
  [[unroll]] for (uint i = 0; i < 32u; ++i) s[i % 4u] += v[i] * xv[i];
  return (s.x + s.y) + (s.z + s.w);
#endif
}

#undef WT
#undef TBYTE
#undef TSBYTE

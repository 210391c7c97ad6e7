// Reading GGUF weight rows straight from their blocks in device memory (layouts as in
// engine/quant/blocks.h). A row is cut into units of 32 consecutive elements: one block of the
// 32-element types, one eighth of a K-quant super-block, 32 values of F32/F16/BF16.
//
// Include once per weight binding, with WNAME (a prefix for its names), WBINDING and one
// W_<TYPE> define (W_F32, W_F16, W_BF16, W_Q4_0, W_Q4_1, W_Q5_0, W_Q5_1, W_Q8_0, W_Q4_K,
// W_Q5_K, W_Q6_K). It declares the binding and
//   void WNAME_unit(uint rb, uint u, uint K, out float v[32])
// which sets v to unit u of the row that starts at byte rb of the binding (K: elements per row,
// used by the float types, whose last unit may be short and is padded with zeros).
// Byte offsets: multiples of 4 for F32, Q4_1, Q5_1, Q4_K, Q5_K; of 2 otherwise.
// Define PRECISE as `precise` to forbid fused multiply-adds, so that values match ggml's
// dequantization bit for bit.
#ifndef PRECISE
#define PRECISE
#endif

layout(std430, binding = WBINDING) readonly buffer CAT(WNAME, Words16) {
  uint16_t CAT(WNAME, _w16)[];
};
layout(std430, binding = WBINDING) readonly buffer CAT(WNAME, Words32) {
  uint CAT(WNAME, _w32)[];
};
#define W16(i) uint(CAT(WNAME, _w16)[i])
#define W32(i) CAT(WNAME, _w32)[i]
// Byte i counted from 16-bit word index b16 / 32-bit word index b32.
#define B16(b16, i) ((W16((b16) + ((i) >> 1)) >> (8u * ((i) & 1u))) & 0xFFu)
#define B32(b32, i) ((W32((b32) + ((i) >> 2)) >> (8u * ((i) & 3u))) & 0xFFu)

void CAT(WNAME, _unit)(uint rb, uint u, uint K, out float v[32]) {
#if defined(W_F32)
  uint e0 = 32u * u;
  uint base = rb / 4u + e0;
  if (e0 + 32u <= K) {
    [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] = uintBitsToFloat(W32(base + i));
  } else {
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      float w = uintBitsToFloat(W32(base + min(i, K - 1u - e0)));  // never past the row
      v[i] = e0 + i < K ? w : 0.0;
    }
  }
#elif defined(W_F16) || defined(W_BF16)
  uint e0 = 32u * u;
  uint base = rb / 2u + e0;
  if (e0 + 32u <= K && (base & 1u) == 0u) {
    [[unroll]] for (uint i = 0; i < 16u; ++i) {
      uint w = W32(base / 2u + i);
#if defined(W_F16)
      vec2 f = unpackHalf2x16(w);
      v[2u * i] = f.x;
      v[2u * i + 1u] = f.y;
#else
      v[2u * i] = uintBitsToFloat(w << 16);
      v[2u * i + 1u] = uintBitsToFloat(w & 0xFFFF0000u);
#endif
    }
  } else {
    [[unroll]] for (uint i = 0; i < 32u; ++i) {
      uint h = W16(base + min(i, K - 1u - e0));  // never past the row
      h = e0 + i < K ? h : 0u;
#if defined(W_F16)
      v[i] = unpackHalf2x16(h).x;
#else
      v[i] = uintBitsToFloat(h << 16);
#endif
    }
  }
#elif defined(W_Q4_0)
  uint b = rb / 2u + 9u * u;  // 18 bytes: d, qs[16]
  float d = unpackHalf2x16(W16(b)).x;
  [[unroll]] for (uint j = 0; j < 8u; ++j) {
    uint q = W16(b + 1u + j);  // bytes 2j, 2j+1
    v[2u * j] = float(int(q & 0xFu) - 8) * d;
    v[2u * j + 1u] = float(int((q >> 8) & 0xFu) - 8) * d;
    v[2u * j + 16u] = float(int((q >> 4) & 0xFu) - 8) * d;
    v[2u * j + 17u] = float(int((q >> 12) & 0xFu) - 8) * d;
  }
#elif defined(W_Q4_1)
  uint b = rb / 4u + 5u * u;  // 20 bytes: d, m, qs[16]
  vec2 dm = unpackHalf2x16(W32(b));
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    uint q = W32(b + 1u + i);  // bytes 4i .. 4i+3
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      PRECISE float lo = float((q >> (8u * c)) & 0xFu) * dm.x + dm.y;
      PRECISE float hi = float((q >> (8u * c + 4u)) & 0xFu) * dm.x + dm.y;
      v[4u * i + c] = lo;
      v[4u * i + c + 16u] = hi;
    }
  }
#elif defined(W_Q5_0)
  uint b = rb / 2u + 11u * u;  // 22 bytes: d, qh[4], qs[16]
  float d = unpackHalf2x16(W16(b)).x;
  uint qh = W16(b + 1u) | (W16(b + 2u) << 16);
  [[unroll]] for (uint j = 0; j < 8u; ++j) {
    uint q = W16(b + 3u + j);  // bytes 2j, 2j+1
    uint e = 2u * j;
    v[e] = float(int((q & 0xFu) | (((qh >> e) & 1u) << 4)) - 16) * d;
    v[e + 1u] = float(int(((q >> 8) & 0xFu) | (((qh >> (e + 1u)) & 1u) << 4)) - 16) * d;
    v[e + 16u] = float(int(((q >> 4) & 0xFu) | (((qh >> (e + 16u)) & 1u) << 4)) - 16) * d;
    v[e + 17u] = float(int(((q >> 12) & 0xFu) | (((qh >> (e + 17u)) & 1u) << 4)) - 16) * d;
  }
#elif defined(W_Q5_1)
  uint b = rb / 4u + 6u * u;  // 24 bytes: d, m, qh[4], qs[16]
  vec2 dm = unpackHalf2x16(W32(b));
  uint qh = W32(b + 1u);
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    uint q = W32(b + 2u + i);
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint e = 4u * i + c;
      uint lo = ((q >> (8u * c)) & 0xFu) | (((qh >> e) & 1u) << 4);
      uint hi = ((q >> (8u * c + 4u)) & 0xFu) | (((qh >> (e + 16u)) & 1u) << 4);
      PRECISE float vlo = float(lo) * dm.x + dm.y;
      PRECISE float vhi = float(hi) * dm.x + dm.y;
      v[e] = vlo;
      v[e + 16u] = vhi;
    }
  }
#elif defined(W_Q8_0)
  uint b = rb / 2u + 17u * u;  // 34 bytes: d, qs[32]
  float d = unpackHalf2x16(W16(b)).x;
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    int q = int(W16(b + 1u + j));
    v[2u * j] = float(bitfieldExtract(q, 0, 8)) * d;
    v[2u * j + 1u] = float(bitfieldExtract(q, 8, 8)) * d;
  }
#elif defined(W_Q4_K) || defined(W_Q5_K)
#if defined(W_Q4_K)
  uint b = rb / 4u + 36u * (u / 8u);  // 144 bytes: d, dmin, scales[12], qs[128]
  uint qs = b + 4u;
#else
  uint b = rb / 4u + 44u * (u / 8u);  // 176 bytes: d, dmin, scales[12], qh[32], qs[128]
  uint qs = b + 12u;
#endif
  uint g = u % 8u;
  vec2 dm = unpackHalf2x16(W32(b));
  uint sc, mn;  // ggml's get_scale_min_k4
  if (g < 4u) {
    sc = B32(b + 1u, g) & 63u;
    mn = B32(b + 1u, g + 4u) & 63u;
  } else {
    sc = (B32(b + 1u, g + 4u) & 0xFu) | ((B32(b + 1u, g - 4u) >> 6) << 4);
    mn = (B32(b + 1u, g + 4u) >> 4) | ((B32(b + 1u, g) >> 6) << 4);
  }
  PRECISE float dl = dm.x * float(sc);
  PRECISE float ml = dm.y * float(mn);
  uint shift = 4u * (g % 2u);
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    uint q = W32(qs + 8u * (g / 2u) + i);  // bytes 4i .. 4i+3 of this group's 32
#if defined(W_Q5_K)
    uint h = W32(b + 4u + i);  // qh bytes 4i .. 4i+3
#endif
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint val = (q >> (8u * c + shift)) & 0xFu;
#if defined(W_Q5_K)
      val |= ((h >> (8u * c + g)) & 1u) << 4;
#endif
      PRECISE float r = dl * float(val) - ml;
      v[4u * i + c] = r;
    }
  }
#elif defined(W_Q6_K)
  uint b = rb / 2u + 105u * (u / 8u);  // 210 bytes: ql[128], qh[64], scales[16], d
  uint g = u % 8u;
  uint half_ = g / 4u;
  uint s = g % 4u;
  float d = unpackHalf2x16(W16(b + 104u)).x;
  uint ql = b + 32u * half_ + 16u * (s % 2u);  // 16-bit word of ql[64 half + 32 (s % 2)]
  uint qh = b + 64u + 16u * half_;               // 16-bit word of qh[32 half]
  uint lshift = 4u * (s / 2u);
  uint hshift = 2u * s;
  uint sw = W16(b + 96u + 4u * half_ + s);  // scales[8 half + 2 s] and [8 half + 2 s + 1]
  PRECISE float d0 = d * float(bitfieldExtract(int(sw), 0, 8));
  PRECISE float d1 = d * float(bitfieldExtract(int(sw), 8, 8));
  [[unroll]] for (uint j = 0; j < 16u; ++j) {
    uint lw = W16(ql + j);
    uint hw = W16(qh + j);
    [[unroll]] for (uint c = 0; c < 2u; ++c) {
      uint l = 2u * j + c;
      uint lo = (lw >> (8u * c + lshift)) & 0xFu;
      uint hi = (hw >> (8u * c + hshift)) & 3u;
      PRECISE float r = (l < 16u ? d0 : d1) * float(int(lo | (hi << 4)) - 32);
      v[l] = r;
    }
  }
#else
#error "weights.glsl: define one W_<TYPE>"
#endif
}

// Matrix x vector reads a row in parts that neighbouring invocations take in turn, so that a
// subgroup's loads cover consecutive bytes: PART_ELEMS elements per part, 8 parts per Q4_0 /
// Q8_0 block, 4 per Q4_1 / Q5_0 / Q5_1 block, 16 per Q4_K / Q5_K / Q6_K super-block, 4
// consecutive elements for the float types. (Q4_0 keeps 4-element parts: 8-element ones measured
// 1.5x slower for it on llvmpipe, probably because 8 lanes then share one block and its scale;
// Q4_1 / Q5_0 / Q5_1 measured 1.5-1.9x faster with 8. docs/PERFORMANCE.md, issue 8.)
//   uint WNAME_part_elem(uint p, uint i): the row index of value i of part p
//   float WNAME_part_dot(uint rb, uint p, uint K, float xv[PART_ELEMS]): that part's dot
//     product with xv (xv[i] = x[part_elem(p, i)], zero past K).
#ifndef PART_ELEMS
#if defined(W_Q4_K) || defined(W_Q5_K) || defined(W_Q6_K)
#define PART_ELEMS 16u
#elif defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1)
#define PART_ELEMS 8u
#else
#define PART_ELEMS 4u
#endif
#endif

uint CAT(WNAME, _part_elem)(uint p, uint i) {
#if defined(W_F32) || defined(W_F16) || defined(W_BF16) || defined(W_Q8_0)
  return 4u * p + i;
#elif defined(W_Q4_0)
  // Byte pair j of the block's nibbles: elements 2j, 2j + 1 (low) and 2j + 16, 2j + 17 (high).
  return 32u * (p / 8u) + 2u * (p % 8u) + (i & 1u) + 16u * (i >> 1);
#elif defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1)
  // Bytes 4j .. 4j + 3 of the block's nibbles: elements 4j .. 4j + 3 (low), 4j + 16 .. (high).
  return 32u * (p / 4u) + 4u * (p % 4u) + (i & 3u) + 16u * (i >> 2);
#elif defined(W_Q4_K) || defined(W_Q5_K)
  // qs words 2l, 2l + 1 of the super-block: bytes 32 (l / 4) + 8 (l % 4) + 0..7 of one pair of
  // groups, low nibbles (group 2 (l / 4)) then high nibbles (the next group).
  uint l = p % 16u;
  return 256u * (p / 16u) + 64u * (l / 4u) + 8u * (l % 4u) + (i & 7u) + 32u * (i >> 3);
#elif defined(W_Q6_K)
  // Half h, positions 4k .. 4k + 3 of each of the four 32-element runs s (value i = 4 s + c).
  uint l = p % 16u;
  return 256u * (p / 16u) + 128u * (l / 8u) + 4u * (l % 8u) + (i & 3u) + 32u * (i >> 2);
#endif
}

float CAT(WNAME, _part_dot)(uint rb, uint p, uint K, float xv[PART_ELEMS]) {
#if defined(W_F32)
  uint e = 4u * p;
  uint base = rb / 4u + e;
  float s = 0.0;
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    float w = uintBitsToFloat(W32(base + min(i, K - 1u - e)));  // never past the row
    s += e + i < K ? w * xv[i] : 0.0;
  }
  return s;
#elif defined(W_F16) || defined(W_BF16)
  uint e = 4u * p;
  uint base = rb / 2u + e;
  float w[4];
  if (e + 4u <= K && (base & 1u) == 0u) {
    uint a = W32(base / 2u), b = W32(base / 2u + 1u);
#if defined(W_F16)
    vec2 fa = unpackHalf2x16(a), fb = unpackHalf2x16(b);
    w[0] = fa.x; w[1] = fa.y; w[2] = fb.x; w[3] = fb.y;
#else
    w[0] = uintBitsToFloat(a << 16); w[1] = uintBitsToFloat(a & 0xFFFF0000u);
    w[2] = uintBitsToFloat(b << 16); w[3] = uintBitsToFloat(b & 0xFFFF0000u);
#endif
  } else {
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      uint h = W16(base + min(i, K - 1u - e));  // never past the row
      h = e + i < K ? h : 0u;
#if defined(W_F16)
      w[i] = unpackHalf2x16(h).x;
#else
      w[i] = uintBitsToFloat(h << 16);
#endif
    }
  }
  return w[0] * xv[0] + w[1] * xv[1] + w[2] * xv[2] + w[3] * xv[3];
#elif defined(W_Q4_0)
  uint blk = p / 8u, j = p % 8u;
  uint b = rb / 2u + 9u * blk;
  float d = unpackHalf2x16(W16(b)).x;
  uint q = W16(b + 1u + j);
  float q0 = float(q & 0xFu), q1 = float((q >> 8) & 0xFu);
  float q2 = float((q >> 4) & 0xFu), q3 = float(q >> 12);
  float s = q0 * xv[0] + q1 * xv[1] + q2 * xv[2] + q3 * xv[3];
  return d * (s - 8.0 * (xv[0] + xv[1] + xv[2] + xv[3]));
#elif defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1)
  uint blk = p / 4u, j = p % 4u;
#if defined(W_Q4_1)
  uint b = rb / 2u + 10u * blk;
  vec2 dm = unpackHalf2x16(W16(b) | (W16(b + 1u) << 16));
  uint q = W16(b + 2u + 2u * j) | (W16(b + 3u + 2u * j) << 16);
#elif defined(W_Q5_0)
  uint b = rb / 2u + 11u * blk;
  float d = unpackHalf2x16(W16(b)).x;
  uint qh = (W16(b + 1u) | (W16(b + 2u) << 16)) >> (4u * j);
  uint q = W16(b + 3u + 2u * j) | (W16(b + 4u + 2u * j) << 16);
#else
  uint b = rb / 2u + 12u * blk;
  vec2 dm = unpackHalf2x16(W16(b) | (W16(b + 1u) << 16));
  uint qh = (W16(b + 2u) | (W16(b + 3u) << 16)) >> (4u * j);
  uint q = W16(b + 4u + 2u * j) | (W16(b + 5u + 2u * j) << 16);
#endif
  // q: bytes 4j .. 4j + 3; value i < 4 is the low nibble of byte i, i >= 4 the high one of i - 4.
  float s = 0.0, sx = 0.0;
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    float v = float((q >> (8u * (i & 3u) + 4u * (i >> 2))) & 0xFu);
#if defined(W_Q5_0) || defined(W_Q5_1)
    v += float(((qh >> ((i & 3u) + 16u * (i >> 2))) & 1u) << 4);
#endif
    s += v * xv[i];
    sx += xv[i];
  }
#if defined(W_Q5_0)
  return d * (s - 16.0 * sx);
#else
  return dm.x * s + dm.y * sx;
#endif
#elif defined(W_Q8_0)
  uint b = rb / 2u + 17u * (p / 8u);
  uint j = p % 8u;
  float d = unpackHalf2x16(W16(b)).x;
  int q01 = int(W16(b + 1u + 2u * j)), q23 = int(W16(b + 2u + 2u * j));
  return d * (float(bitfieldExtract(q01, 0, 8)) * xv[0] + float(bitfieldExtract(q01, 8, 8)) * xv[1] +
              float(bitfieldExtract(q23, 0, 8)) * xv[2] + float(bitfieldExtract(q23, 8, 8)) * xv[3]);
#elif defined(W_Q4_K) || defined(W_Q5_K)
  uint l = p % 16u;
#if defined(W_Q4_K)
  uint b = rb / 4u + 36u * (p / 16u);
  uint qw = b + 4u + 2u * l;
#else
  uint b = rb / 4u + 44u * (p / 16u);
  uint qw = b + 12u + 2u * l;
  uint hw = b + 4u + 2u * (l % 4u);  // qh bytes 8 (l % 4) .. +7
  uint hshift = 2u * (l / 4u);       // bit of the low group; +1 for the high group
#endif
  vec2 dm = unpackHalf2x16(W32(b));
  uint g = 2u * (l / 4u);  // the low nibbles' group; g + 1 the high nibbles'
  uint sc0, mn0, sc1, mn1;
  if (g < 4u) {
    sc0 = B32(b + 1u, g) & 63u;
    mn0 = B32(b + 1u, g + 4u) & 63u;
    sc1 = B32(b + 1u, g + 1u) & 63u;
    mn1 = B32(b + 1u, g + 5u) & 63u;
  } else {
    sc0 = (B32(b + 1u, g + 4u) & 0xFu) | ((B32(b + 1u, g - 4u) >> 6) << 4);
    mn0 = (B32(b + 1u, g + 4u) >> 4) | ((B32(b + 1u, g) >> 6) << 4);
    sc1 = (B32(b + 1u, g + 5u) & 0xFu) | ((B32(b + 1u, g - 3u) >> 6) << 4);
    mn1 = (B32(b + 1u, g + 5u) >> 4) | ((B32(b + 1u, g + 1u) >> 6) << 4);
  }
  float s0 = 0.0, s1 = 0.0, x0 = 0.0, x1 = 0.0;
  [[unroll]] for (uint w = 0; w < 2u; ++w) {
    uint q = W32(qw + w);
#if defined(W_Q5_K)
    uint h = W32(hw + w) >> hshift;
#endif
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      uint lo = (q >> (8u * c)) & 0xFu;
      uint hi = (q >> (8u * c + 4u)) & 0xFu;
#if defined(W_Q5_K)
      lo |= ((h >> (8u * c)) & 1u) << 4;
      hi |= ((h >> (8u * c + 1u)) & 1u) << 4;
#endif
      s0 += float(lo) * xv[4u * w + c];
      s1 += float(hi) * xv[4u * w + c + 8u];
      x0 += xv[4u * w + c];
      x1 += xv[4u * w + c + 8u];
    }
  }
  return dm.x * (float(sc0) * s0 + float(sc1) * s1) - dm.y * (float(mn0) * x0 + float(mn1) * x1);
#elif defined(W_Q6_K)
  uint l = p % 16u;
  uint hf = l / 8u, k = l % 8u;
  uint b = rb / 2u + 105u * (p / 16u);
  float d = unpackHalf2x16(W16(b + 104u)).x;
  uint o = 32u * hf + 2u * k;
  uint qa = W16(b + o) | (W16(b + o + 1u) << 16);         // ql[64 h + 4k ..]: runs 0, 2
  uint qb = W16(b + o + 16u) | (W16(b + o + 17u) << 16);  // ql[64 h + 32 + 4k ..]: runs 1, 3
  uint qh = W16(b + 64u + 16u * hf + 2u * k) | (W16(b + 65u + 16u * hf + 2u * k) << 16);
  uint sh = 8u * (k / 4u);  // scales[8 h + 2 s + (4k) / 16]: low or high byte of word s
  float s = 0.0;
  [[unroll]] for (uint r = 0; r < 4u; ++r) {
    uint ql = r % 2u == 0u ? qa : qb;
    uint ls = 4u * (r / 2u);
    float sc = float(bitfieldExtract(int(W16(b + 96u + 4u * hf + r)), int(sh), 8));
    float t = 0.0;
    [[unroll]] for (uint c = 0; c < 4u; ++c) {
      int v = int(((ql >> (8u * c + ls)) & 0xFu) | (((qh >> (8u * c + 2u * r)) & 3u) << 4)) - 32;
      t += float(v) * xv[4u * r + c];
    }
    s += sc * t;
  }
  return d * s;
#endif
}

#undef W16
#undef W32
#undef B16
#undef B32

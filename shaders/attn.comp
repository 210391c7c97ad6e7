// Causal attention over an f16 KV cache for n_tok queries at positions pos0 .. pos0 + n_tok - 1
// (decode: n_tok = 1; pos0: the step buffer's word plus pos_off). Grouped-query heads: a workgroup takes up to MAX_G query heads that
// share one KV head, so each K and V row is read once for all of them, and one CHUNK of cache
// positions (split-K: long contexts spread over many workgroups). It computes that chunk's
// scores, their max m and sum l of exp(score - m), and o = sum exp(score - m) v. A query whose
// positions fit in one chunk is finished here; otherwise the partial (m, l, o) goes to the
// scratch buffer and attn_reduce.comp combines the chunks.
// Cache layout: a row holds n_head_kv heads of head_dim values, position p at row p % rows (a
// sliding-window layer's ring, llm::KvCache; a full cache has a row per position); q and out:
// n_head * head_dim per token. head_dim is even and at most 4 * the workgroup size.
// The "llama" variant rounds as ggml's CPU flash attention does (ref::attention_llama_cpp): the
// query to fp16, and o kept in fp16 as the cache rows are taken in order, each row first
// rescaling o when its score is a new running maximum, then adding v * exp(score - max).
// "llama_qscaled" is that for llama.cpp's phi3 and gemma graphs, which multiply the query by the
// scale before attention (so the scaled query is what rounds to fp16) and attend with scale 1.
// Sliding-window layers (window > 0) see only keys lo = max(0, pos - window + 1) .. pos, as
// llama.cpp's LLAMA_SWA_TYPE_STANDARD mask: chunks start at lo, so no workgroup runs over masked
// keys. A soft-cap (softcap > 0, gemma2) turns each score s into softcap * tanh(s / softcap), as
// ggml's flash attention does (s * (scale / softcap), then tanh, then * softcap).
#version 450
// variant: exact
// variant: llama -DLLAMA_CPP
// variant: llama_qscaled -DLLAMA_CPP -DSCALED_QUERY
// fallback: nosg
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint CHUNK = 128;
layout(constant_id = 2) const uint MAX_G = 8;
#include "common.glsl"
#include "rounding.glsl"

#define MAX_PAIRS 2u  // head-dim pairs per invocation

// Mirrors AttentionPush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n_head;
  uint n_head_kv;
  uint head_dim;
  uint pos_off;
  uint n_tok;
  uint q_off;        // elements
  uint q_stride;     // elements between tokens (q and out)
  uint kc_off;       // 32-bit words (element pairs)
  uint vc_off;
  uint out_off;
  uint scratch_off;  // elements
  uint n_chunks;     // chunks the longest query may have (the grid's y; ops::Positions::end)
  uint g_per_wg;     // query heads per workgroup (<= MAX_G)
  float scale;
  uint window;        // 0: the whole context
  float softcap;      // 0: none
  float softcap_inv;  // 1 / softcap
  uint rows;          // cache rows: key position p is row p % rows
  uint step_off;
} pc;

layout(std430, binding = 0) readonly buffer Q { float q[]; };
// The caches as storage texel buffers (rgba32ui, 8 halves per texel): a CPU driver gathers them
// as vectors (weights.glsl); kc(i) / vc(i) is 32-bit word i (a pair of halves).
layout(binding = 1, rgba32ui) uniform readonly uimageBuffer kc_t;
layout(binding = 2, rgba32ui) uniform readonly uimageBuffer vc_t;
#define kc4(i) imageLoad(kc_t, int(i))
#define kc(i) texel_word(imageLoad(kc_t, int((i) >> 2)), (i) & 3u)
#define vc(i) texel_word(imageLoad(vc_t, int((i) >> 2)), (i) & 3u)
layout(std430, binding = 3) writeonly buffer Out { float o[]; };
layout(std430, binding = 4) writeonly buffer Scratch { float scratch[]; };
// The pass's first position, written by the host before each submit (ops::Positions).
layout(std430, binding = 5) readonly buffer Step { int step[]; };

shared float qs[MAX_G * 4u * WG_SIZE];
shared float sc[MAX_G * CHUNK];
#ifdef LLAMA_CPP
// Per row: the factor that rescales o (stored negated: a new running maximum) or the weight of v.
shared float wt[MAX_G * CHUNK];
shared float wsum[MAX_G];  // the softmax sum, formed row by row as ggml forms it
shared float wmax[MAX_G];  // the chunk's largest score
#endif

void main() {
  uint tid = gl_LocalInvocationIndex;
  uint group = pc.n_head / pc.n_head_kv;
  uint splits = (group + pc.g_per_wg - 1u) / pc.g_per_wg;
  uint kvh = gl_WorkGroupID.x / splits;
  uint g0 = (gl_WorkGroupID.x % splits) * pc.g_per_wg;
  uint G = min(pc.g_per_wg, group - g0);
  uint h0 = kvh * group + g0;
  uint c = gl_WorkGroupID.y;
  uint t = gl_WorkGroupID.z;
  uint hd = pc.head_dim;
  uint n_kv = uint(step[pc.step_off]) + pc.pos_off + t + 1u;
  uint lo = pc.window > 0u && n_kv > pc.window ? n_kv - pc.window : 0u;
  uint start = lo + c * CHUNK;
  // Uniform: this query's keys end before this chunk (a replayed decode step's grid covers the
  // whole context, ops::Positions).
  if (start >= n_kv) return;
  uint len = min(CHUNK, n_kv - start);
  uint nct = (n_kv - lo + CHUNK - 1u) / CHUNK;
  uint row_words = pc.n_head_kv * hd / 2u;
  uint head_words = kvh * hd / 2u;

  uint qb = pc.q_off + t * pc.q_stride + h0 * hd;
#if defined(SCALED_QUERY)
  for (uint i = tid; i < G * hd; i += WG_SIZE) qs[i] = round_fp16(q[qb + i] * pc.scale);
#elif defined(LLAMA_CPP)
  for (uint i = tid; i < G * hd; i += WG_SIZE) qs[i] = round_fp16(q[qb + i]);
#else
  for (uint i = tid; i < G * hd; i += WG_SIZE) qs[i] = q[qb + i];
#endif
  barrier();  // the queries are in shared memory before the scores use them

  float lmax[MAX_G];
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) lmax[g] = uintBitsToFloat(0xFF800000u);
  for (uint j = tid; j < len; j += WG_SIZE) {
    float dot[MAX_G];
    [[unroll]] for (uint g = 0; g < MAX_G; ++g) dot[g] = 0.0;
    uint kb = pc.kc_off + ((start + j) % pc.rows) * row_words + head_words;
    if ((kb & 3u) == 0u && (hd & 7u) == 0u) {
      // Aligned rows: 16-byte loads (uniform: kc_off, row_words and head_words decide).
      for (uint d8 = 0; d8 < hd / 8u; ++d8) {
        uvec4 w = kc4(kb / 4u + d8);
        vec2 k0 = unpackHalf2x16(w.x), k1 = unpackHalf2x16(w.y);
        vec2 k2 = unpackHalf2x16(w.z), k3 = unpackHalf2x16(w.w);
        [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
          if (g >= G) continue;
          uint qi = g * hd + 8u * d8;
          dot[g] += qs[qi] * k0.x + qs[qi + 1u] * k0.y + qs[qi + 2u] * k1.x + qs[qi + 3u] * k1.y +
                    qs[qi + 4u] * k2.x + qs[qi + 5u] * k2.y + qs[qi + 6u] * k3.x +
                    qs[qi + 7u] * k3.y;
        }
      }
    } else {
      for (uint d2 = 0; d2 < hd / 2u; ++d2) {
        vec2 kk = unpackHalf2x16(kc(kb + d2));
        [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
          if (g < G) dot[g] += qs[g * hd + 2u * d2] * kk.x + qs[g * hd + 2u * d2 + 1u] * kk.y;
        }
      }
    }
    [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
#ifdef SCALED_QUERY
      float s = dot[g];
#else
      float s = dot[g] * pc.scale;
#endif
      if (pc.softcap > 0.0) s = pc.softcap * tanh_clamped(s * pc.softcap_inv);
      sc[g * CHUNK + j] = s;
      lmax[g] = max(lmax[g], s);
    }
  }
  float m[MAX_G], l[MAX_G];
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) m[g] = wg_max(lmax[g]);  // barriers: sc complete
#ifdef LLAMA_CPP
  // Row j's step of the online softmax, from the running maximum of rows 0 .. j-1 (scores stay in
  // sc).
  float run[MAX_G];
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) run[g] = uintBitsToFloat(0xFF800000u);
  uint seen = 0u;
  for (uint j = tid; j < len; j += WG_SIZE) {
    for (; seen < j; ++seen) {
      [[unroll]] for (uint g = 0; g < MAX_G; ++g) run[g] = max(run[g], sc[g * CHUNK + seen]);
    }
    [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
      float s = sc[g * CHUNK + j];
      // A new maximum rescales o by exp(old - new) (0 for the first row); otherwise v weighs
      // exp(s - max).
      float r = run[g];
      wt[g * CHUNK + j] = s <= r                              ? exp(s - r)
                          : r == uintBitsToFloat(0xFF800000u) ? uintBitsToFloat(0x80000000u)
                                                              : -exp(r - s);
    }
  }
  barrier();  // wt complete
  if (tid == 0u) {
    // sum = sum * rescale + weight, row by row, each operation rounded (ggml's order).
    [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
      precise float sum = 0.0;
      for (uint j = 0; j < len; ++j) {
        float w = wt[g * CHUNK + j];
        if ((floatBitsToUint(w) & 0x80000000u) != 0u) {
          precise float scaled = sum * -w;
          sum = scaled + 1.0;
        } else {
          sum = sum + w;
        }
      }
      wsum[g] = sum;
      wmax[g] = m[g];
    }
  }
  barrier();  // wsum and wmax complete
#else
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) lmax[g] = 0.0;  // now the local sums
  for (uint j = tid; j < len; j += WG_SIZE) {
    [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
      float p = exp(sc[g * CHUNK + j] - m[g]);
      sc[g * CHUNK + j] = p;
      lmax[g] += p;
    }
  }
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) l[g] = wg_sum(lmax[g]);  // barriers: p complete
#endif

#ifdef LLAMA_CPP
  // One query head at a time (G of them, MAX_G not unrolled: each row costs two fp16 roundings
  // per element).
  uint vb = pc.vc_off + head_words;
  for (uint g = 0; g < G; ++g) {
    vec2 acc[MAX_PAIRS];
    [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) acc[i] = vec2(0.0);
    for (uint j = 0; j < len; ++j) {
      // Rescaling by 1 leaves the fp16 value as it is: no branch.
      float w = wt[g * CHUNK + j];
      bool rescale = (floatBitsToUint(w) & 0x80000000u) != 0u;
      float ms = rescale ? -w : 1.0, vs = rescale ? 1.0 : w;
      [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
        uint dp = tid + i * WG_SIZE;
        if (dp >= hd / 2u) continue;
        vec2 vv = unpackHalf2x16(vc(vb + ((start + j) % pc.rows) * row_words + dp));
        acc[i] = round_fp16(fma(vv, vec2(vs), round_fp16(acc[i] * ms)));
      }
    }
    uint h = h0 + g;
    float sum = wsum[g];
    if (nct == 1u) {
      uint ob = pc.out_off + t * pc.q_stride + h * hd;
      float inv = div_rn(1.0, sum);  // ggml multiplies by 1 / sum
      [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
        uint dp = tid + i * WG_SIZE;
        if (dp >= hd / 2u) continue;
        o[ob + 2u * dp] = acc[i].x * inv;
        o[ob + 2u * dp + 1u] = acc[i].y * inv;
      }
    } else {
      uint sb = pc.scratch_off + ((t * pc.n_head + h) * pc.n_chunks + c) * (hd + 2u);
      if (tid == 0u) {
        scratch[sb] = wmax[g];
        scratch[sb + 1u] = sum;
      }
      [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
        uint dp = tid + i * WG_SIZE;
        if (dp >= hd / 2u) continue;
        scratch[sb + 2u + 2u * dp] = acc[i].x;
        scratch[sb + 3u + 2u * dp] = acc[i].y;
      }
    }
  }
#else
  vec2 acc[MAX_G][MAX_PAIRS];
  [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
    [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) acc[g][i] = vec2(0.0);
  }
  for (uint j = 0; j < len; ++j) {
    uint vb = pc.vc_off + ((start + j) % pc.rows) * row_words + head_words;
    [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
      uint dp = tid + i * WG_SIZE;
      if (dp >= hd / 2u) continue;
      vec2 vv = unpackHalf2x16(vc(vb + dp));
      [[unroll]] for (uint g = 0; g < MAX_G; ++g) acc[g][i] += sc[g * CHUNK + j] * vv;
    }
  }

  [[unroll]] for (uint g = 0; g < MAX_G; ++g) {
    if (g >= G) continue;
    uint h = h0 + g;
    if (nct == 1u) {
      uint ob = pc.out_off + t * pc.q_stride + h * hd;
      [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
        uint dp = tid + i * WG_SIZE;
        if (dp >= hd / 2u) continue;
        o[ob + 2u * dp] = acc[g][i].x / l[g];
        o[ob + 2u * dp + 1u] = acc[g][i].y / l[g];
      }
    } else {
      uint sb = pc.scratch_off + ((t * pc.n_head + h) * pc.n_chunks + c) * (hd + 2u);
      if (tid == 0u) {
        scratch[sb] = m[g];
        scratch[sb + 1u] = l[g];
      }
      [[unroll]] for (uint i = 0; i < MAX_PAIRS; ++i) {
        uint dp = tid + i * WG_SIZE;
        if (dp >= hd / 2u) continue;
        scratch[sb + 2u + 2u * dp] = acc[g][i].x;
        scratch[sb + 3u + 2u * dp] = acc[g][i].y;
      }
    }
  }
#endif
}

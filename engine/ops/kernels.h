// The compute kernels of shaders/*.comp as the host sees them: one push-constant struct per
// shader (each static_asserts its size against the GLSL block it mirrors), the sizes that go
// into specialization constants, and a cache that builds each pipeline once per context.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "gguf/ggml_types.h"
#include "vk/buffer.h"
#include "vk/pipeline.h"

namespace vkchat::vk {
class Context;
struct DeviceInfo;
}  // namespace vkchat::vk

namespace vkchat::ops {

// shaders/matvec.comp and shaders/matmul.comp (which ignores w2_off)
struct LinearPush {
  std::uint32_t K, N, row_bytes, w_off, w2_off, x_off, y_off, x_stride, y_stride, n_tok;
};
static_assert(sizeof(LinearPush) == 10 * 4);
// shaders/matvec.comp built with -DBY_ID (its "id_" variants): LinearPush, then the routing's
// expert ids and the stacked experts' layout.
struct LinearIdPush {
  LinearPush linear;
  std::uint32_t ids_off, x_div, expert_bytes, n_expert;
};
static_assert(sizeof(LinearIdPush) == 14 * 4);
inline constexpr std::uint32_t kMatmulTileRows = 32, kMatmulTileTokens = 32;  // BM, BN

// shaders/embed.comp
struct EmbedPush {
  std::uint32_t K, n_rows, row_bytes, w_off, ids_off, out_off, out_stride, n_tok, row_base,
      rows_per_id;
};
static_assert(sizeof(EmbedPush) == 10 * 4);

// shaders/rmsnorm.comp
struct RmsnormPush {
  std::uint32_t n, rows, x_off, b_off, w_off, sum_off, out_off, stride;
  float eps;
};
static_assert(sizeof(RmsnormPush) == 9 * 4);

// shaders/elementwise.comp
struct ElementwisePush {
  std::uint32_t n, nb, a_off, b_off, out_off;
};
static_assert(sizeof(ElementwisePush) == 5 * 4);

// shaders/rope.comp
// pos_off: the first token's position past the step word's; step_off: that word's index in its
// binding (ops::Positions). Likewise in kv_write, attn and attn_reduce.
struct RopePush {
  std::uint32_t n_heads, head_dim, n_rot, pos_off, n_tok, x_off, x_stride, table_off, neox,
      step_off;
};
static_assert(sizeof(RopePush) == 10 * 4);

// shaders/kv_write.comp
struct KvWritePush {
  std::uint32_t row, n_tok, pos_off, k_off, v_off, src_stride, kc_off, vc_off;
  std::uint32_t rows;  // cache rows: position p is row p % rows
  std::uint32_t step_off;
};
static_assert(sizeof(KvWritePush) == 10 * 4);

// shaders/attn.comp
struct AttentionPush {
  std::uint32_t n_head, n_head_kv, head_dim, pos_off, n_tok, q_off, q_stride, kc_off, vc_off,
      out_off, scratch_off, n_chunks, g_per_wg;
  float scale;
  std::uint32_t window;
  float softcap, softcap_inv;
  std::uint32_t rows;  // cache rows: key position p is row p % rows
  std::uint32_t step_off;
};
static_assert(sizeof(AttentionPush) == 19 * 4);

// shaders/attn_reduce.comp
struct AttnReducePush {
  std::uint32_t n_head, head_dim, pos_off, n_tok, chunk, n_chunks, scratch_off, out_off, out_stride,
      window, step_off;
};
static_assert(sizeof(AttnReducePush) == 11 * 4);

// shaders/scale.comp
struct ScalePush {
  std::uint32_t n, x_off;
  float a, cap;
};
static_assert(sizeof(ScalePush) == 4 * 4);

// shaders/argmax.comp
struct ArgmaxPush {
  std::uint32_t n, x_off, x_stride, out_off;
};
static_assert(sizeof(ArgmaxPush) == 4 * 4);

// shaders/topk.comp
struct TopkPush {
  std::uint32_t n, x_off, k, out_off;
};
static_assert(sizeof(TopkPush) == 4 * 4);
// The most elements topk.comp takes (sampler::kMaxAlternatives), and the words it writes.
inline constexpr std::uint32_t kTopkMax = 10;
inline constexpr std::uint32_t topk_words(std::uint32_t k) {
  return 2 * k + 2;
}

// shaders/moe_route.comp
struct MoeRoutePush {
  std::uint32_t n_used, logits_off, ids_off, weights_off, norm;
};
static_assert(sizeof(MoeRoutePush) == 5 * 4);

// shaders/moe_combine.comp
struct MoeCombinePush {
  std::uint32_t n, n_tok, n_used, y_off, w_off, out_off;
};
static_assert(sizeof(MoeCombinePush) == 6 * 4);

// shaders/moe_shared_add.comp
struct MoeSharedAddPush {
  std::uint32_t n, n_tok, x_off, y_off, g_off;
};
static_assert(sizeof(MoeSharedAddPush) == 5 * 4);

// shaders/copy.comp
struct CopyPush {
  std::uint32_t n, src_off, dst_off;
};
static_assert(sizeof(CopyPush) == 3 * 4);

// shaders/delta_conv.comp
struct DeltaConvPush {
  std::uint32_t channels, n_tok, d_conv, x_off, x_stride, w_off, win_off, out_off, out_stride;
};
static_assert(sizeof(DeltaConvPush) == 9 * 4);
inline constexpr std::uint32_t kMaxConvTaps = 8;  // delta_conv's MAX_TAPS: d_conv at most this

// shaders/delta_gates.comp
struct DeltaGatesPush {
  std::uint32_t n, n_heads, alpha_off, beta_off, dt_off, a_off, g_off, b_off;
};
static_assert(sizeof(DeltaGatesPush) == 8 * 4);

// shaders/delta_step.comp
struct DeltaStepPush {
  std::uint32_t n_k_heads, n_v_heads, n_tok, q_off, k_off, v_off, in_stride, g_off, beta_off,
      state_off, out_off;
  float eps, scale;
};
static_assert(sizeof(DeltaStepPush) == 13 * 4);

// Sizes baked into the pipelines as specialization constants.
struct KernelConfig {
  bool subgroups = true;  // subgroup reductions; false picks the shared-memory "_nosg" builds
  std::uint32_t matvec_wg = 64;
  std::uint32_t matvec_rows = 2;  // rows of W per workgroup
  // >0: the streaming matvec (matvec_stream.comp, CPU devices) with this many rows of W per
  // workgroup, for rows of up to matvec_stream_max_units units per invocation; else, and
  // beyond, the matvec above.
  std::uint32_t matvec_stream_rows = 0;
  std::uint32_t matvec_stream_max_units = 64;
  std::uint32_t elementwise_wg = 256;
  std::uint32_t norm_wg = 256;
  std::uint32_t attn_wg = 64;
  std::uint32_t attn_chunk = 128;  // cache positions per workgroup (split-K)
  std::uint32_t attn_max_g = 8;    // query heads sharing a KV head per workgroup
  // matvec (one pass over W per token) up to this many tokens, the tiled matmul beyond.
  std::uint32_t matmul_min_tokens = 8;
  // 0: the matmul tiles W and X in shared memory (matmul.comp); else each invocation keeps
  // matmul_rows rows x matmul_tokens tokens in registers (matmul_rows.comp, CPU devices).
  std::uint32_t matmul_rows = 0;
  std::uint32_t matmul_tokens = 8;
  // 1: a greedy answer's alternatives come from topk.comp on the device (Session::decode_top);
  // 0: from the logits, read back, on the host (CPU devices: one workgroup there is one core).
  std::uint32_t device_topk = 1;

  // Defaults for the device: subgroups when it has subgroup arithmetic and VKCHAT_NO_SUBGROUP
  // is not set; on a CPU device (llvmpipe) the streaming matvec one SIMD row wide over 32 rows of
  // W, the register-tiled matmul and the host's top k, elsewhere 64 invocations over 2 rows and
  // shared-memory tiles.
  // Then VKCHAT_KERNELS, if set, through apply().
  static KernelConfig for_device(const vk::Context& ctx);

  // The units of x (32 elements each) that an invocation of the streaming matvec holds for rows
  // of K elements: its UPL specialization, one pipeline per value; 0 where rows of K take the
  // plain matvec (no streaming on this device, or rows wider than matvec_stream_max_units).
  std::uint32_t matvec_stream_units(std::int64_t K) const;

  // Overrides sizes from "name=value,name=value" (field names as above, positive integers; 0 too
  // for matmul_rows, matvec_stream_rows and device_topk), for tuning: "matvec_wg=64,matvec_rows=2".
  // std::invalid_argument on an unknown name or bad value.
  void apply(std::string_view spec);

  // The attention kernel holds a head in its workgroup, 4 values per invocation: doubles attn_wg
  // until 4 * attn_wg >= head_dim (Gemma 4's full-attention heads of 512 need 128), as far as
  // the device's workgroup size and shared memory (attn.comp's arrays) allow. Returns whether
  // the head fits then.
  bool fit_attention_head(const vk::DeviceInfo& info, std::int64_t head_dim);
};

// The weight types the matrix kernels and the embedding gather read directly.
bool kernel_supports(gguf::GgmlType type);
// "q4_k", "f16", ...: the shader variant suffix; UnsupportedModel for other types.
std::string_view kernel_type_suffix(gguf::GgmlType type);

class Kernels {
 public:
  explicit Kernels(vk::Context& ctx);
  Kernels(vk::Context& ctx, const KernelConfig& config);
  Kernels(const Kernels&) = delete;
  Kernels& operator=(const Kernels&) = delete;

  // The pipeline of embedded shader `shader` + `variant` ("matvec_" + "q4_k"; "_nosg" appended
  // when `reduces` and subgroups are off) with specialization constants `spec`, built on first
  // use; `texel_bindings` as in vk::PipelineDesc (the same shader and variant always come with
  // the same mask). A lookup allocates nothing.
  const vk::Pipeline& get(std::string_view shader, std::string_view variant, bool reduces,
                          std::uint32_t bindings, std::uint32_t push_size,
                          std::initializer_list<std::uint32_t> spec,
                          std::uint32_t texel_bindings = 0);

  // The codebook table of the grid IQ types (quant/iq_device_grids.h), uploaded on the first
  // call, once per context: the weight kernels of those types (quant::is_grid_iq_type) take it
  // as one more storage texel binding after their others.
  const vk::Buffer& iq_grids();

  vk::Context& context() const { return *ctx_; }
  const KernelConfig& config() const { return config_; }
  std::size_t pipeline_count() const { return pipelines_.size(); }

 private:
  vk::Context* ctx_;
  KernelConfig config_;
  bool log_pipelines_;  // VKCHAT_LOG_PIPELINES: each pipeline's build time on stderr
  vk::Buffer iq_grids_;
  std::map<std::string, vk::Pipeline, std::less<>> pipelines_;
};

}  // namespace vkchat::ops

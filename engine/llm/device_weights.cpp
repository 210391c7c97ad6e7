// Weight layout and upload: tensors packed into buffers of at most 1 GiB, each at an offset the
// kernels can bind, copied straight from the GGUF map.
#include "llm/device_weights.h"

#include <algorithm>
#include <map>
#include <string>

#include "ops/kernels.h"
#include "quant/dequantize.h"
#include "quant/device_layout.h"
#include "util/errors.h"
#include "vk/context.h"

namespace vkchat::llm {

using gguf::GgmlType;
using model::TensorRef;

namespace {

// Buffers stay below this so that every device can allocate them and bind them in windows.
constexpr std::uint64_t kMaxBufferBytes = std::uint64_t{1} << 30;
// Upload granularity: progress and cancellation are checked this often.
constexpr std::uint64_t kUploadPiece = std::uint64_t{64} << 20;

bool is_vector(const gguf::TensorInfo& t) {
  return t.rows() == 1;
}

// Tensors the kernels read as dense f32: vectors, and the delta net's convolution taps.
bool dense_f32(const model::ModelSpec& spec, TensorRef t) {
  if (is_vector(*t)) return true;
  return std::any_of(spec.w.layers.begin(), spec.w.layers.end(),
                     [t](const model::LayerWeights& l) { return l.ssm_conv1d == t; });
}

// Elements per row as uploaded: gemma4's per-layer token table goes up as n_layer rows of P per
// token (DeviceWeights::PerLayerInputs); every other tensor with its own rows.
std::int64_t upload_cols(const model::ModelSpec& spec, TensorRef t) {
  if (t == spec.w.per_layer_tok_embd) return spec.hp.n_embd_per_layer;
  return static_cast<std::int64_t>(t->ne[0]);
}

// qwen35's full-attention attn_q: per head, head_dim query rows then head_dim gate rows.
std::int64_t split_head_rows(const model::ModelSpec& spec, TensorRef t) {
  if (!spec.hp.delta_net_hybrid()) return 0;
  for (std::int64_t il = 0; il < spec.hp.n_layer; ++il) {
    if (!spec.hp.is_recurrent(il) && spec.w.layers[static_cast<std::size_t>(il)].wq == t) {
      return spec.hp.head_dim;
    }
  }
  return 0;
}

// Where source rows go on upload: runs of rows {source row, destination row, count}.
struct RowRun {
  std::int64_t src, dst, n;
};
std::vector<RowRun> row_runs(std::int64_t rows, std::int64_t split) {
  if (split == 0) return {{0, 0, rows}};
  std::vector<RowRun> runs;
  const std::int64_t heads = rows / (2 * split);
  for (std::int64_t h = 0; h < heads; ++h) {
    runs.push_back({2 * h * split, h * split, split});
    runs.push_back({2 * h * split + split, heads * split + h * split, split});
  }
  return runs;
}

// The spec's tensors, each once (a tied output is token_embd), in file-independent order.
std::vector<TensorRef> used_tensors(const model::ModelSpec& spec) {
  std::vector<TensorRef> out;
  auto add = [&](TensorRef t) {
    if (t && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  add(spec.w.token_embd);
  for (const model::LayerWeights& l : spec.w.layers) {
    for (TensorRef t : {l.attn_norm,
                        l.wq,
                        l.wk,
                        l.wv,
                        l.wqkv,
                        l.bq,
                        l.bk,
                        l.bv,
                        l.q_norm,
                        l.k_norm,
                        l.wo,
                        l.attn_gate,
                        l.attn_post_norm,
                        l.ssm_conv1d,
                        l.ssm_dt,
                        l.ssm_a,
                        l.ssm_beta,
                        l.ssm_alpha,
                        l.ssm_norm,
                        l.ssm_out,
                        l.ffn_norm,
                        l.ffn_gate,
                        l.ffn_up,
                        l.ffn_down,
                        l.ffn_post_norm,
                        l.ffn_gate_inp,
                        l.ffn_gate_exps,
                        l.ffn_up_exps,
                        l.ffn_down_exps,
                        l.ffn_gate_inp_shexp,
                        l.ffn_gate_shexp,
                        l.ffn_up_shexp,
                        l.ffn_down_shexp,
                        l.pl_inp_gate,
                        l.pl_proj,
                        l.pl_post_norm}) {
      add(t);
    }
  }
  add(spec.w.per_layer_tok_embd);
  add(spec.w.per_layer_model_proj);
  add(spec.w.per_layer_proj_norm);
  add(spec.w.output_norm);
  add(spec.w.output);
  return out;
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

std::uint64_t WeightPlan::upload_bytes() const {
  std::uint64_t n = 0;
  for (const Entry& e : entries) n += e.bytes;
  return n;
}

std::uint64_t WeightPlan::device_bytes() const {
  std::uint64_t n = 0;
  for (std::uint64_t b : buffer_sizes) n += b;
  return n;
}

WeightPlan plan_weights(const model::ModelSpec& spec, const vk::DeviceInfo& info) {
  const std::uint64_t align =
      std::max<std::uint64_t>(256, info.min_storage_buffer_offset_alignment);
  const std::uint64_t cap = info.max_allocation_size
                                ? std::min(kMaxBufferBytes, info.max_allocation_size)
                                : kMaxBufferBytes;
  WeightPlan plan;
  for (TensorRef t : used_tensors(spec)) {
    WeightPlan::Entry e;
    e.tensor = t;
    e.split_head_rows = split_head_rows(spec, t);
    if (dense_f32(spec, t)) {
      e.to_f32 = t->type != GgmlType::F32;
      e.bytes = t->n_elements * sizeof(float);
    } else {
      if (!ops::kernel_supports(t->type)) {
        throw UnsupportedModel("tensor " + std::string(t->name) + " has type " +
                               std::string(gguf::type_name(t->type)) +
                               ", which no GPU kernel reads");
      }
      const std::int64_t cols = upload_cols(spec, t);
      if (cols % gguf::traits(t->type).block_size != 0) {
        throw UnsupportedModel("tensor " + std::string(t->name) + " of type " +
                               std::string(gguf::type_name(t->type)) + ": rows of " +
                               std::to_string(cols) + " elements are not whole blocks");
      }
      e.bytes = quant::device_row_bytes(t->type, cols) *
                static_cast<std::uint64_t>(static_cast<std::int64_t>(t->n_elements) / cols);
    }
    // The by-id kernels bind a mixture's whole stack of experts at once (any slot may pick any
    // expert), so it must fit one storage-buffer binding.
    if (t->ne[2] > 1 && e.bytes > info.max_storage_buffer_range) {
      throw UnsupportedModel("expert tensor " + std::string(t->name) + " of " +
                             std::to_string(e.bytes) +
                             " bytes exceeds the device's storage buffer range (" +
                             std::to_string(info.max_storage_buffer_range) +
                             " bytes); a smaller quantization may fit");
    }
    if (info.max_allocation_size && e.bytes > info.max_allocation_size) {
      throw UnsupportedModel("tensor " + std::string(t->name) + " of " + std::to_string(e.bytes) +
                             " bytes exceeds the device's largest allocation (" +
                             std::to_string(info.max_allocation_size) + " bytes)");
    }
    // A new buffer when this tensor would overflow the current one (a tensor larger than the
    // cap gets a buffer of its own).
    if (plan.buffer_sizes.empty() ||
        align_up(plan.buffer_sizes.back(), align) + e.bytes > std::max(cap, e.bytes)) {
      plan.buffer_sizes.push_back(0);
    }
    e.buffer = static_cast<std::uint32_t>(plan.buffer_sizes.size() - 1);
    e.offset = align_up(plan.buffer_sizes.back(), align);
    plan.buffer_sizes.back() = e.offset + e.bytes;
    plan.entries.push_back(e);
  }
  return plan;
}

DeviceWeights upload_weights(vk::Context& ctx, const model::ModelSpec& spec, const WeightPlan& plan,
                             const UploadProgress& progress, const std::atomic<bool>* cancel) {
  DeviceWeights w;
  // Reserved: the views below point at these buffers.
  w.buffers.reserve(plan.buffer_sizes.size() + 1);
  for (std::size_t i = 0; i < plan.buffer_sizes.size(); ++i) {
    w.buffers.emplace_back(ctx, plan.buffer_sizes[i], vk::BufferKind::Device,
                           "weights " + std::to_string(i));
  }
  if (spec.hp.arch == model::Arch::Gemma4) {
    // gemma4 RMS-norms V per head without a weight (ggml_rms_norm); the norm kernel's weight
    // of ones gives exactly that (x * s * 1 is x * s), so no kernel of its own.
    const std::vector<float> ones(static_cast<std::size_t>(spec.hp.head_dim), 1.f);
    const vk::Buffer& b =
        w.buffers.emplace_back(ctx, ones.size() * 4, vk::BufferKind::Device, "weights: ones");
    ctx.upload(b, 0, std::as_bytes(std::span<const float>(ones)));
    w.ones = ops::Tensor::f32(b, spec.hp.head_dim, 1, 0);
  }
  const std::uint64_t total = plan.upload_bytes();
  std::uint64_t done = 0;
  if (progress) progress(0, total);
  std::map<TensorRef, ops::Tensor> views;
  for (const WeightPlan::Entry& e : plan.entries) {
    const vk::Buffer& buf = w.buffers[e.buffer];
    const std::int64_t cols = upload_cols(spec, e.tensor);
    const auto rows = static_cast<std::int64_t>(e.tensor->n_elements) / cols;
    auto check_cancel = [&] {
      if (cancel && cancel->load()) throw Cancelled("loading cancelled");
    };
    if (e.to_f32) {
      check_cancel();
      std::vector<float> widened = quant::dequantize_tensor(*e.tensor);
      ctx.upload(buf, e.offset, std::as_bytes(std::span<const float>(widened)));
      done += e.bytes;
      if (progress) progress(done, total);
    } else {
      // Whole rows per piece, regrouped into the device row layout on the way.
      const std::uint64_t src_row = quant::row_bytes(e.tensor->type, cols);
      const std::uint64_t dst_row = e.bytes / static_cast<std::uint64_t>(rows);
      const auto piece_rows =
          static_cast<std::int64_t>(std::max<std::uint64_t>(1, kUploadPiece / dst_row));
      std::span<const std::byte> src = std::as_bytes(e.tensor->data);
      std::vector<std::byte> staged;
      for (const RowRun& run : row_runs(rows, e.split_head_rows)) {
        for (std::int64_t r = 0; r < run.n; r += piece_rows) {
          check_cancel();
          const std::int64_t n = std::min(piece_rows, run.n - r);
          const auto un = static_cast<std::uint64_t>(n);
          const auto us = static_cast<std::uint64_t>(run.src + r);
          const auto ud = static_cast<std::uint64_t>(run.dst + r);
          staged.resize(un * dst_row);
          quant::to_device_rows(e.tensor->type, cols, n, src.subspan(us * src_row, un * src_row),
                                staged);
          ctx.upload(buf, e.offset + ud * dst_row, staged);
          done += staged.size();
          if (progress) progress(done, total);
        }
      }
    }
    ops::Tensor v = e.to_f32 || (e.tensor->type == GgmlType::F32 && dense_f32(spec, e.tensor))
                        ? ops::Tensor::f32(buf, cols, rows, e.offset)
                        : ops::Tensor::matrix(buf, e.tensor->type, cols, rows, e.offset);
    // A 3-D tensor (a mixture's experts) keeps its dimensions: rows() is unchanged, and expert
    // e's matrix is rows [e * ne[1], (e + 1) * ne[1]) in the same device row layout.
    if (cols == static_cast<std::int64_t>(e.tensor->ne[0])) {
      for (std::size_t d = 1; d < 4; ++d) v.ne[d] = static_cast<std::int64_t>(e.tensor->ne[d]);
    }
    views[e.tensor] = v;
  }

  auto view = [&](TensorRef t) { return views.at(t); };
  auto optional_view = [&](TensorRef t) -> std::optional<ops::Tensor> {
    if (!t) return std::nullopt;
    return views.at(t);
  };
  const model::HParams& hp = spec.hp;
  w.token_embd = view(spec.w.token_embd);
  w.output_norm = view(spec.w.output_norm);
  w.output = view(spec.w.output);
  for (const model::LayerWeights& l : spec.w.layers) {
    LayerTensors L;
    L.attn_norm = view(l.attn_norm);
    L.ffn_norm = view(l.ffn_norm);
    if (l.ssm_out) {  // qwen35's gated delta net
      L.delta = LayerTensors::DeltaNet{view(l.wqkv),      view(l.attn_gate), view(l.ssm_conv1d),
                                       view(l.ssm_dt),    view(l.ssm_a),     view(l.ssm_beta),
                                       view(l.ssm_alpha), view(l.ssm_norm),  view(l.ssm_out)};
    } else if (hp.delta_net_hybrid()) {  // its gated full attention: queries, then gates
      const ops::Tensor qg = view(l.wq);
      L.wq = qg.row_range(0, hp.n_embd_q());
      L.q_gate = qg.row_range(hp.n_embd_q(), hp.n_embd_q());
      L.wk = view(l.wk);
      L.wv = view(l.wv);
    } else if (l.wqkv) {
      const ops::Tensor qkv = view(l.wqkv);
      L.wq = qkv.row_range(0, hp.n_embd_q());
      L.wk = qkv.row_range(hp.n_embd_q(), hp.n_embd_k_gqa());
      L.wv = qkv.row_range(hp.n_embd_q() + hp.n_embd_k_gqa(), hp.n_embd_v_gqa());
    } else {
      L.wq = view(l.wq);
      if (l.wk) L.wk = view(l.wk);
      if (l.wv || l.wk) L.wv = view(l.wv ? l.wv : l.wk);
    }
    L.bq = optional_view(l.bq);
    L.bk = optional_view(l.bk);
    L.bv = optional_view(l.bv);
    L.q_norm = optional_view(l.q_norm);
    L.k_norm = optional_view(l.k_norm);
    if (l.wo) L.wo = view(l.wo);
    L.attn_post_norm = optional_view(l.attn_post_norm);
    L.ffn_post_norm = optional_view(l.ffn_post_norm);
    if (l.out_scale) L.out_scale = quant::dequantize_tensor(*l.out_scale).at(0);
    if (l.pl_inp_gate) {
      L.per_layer =
          LayerTensors::PerLayerGate{view(l.pl_inp_gate), view(l.pl_proj), view(l.pl_post_norm)};
    }
    if (l.ffn_gate_exps) {  // a mixture of experts: no dense feed-forward
      L.ffn_gate_inp = view(l.ffn_gate_inp);
      L.ffn_gate_exps = view(l.ffn_gate_exps);
      L.ffn_up_exps = view(l.ffn_up_exps);
      L.ffn_down_exps = view(l.ffn_down_exps);
      if (l.ffn_gate_inp_shexp) {
        L.shared_expert =
            LayerTensors::SharedExpert{view(l.ffn_gate_inp_shexp), view(l.ffn_gate_shexp),
                                       view(l.ffn_up_shexp), view(l.ffn_down_shexp)};
      }
      w.layers.push_back(L);
      continue;
    }
    if (l.ffn_gate) {
      L.ffn_gate = view(l.ffn_gate);
      L.ffn_up = view(l.ffn_up);
    } else {  // phi3: gate rows first, then up
      const ops::Tensor gate_up = view(l.ffn_up);
      L.ffn_gate = gate_up.row_range(0, hp.n_ff);
      L.ffn_up = gate_up.row_range(hp.n_ff, hp.n_ff);
    }
    L.ffn_down = view(l.ffn_down);
    w.layers.push_back(L);
  }
  if (spec.w.per_layer_tok_embd) {
    w.per_layer = DeviceWeights::PerLayerInputs{view(spec.w.per_layer_tok_embd),
                                                view(spec.w.per_layer_model_proj),
                                                view(spec.w.per_layer_proj_norm)};
  }
  return w;
}

}  // namespace vkchat::llm

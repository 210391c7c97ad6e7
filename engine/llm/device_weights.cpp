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

// The spec's tensors, each once (a tied output is token_embd), in file-independent order.
std::vector<TensorRef> used_tensors(const model::ModelSpec& spec) {
  std::vector<TensorRef> out;
  auto add = [&](TensorRef t) {
    if (t && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  add(spec.w.token_embd);
  for (const model::LayerWeights& l : spec.w.layers) {
    for (TensorRef t :
         {l.attn_norm, l.wq, l.wk, l.wv, l.wqkv, l.bq, l.bk, l.bv, l.q_norm, l.k_norm, l.wo,
          l.attn_post_norm, l.ffn_norm, l.ffn_gate, l.ffn_up, l.ffn_down, l.ffn_post_norm}) {
      add(t);
    }
  }
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
    if (is_vector(*t)) {
      e.to_f32 = t->type != GgmlType::F32;
      e.bytes = t->n_elements * sizeof(float);
    } else {
      if (!ops::kernel_supports(t->type)) {
        throw UnsupportedModel("tensor " + std::string(t->name) + " has type " +
                               std::string(gguf::type_name(t->type)) +
                               ", which no GPU kernel reads");
      }
      e.bytes = quant::device_row_bytes(t->type, static_cast<std::int64_t>(t->ne[0])) * t->rows();
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
    const auto cols = static_cast<std::int64_t>(e.tensor->ne[0]);
    const auto rows = static_cast<std::int64_t>(e.tensor->rows());
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
      for (std::int64_t r = 0; r < rows; r += piece_rows) {
        check_cancel();
        const std::int64_t n = std::min(piece_rows, rows - r);
        const auto un = static_cast<std::uint64_t>(n), ur = static_cast<std::uint64_t>(r);
        staged.resize(un * dst_row);
        quant::to_device_rows(e.tensor->type, cols, n, src.subspan(ur * src_row, un * src_row),
                              staged);
        ctx.upload(buf, e.offset + ur * dst_row, staged);
        done += staged.size();
        if (progress) progress(done, total);
      }
    }
    views[e.tensor] = is_vector(*e.tensor)
                          ? ops::Tensor::f32(buf, cols, 1, e.offset)
                          : ops::Tensor::matrix(buf, e.tensor->type, cols, rows, e.offset);
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
    if (l.wqkv) {
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
    L.wo = view(l.wo);
    L.attn_post_norm = optional_view(l.attn_post_norm);
    L.ffn_post_norm = optional_view(l.ffn_post_norm);
    if (l.out_scale) L.out_scale = quant::dequantize_tensor(*l.out_scale).at(0);
    L.ffn_norm = view(l.ffn_norm);
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
  return w;
}

}  // namespace vkchat::llm

// Recording of the named ops: shape checks, bindings, push constants, group counts.
#include "ops/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "model/swa_hparams.h"
#include "quant/dequantize_iq.h"
#include "util/checked_math.h"
#include "vk/context.h"

namespace vkchat::ops {

using gguf::GgmlType;

namespace {

std::uint32_t u32(std::int64_t v, const char* op, const char* what) {
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument(std::string(op) + ": " + what + " " + std::to_string(v) +
                                " out of range");
  }
  return static_cast<std::uint32_t>(v);
}

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

void require_f32(const Tensor& t, const char* op, const char* name) {
  require(t.type == GgmlType::F32, op, std::string(name) + " must be f32");
}

std::string dims(const Tensor& t) {
  return "[" + std::to_string(t.rows()) + " x " + std::to_string(t.cols()) + "]";
}

std::uint32_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::uint32_t>((a + b - 1) / b);
}

// Weight rows start at texel boundaries: weights.glsl reads them in 16-byte texels.
constexpr std::uint32_t kWeightAlign = 16;

}  // namespace

Ops::Ops(Kernels& kernels, vk::CommandBuffer& cmd) : kernels_(&kernels), cmd_(&cmd) {}

Ops::Bound Ops::bind(const Tensor& t, const char* op, bool texel) const {
  require(t.buffer != nullptr && static_cast<bool>(*t.buffer), op, "tensor without a buffer");
  const vk::Buffer& b = *t.buffer;
  std::uint64_t bytes = t.bytes();
  require(t.offset <= b.size() && bytes <= b.size() - t.offset, op,
          "tensor of " + std::to_string(bytes) + " bytes at " + std::to_string(t.offset) +
              " outside buffer '" + b.name() + "' of " + std::to_string(b.size()));
  const vk::DeviceInfo& info = kernels_->context().info();
  const std::uint64_t texel_size = texel ? vk::kTexelBytes : 1;
  if (b.size() <= info.max_storage_buffer_range && b.size() % texel_size == 0) {
    return {b.whole(), t.offset};
  }
  // Too big to bind whole (or not whole texels): an aligned window that holds the tensor.
  std::uint64_t align = info.min_storage_buffer_offset_alignment;
  if (texel) align = std::max(align, info.min_texel_buffer_offset_alignment);
  std::uint64_t start = t.offset / align * align;
  std::uint64_t size =
      std::min(b.size() - start, info.max_storage_buffer_range) / texel_size * texel_size;
  require(t.offset + bytes <= start + size, op,
          "tensor of " + std::to_string(bytes) +
              " bytes exceeds the device's storage buffer range (" +
              std::to_string(info.max_storage_buffer_range) + " bytes)");
  return {b.slice(start, size), t.offset - start};
}

std::uint32_t Ops::elements(const Bound& b, std::uint32_t unit, const char* op) const {
  require(b.offset % unit == 0, op,
          "offset " + std::to_string(b.offset) + " is not a multiple of " + std::to_string(unit));
  return u32(static_cast<std::int64_t>(b.offset / unit), op, "offset");
}

Ops::WeightBindings Ops::weight_bindings(GgmlType type,
                                         std::initializer_list<vk::BufferSlice> slices,
                                         std::uint32_t texels) const {
  WeightBindings b;
  for (const vk::BufferSlice& s : slices) b.slices.at(b.count++) = s;
  b.texels = texels;
  if (quant::is_grid_iq_type(type)) {
    b.texels |= 1u << b.count;
    b.slices.at(b.count++) = kernels_->iq_grids().whole();
  }
  return b;
}

vk::Groups Ops::spread(std::uint64_t groups) const {
  const vk::DeviceInfo& info = kernels_->context().info();
  std::uint64_t max_x = info.max_workgroup_count[0];
  if (groups <= max_x) return {static_cast<std::uint32_t>(std::max<std::uint64_t>(groups, 1))};
  std::uint64_t y = (groups + max_x - 1) / max_x;
  if (y > info.max_workgroup_count[1]) throw std::invalid_argument("too many workgroups");
  return {static_cast<std::uint32_t>(max_x), static_cast<std::uint32_t>(y)};
}

// ---- matrix x vector and matrix x matrix -----------------------------------------------------

void Ops::linear(const Tensor& w, const Tensor& x, const Tensor& y) {
  if (x.rows() < kernels_->config().matmul_min_tokens)
    matvec(w, x, y);
  else
    matmul(w, x, y);
}

namespace {

void check_linear(const Tensor& w, const Tensor& x, const Tensor& y, const char* op) {
  kernel_type_suffix(w.type);  // UnsupportedModel for types without a kernel
  require_f32(x, op, "x");
  require_f32(y, op, "y");
  require(x.cols() == w.cols() && y.cols() == w.rows() && x.rows() == y.rows(), op,
          "W " + dims(w) + ", x " + dims(x) + ", y " + dims(y) + " do not fit y = x W^T");
  require(x.rows() >= 1, op, "no tokens");
}

// Rows of W per dispatch so that each piece fits a storage-buffer window.
std::int64_t rows_per_dispatch(const Tensor& w, const vk::DeviceInfo& info) {
  std::uint64_t room = info.max_storage_buffer_range - info.min_storage_buffer_offset_alignment;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(room / w.row_bytes()));
}

}  // namespace

LinearPush Ops::linear_push(const Bound& bw, const Bound& bx, const Bound& by, const Tensor& w,
                            const Tensor& x, const Tensor& y, std::int64_t row0,
                            const char* op) const {
  LinearPush p{};
  p.K = u32(w.cols(), op, "K");
  p.N = u32(w.rows(), op, "N");
  p.row_bytes = u32(static_cast<std::int64_t>(w.row_bytes()), op, "row bytes");
  p.w_off = elements(bw, kWeightAlign, op) * kWeightAlign;
  p.x_off = elements(bx, 4, op);
  p.y_off = elements(by, 4, op) + u32(row0, op, "row");
  p.x_stride = p.K;
  p.y_stride = u32(y.cols(), op, "N");
  p.n_tok = u32(x.rows(), op, "tokens");
  return p;
}

void Ops::matvec(const Tensor& w, const Tensor& x, const Tensor& y) {
  check_linear(w, x, y, "matvec");
  std::int64_t step = rows_per_dispatch(w, kernels_->context().info());
  for (std::int64_t r0 = 0; r0 < w.rows(); r0 += step) {
    matvec_rows(w.row_range(r0, std::min(step, w.rows() - r0)), nullptr, x, y, r0);
  }
}

void Ops::linear_swiglu(const Tensor& gate, const Tensor& up, const Tensor& x, const Tensor& y,
                        const Tensor& tmp) {
  check_linear(gate, x, y, "linear_swiglu");
  require(up.type == gate.type && up.ne == gate.ne, "linear_swiglu",
          "gate and up differ in type or shape");
  if (x.rows() >= kernels_->config().matmul_min_tokens) {
    require_f32(tmp, "linear_swiglu", "tmp");
    require(tmp.elements() >= y.elements(), "linear_swiglu", "tmp smaller than y");
    Tensor t = tmp;
    t.ne = y.ne;
    matmul(gate, x, y);
    matmul(up, x, t);
    swiglu(y, t, y);
    return;
  }
  std::int64_t step = rows_per_dispatch(gate, kernels_->context().info());
  for (std::int64_t r0 = 0; r0 < gate.rows(); r0 += step) {
    std::int64_t n = std::min(step, gate.rows() - r0);
    Tensor u = up.row_range(r0, n);
    matvec_rows(gate.row_range(r0, n), &u, x, y, r0);
  }
}

void Ops::matvec_rows(const Tensor& w, const Tensor* w2, const Tensor& x, const Tensor& y,
                      std::int64_t row0) {
  const char* op = w2 ? "linear_swiglu" : "matvec";
  const KernelConfig& cfg = kernels_->config();
  Bound bw = bind(w, op, true), bx = bind(x, op, true), by = bind(y, op);
  LinearPush p = linear_push(bw, bx, by, w, x, y, row0, op);
  std::uint64_t bytes = w.bytes() * (w2 ? 2 : 1) + 4ull * p.n_tok * (p.K + p.N);
  // The streaming matvec holds a whole row's units of x per invocation: up to a bound.
  const std::uint32_t upl = cfg.matvec_stream_units(p.K);
  const bool stream = upl > 0;
  const std::uint32_t rows = stream ? cfg.matvec_stream_rows : cfg.matvec_rows;
  vk::Groups g = spread(ceil_div(p.N, rows));
  g.z = p.n_tok;
  std::string_view shader = stream ? (w2 ? "matvec_stream_swiglu_" : "matvec_stream_")
                                   : (w2 ? "matvec_swiglu_" : "matvec_");
  auto pipeline = [&](std::uint32_t bindings, std::uint32_t texels) -> const vk::Pipeline& {
    if (stream) {
      return kernels_->get(shader, kernel_type_suffix(w.type), true, bindings, sizeof p,
                           {cfg.matvec_wg, rows, upl}, texels);
    }
    return kernels_->get(shader, kernel_type_suffix(w.type), true, bindings, sizeof p,
                         {cfg.matvec_wg, rows}, texels);
  };
  WeightBindings wb;
  if (w2) {
    Bound bw2 = bind(*w2, op, true);
    p.w2_off = elements(bw2, kWeightAlign, op) * kWeightAlign;
    wb = weight_bindings(w.type, {bw.slice, bw2.slice, bx.slice, by.slice}, 0b0111);
  } else {
    wb = weight_bindings(w.type, {bw.slice, bx.slice, by.slice}, 0b011);
  }
  record(pipeline(wb.count, wb.texels), wb.span(), p, g, bytes);
}

void Ops::matmul(const Tensor& w, const Tensor& x, const Tensor& y) {
  check_linear(w, x, y, "matmul");
  std::int64_t step = rows_per_dispatch(w, kernels_->context().info());
  for (std::int64_t r0 = 0; r0 < w.rows(); r0 += step) {
    Tensor wc = w.row_range(r0, std::min(step, w.rows() - r0));
    Bound bw = bind(wc, "matmul", true), bx = bind(x, "matmul", true), by = bind(y, "matmul");
    LinearPush p = linear_push(bw, bx, by, wc, x, y, r0, "matmul");
    const KernelConfig& cfg = kernels_->config();
    std::string_view suffix = kernel_type_suffix(w.type);
    vk::Groups g;
    const vk::Pipeline* pl = nullptr;
    const WeightBindings wb = weight_bindings(w.type, {bw.slice, bx.slice, by.slice}, 0b011);
    if (cfg.matmul_rows == 0) {
      g = {ceil_div(p.N, kMatmulTileRows), ceil_div(p.n_tok, kMatmulTileTokens)};
      pl = &kernels_->get("matmul_", suffix, false, wb.count, sizeof p, {}, wb.texels);
    } else {
      const std::uint32_t wg = cfg.matvec_wg;  // one SIMD row on CPU devices
      g = {ceil_div(p.N, wg * cfg.matmul_rows), ceil_div(p.n_tok, cfg.matmul_tokens)};
      pl = &kernels_->get("matmul_rows_", suffix, false, wb.count, sizeof p,
                          {wg, cfg.matmul_rows, cfg.matmul_tokens}, wb.texels);
    }
    std::uint64_t bytes = wc.bytes() * g.y + 4ull * p.n_tok * (p.K + p.N);
    record(*pl, wb.span(), p, g, bytes);
  }
}

// ---- embedding -----------------------------------------------------------------------------

void Ops::embedding(const Tensor& table, const Tensor& ids, const Tensor& out) {
  embedding(table, ids, 1, out);
}

void Ops::embedding(const Tensor& table, const Tensor& ids, std::int64_t rows_per_id,
                    const Tensor& out) {
  const char* op = "embedding";
  kernel_type_suffix(table.type);
  require(ids.type == GgmlType::I32, op, "ids must be I32");
  require_f32(out, op, "out");
  require(rows_per_id >= 1 && table.rows() % rows_per_id == 0, op,
          std::to_string(rows_per_id) + " rows per id in a table of " + dims(table));
  require(out.cols() == table.cols() && out.rows() == ids.elements() * rows_per_id, op,
          "table " + dims(table) + ", " + std::to_string(ids.elements()) + " ids x " +
              std::to_string(rows_per_id) + " rows, out " + dims(out));
  const KernelConfig& cfg = kernels_->config();
  Bound bi = bind(ids, op);
  Bound bo = bind(out, op);
  std::int64_t step = rows_per_dispatch(table, kernels_->context().info());
  for (std::int64_t r0 = 0; r0 < table.rows(); r0 += step) {
    Tensor tc = table.row_range(r0, std::min(step, table.rows() - r0));
    Bound bt = bind(tc, op, true);
    EmbedPush p{};
    p.K = u32(tc.cols(), op, "K");
    p.n_rows = u32(tc.rows(), op, "rows");
    p.row_bytes = u32(static_cast<std::int64_t>(tc.row_bytes()), op, "row bytes");
    p.w_off = elements(bt, kWeightAlign, op) * kWeightAlign;
    p.ids_off = elements(bi, 4, op);
    p.out_off = elements(bo, 4, op);
    p.out_stride = p.K;
    p.n_tok = u32(ids.elements(), op, "tokens");
    p.row_base = u32(r0, op, "row");
    p.rows_per_id = u32(rows_per_id, op, "rows per id");
    const WeightBindings wb = weight_bindings(table.type, {bt.slice, bi.slice, bo.slice}, 0b001);
    const vk::Pipeline& pl = kernels_->get("embed_", kernel_type_suffix(table.type), false,
                                           wb.count, sizeof p, {cfg.elementwise_wg}, wb.texels);
    vk::Groups g{ceil_div(ceil_div(p.K, 32), cfg.elementwise_wg), p.n_tok, p.rows_per_id};
    record(pl, wb.span(), p, g, 4ull * p.n_tok * p.rows_per_id * (p.K + 1));
  }
}

// ---- normalization ---------------------------------------------------------------------------

void Ops::rmsnorm(const Tensor& x, const Tensor& w, const Tensor& out, float eps) {
  const char* op = "rmsnorm";
  require_f32(x, op, "x");
  require_f32(w, op, "weight");
  require_f32(out, op, "out");
  require(w.elements() == x.cols() && out.ne == x.ne, op,
          "x " + dims(x) + ", weight of " + std::to_string(w.elements()) + ", out " + dims(out));
  Bound bx = bind(x, op), bw = bind(w, op), bo = bind(out, op);
  RmsnormPush p{};
  p.n = u32(x.cols(), op, "n");
  p.rows = u32(x.rows(), op, "rows");
  p.x_off = elements(bx, 4, op);
  p.w_off = elements(bw, 4, op);
  p.out_off = elements(bo, 4, op);
  p.stride = p.n;
  p.eps = eps;
  const vk::Pipeline& pl =
      kernels_->get("rmsnorm_plain", "", true, 3, sizeof p, {kernels_->config().norm_wg});
  record(pl, {bx.slice, bw.slice, bo.slice}, p, spread(p.rows), 4ull * (2 * x.elements() + p.n));
}

void Ops::add_rmsnorm(const Tensor& a, const Tensor& b, const Tensor& sum, const Tensor& w,
                      const Tensor& out, float eps) {
  const char* op = "add_rmsnorm";
  for (const Tensor* t : {&a, &b, &sum, &w, &out}) require_f32(*t, op, "every tensor");
  require(b.ne == a.ne && sum.ne == a.ne && out.ne == a.ne && w.elements() == a.cols(), op,
          "a " + dims(a) + ", b " + dims(b) + ", sum " + dims(sum) + ", out " + dims(out) +
              ", weight of " + std::to_string(w.elements()));
  Bound ba = bind(a, op), bb = bind(b, op), bw = bind(w, op), bs = bind(sum, op),
        bo = bind(out, op);
  RmsnormPush p{};
  p.n = u32(a.cols(), op, "n");
  p.rows = u32(a.rows(), op, "rows");
  p.x_off = elements(ba, 4, op);
  p.b_off = elements(bb, 4, op);
  p.w_off = elements(bw, 4, op);
  p.sum_off = elements(bs, 4, op);
  p.out_off = elements(bo, 4, op);
  p.stride = p.n;
  p.eps = eps;
  const vk::Pipeline& pl =
      kernels_->get("rmsnorm_add", "", true, 5, sizeof p, {kernels_->config().norm_wg});
  record(pl, {ba.slice, bb.slice, bw.slice, bs.slice, bo.slice}, p, spread(p.rows),
         4ull * (4 * a.elements() + p.n));
}

void Ops::head_rmsnorm(const Tensor& x, int n_heads, const Tensor& w, float eps) {
  require(n_heads > 0 && x.cols() % n_heads == 0, "head_rmsnorm",
          "row of " + std::to_string(x.cols()) + " is not n_heads = " + std::to_string(n_heads) +
              " heads");
  Tensor heads = x;
  heads.ne = {x.cols() / n_heads, x.rows() * n_heads, 1, 1};
  rmsnorm(heads, w, heads, eps);
}

// ---- positions: rope, cache, attention -----------------------------------------------------

Ops::Bound Ops::bind_step(const Positions& pos, std::int64_t n_tok, const char* op) const {
  require(pos.step.type == GgmlType::I32 && pos.step.elements() >= 1, op,
          "the step tensor must hold an I32 position");
  require(pos.offset >= 0 && pos.end >= pos.offset + n_tok, op,
          "positions end at " + std::to_string(pos.end) + ", before the " + std::to_string(n_tok) +
              " tokens from offset " + std::to_string(pos.offset));
  return bind(pos.step, op);
}

void Ops::rope(const Tensor& x, int n_heads, int head_dim, const Positions& pos,
               const RopeTable& table) {
  const char* op = "rope";
  require_f32(x, op, "x");
  const int n_rot = table.params.n_rot;
  require(n_heads > 0 && head_dim > 0 && x.cols() == std::int64_t{n_heads} * head_dim, op,
          "row of " + std::to_string(x.cols()) + " is not " + std::to_string(n_heads) + " x " +
              std::to_string(head_dim));
  require(n_rot > 0 && n_rot % 2 == 0 && n_rot <= head_dim, op,
          "n_rot " + std::to_string(n_rot) + " must be even and at most head_dim");
  require(pos.end <= table.n_pos, op,
          "positions up to " + std::to_string(pos.end) + " past the table's " +
              std::to_string(table.n_pos));
  Tensor tt = table.tensor();
  Bound bx = bind(x, op), bt = bind(tt, op), bs = bind_step(pos, x.rows(), op);
  RopePush p{};
  p.n_heads = static_cast<std::uint32_t>(n_heads);
  p.head_dim = static_cast<std::uint32_t>(head_dim);
  p.n_rot = static_cast<std::uint32_t>(n_rot);
  p.pos_off = u32(pos.offset, op, "position offset");
  p.n_tok = u32(x.rows(), op, "tokens");
  p.x_off = elements(bx, 4, op);
  p.x_stride = u32(x.cols(), op, "row");
  p.table_off = elements(bt, 8, op) * 2;
  p.neox = table.params.type == ref::RopeType::NeoX ? 1 : 0;
  p.step_off = elements(bs, 4, op);
  constexpr std::uint32_t wg = 64;
  const vk::Pipeline& pl = kernels_->get("rope", "", false, 3, sizeof p, {wg});
  vk::Groups g{ceil_div(p.n_rot / 2, wg), p.n_heads, p.n_tok};
  record(pl, {bx.slice, bt.slice, bs.slice}, p, g, 8ull * x.elements());
}

void Ops::kv_write(const Tensor& k, const Tensor& v, const Tensor& k_cache, const Tensor& v_cache,
                   const Positions& pos) {
  const char* op = "kv_write";
  require_f32(k, op, "k");
  require_f32(v, op, "v");
  require(k_cache.type == GgmlType::F16 && v_cache.type == GgmlType::F16, op, "caches must be f16");
  require(
      v.ne == k.ne && k.cols() == k_cache.cols() && v_cache.ne == k_cache.ne && k.cols() % 2 == 0,
      op, "k " + dims(k) + ", v " + dims(v) + ", caches " + dims(k_cache));
  // Position p goes to row p % rows: a ring (a sliding-window layer's cache) wraps, so only the
  // chunk itself must fit.
  require(
      k.rows() <= k_cache.rows(), op,
      std::to_string(k.rows()) + " rows do not fit the cache's " + std::to_string(k_cache.rows()));
  Bound bk = bind(k, op), bv = bind(v, op), bkc = bind(k_cache, op), bvc = bind(v_cache, op),
        bs = bind_step(pos, k.rows(), op);
  KvWritePush p{};
  p.row = u32(k.cols(), op, "row");
  p.n_tok = u32(k.rows(), op, "tokens");
  p.pos_off = u32(pos.offset, op, "position offset");
  p.k_off = elements(bk, 4, op);
  p.v_off = elements(bv, 4, op);
  p.src_stride = p.row;
  p.kc_off = elements(bkc, 4, op);
  p.vc_off = elements(bvc, 4, op);
  p.rows = u32(k_cache.rows(), op, "cache rows");
  p.step_off = elements(bs, 4, op);
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("kv_write", "", false, 5, sizeof p, {wg});
  vk::Groups g{ceil_div(p.row / 2, wg), p.n_tok};
  record(pl, {bk.slice, bv.slice, bkc.slice, bvc.slice, bs.slice}, p, g, 12ull * k.elements());
}

std::uint64_t attention_scratch_floats(const Kernels& kernels, std::int64_t n_tok,
                                       const AttentionShape& s, std::int64_t n_ctx) {
  std::uint64_t chunks = ceil_div(static_cast<std::uint64_t>(n_ctx), kernels.config().attn_chunk);
  return sat_mul({static_cast<std::uint64_t>(n_tok), static_cast<std::uint64_t>(s.n_head), chunks,
                  static_cast<std::uint64_t>(s.head_dim) + 2});
}

void Ops::attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache,
                    const Tensor& out, const AttentionShape& s, const Positions& pos,
                    const Tensor& scratch) {
  const char* op = "attention";
  const KernelConfig& cfg = kernels_->config();
  require_f32(q, op, "q");
  require_f32(out, op, "out");
  require(k_cache.type == GgmlType::F16 && v_cache.type == GgmlType::F16, op, "caches must be f16");
  require(s.n_head > 0 && s.n_head_kv > 0 && s.n_head % s.n_head_kv == 0, op,
          "n_head " + std::to_string(s.n_head) + " is not a multiple of n_head_kv " +
              std::to_string(s.n_head_kv));
  require(s.head_dim > 0 && s.head_dim % 2 == 0 &&
              static_cast<std::uint32_t>(s.head_dim) <= 4 * cfg.attn_wg,
          op,
          "head_dim " + std::to_string(s.head_dim) + " must be even and at most " +
              std::to_string(4 * cfg.attn_wg));
  require(q.cols() == std::int64_t{s.n_head} * s.head_dim && out.ne == q.ne, op,
          "q " + dims(q) + ", out " + dims(out) + " for " + std::to_string(s.n_head) + " heads");
  require(k_cache.cols() == std::int64_t{s.n_head_kv} * s.head_dim && v_cache.ne == k_cache.ne, op,
          "caches " + dims(k_cache) + " for " + std::to_string(s.n_head_kv) + " kv heads");
  require(s.window >= 0 && std::isfinite(s.softcap) && s.softcap >= 0, op,
          "window must be at least 0 and softcap finite and at least 0");
  const Bound bstep = bind_step(pos, q.rows(), op);
  // Key position p is row p % rows: every key from the first query's first one to the last
  // query's must have a row of its own (a sliding-window ring holds window + one chunk). The
  // most keys that takes, whatever the first position up to pos.end - q.rows():
  const std::int64_t n_kv = pos.end;
  const std::int64_t keys = s.window > 0 ? std::min(n_kv, s.window + q.rows() - 1) : n_kv;
  require(keys <= k_cache.rows(), op,
          std::to_string(keys) + " keys (positions up to " + std::to_string(n_kv - 1) +
              ") do not fit the cache's " + std::to_string(k_cache.rows()) + " rows");

  AttentionPush p{};
  p.n_head = static_cast<std::uint32_t>(s.n_head);
  p.n_head_kv = static_cast<std::uint32_t>(s.n_head_kv);
  p.head_dim = static_cast<std::uint32_t>(s.head_dim);
  p.pos_off = u32(pos.offset, op, "position offset");
  p.n_tok = u32(q.rows(), op, "tokens");
  p.q_stride = u32(q.cols(), op, "row");
  p.rows = u32(k_cache.rows(), op, "cache rows");
  // The longest query's key span: chunks start at its window's first key. Sized for pos.end
  // (the scratch's stride); with pos.grids the dispatch takes as many chunks as the position
  // needs (StepGrids: an indirect dispatch, not a fixed maximum with early exit, which costs
  // lavapipe too much), and the combining pass returns where one chunk held every key.
  const std::int64_t span = s.window > 0 ? std::min(n_kv, s.window) : n_kv;
  p.n_chunks = ceil_div(static_cast<std::uint64_t>(span), cfg.attn_chunk);
  p.window = s.window > 0 ? u32(s.window, op, "window") : 0;
  p.softcap = s.softcap;
  p.softcap_inv = s.softcap > 0 ? 1.f / s.softcap : 0.f;
  std::uint32_t group = p.n_head / p.n_head_kv;
  p.g_per_wg = std::min(group, cfg.attn_max_g);
  p.scale = s.scale;
  Bound bq = bind(q, op), bk = bind(k_cache, op, true), bv = bind(v_cache, op, true),
        bo = bind(out, op);
  p.q_off = elements(bq, 4, op);
  p.kc_off = elements(bk, 4, op);
  p.vc_off = elements(bv, 4, op);
  p.out_off = elements(bo, 4, op);
  p.step_off = elements(bstep, 4, op);
  Bound bs = bo;  // unused binding when no query spans two chunks
  if (p.n_chunks > 1) {
    require_f32(scratch, op, "scratch");
    std::uint64_t need =
        static_cast<std::uint64_t>(p.n_tok) * p.n_head * p.n_chunks * (p.head_dim + 2);
    require(static_cast<std::uint64_t>(scratch.elements()) >= need, op,
            "scratch of " + std::to_string(scratch.elements()) + " floats, needs " +
                std::to_string(need));
    bs = bind(scratch, op);
    p.scratch_off = elements(bs, 4, op);
  }
  std::uint32_t splits = (group + p.g_per_wg - 1) / p.g_per_wg;
  vk::Groups g{p.n_head_kv * splits, p.n_chunks, p.n_tok};
  const std::string_view variant = !s.llama_cpp_rounding ? "exact"
                                   : s.scale_query_first ? "llama_qscaled"
                                                         : "llama";
  const vk::Pipeline& pl = kernels_->get("attn_", variant, true, 6, sizeof p,
                                         {cfg.attn_wg, cfg.attn_chunk, cfg.attn_max_g}, 0b00110);
  std::uint64_t kv_bytes = 2ull * 2 * static_cast<std::uint64_t>(span) * k_cache.cols();
  const std::array<vk::BufferSlice, 6> slices{bq.slice, bk.slice, bv.slice,
                                              bo.slice, bs.slice, bstep.slice};
  if (pos.grids != nullptr) {
    record_indirect(pl, slices, p,
                    pos.grids->slot(g, s.window, cfg.attn_chunk, pos.offset + q.rows()),
                    kv_bytes + 8ull * q.elements());
  } else {
    record(pl, slices, p, g, kv_bytes + 8ull * q.elements());
  }
  if (p.n_chunks > 1) {
    AttnReducePush r{};
    r.n_head = p.n_head;
    r.head_dim = p.head_dim;
    r.pos_off = p.pos_off;
    r.n_tok = p.n_tok;
    r.chunk = cfg.attn_chunk;
    r.n_chunks = p.n_chunks;
    r.scratch_off = p.scratch_off;
    r.out_off = p.out_off;
    r.out_stride = p.q_stride;
    r.window = p.window;
    r.step_off = p.step_off;
    constexpr std::uint32_t wg = 64;
    const vk::Pipeline& rl = kernels_->get("attn_reduce", "", false, 3, sizeof r, {wg});
    record(rl, {bs.slice, bo.slice, bstep.slice}, r, vk::Groups{p.n_head, p.n_tok},
           4ull * p.n_tok * p.n_head * p.n_chunks * (p.head_dim + 2));
  }
}

vk::BufferSlice StepGrids::slot(vk::Groups g, std::int64_t window, std::uint32_t chunk,
                                std::int64_t last) {
  std::size_t i = 0;
  for (; i < grids_.size(); ++i) {
    const Grid& o = grids_[i];
    if (o.g.x == g.x && o.g.y == g.y && o.g.z == g.z && o.window == window && o.last == last &&
        o.chunk == chunk) {
      break;
    }
  }
  if (i == grids_.size()) {
    if (grids_.size() == kMaxGrids) {
      throw std::invalid_argument("attention: more than " + std::to_string(kMaxGrids) +
                                  " distinct grids in one replayed pass");
    }
    grids_.push_back({g, window, last, chunk});
  }
  return area_.buffer->slice(area_.offset + 12 * i, 12);
}

void StepGrids::write(std::int64_t first) const {
  std::byte* base = area_.buffer->mapped() + area_.offset;
  for (std::size_t i = 0; i < grids_.size(); ++i) {
    const Grid& o = grids_[i];
    const std::int64_t n_kv = first + o.last;  // the last query's keys end there
    const std::int64_t span = o.window > 0 ? std::min(n_kv, o.window) : n_kv;
    // At most g.y, the chunks pos.end allows (the scratch's stride).
    const std::uint32_t counts[3] = {
        o.g.x, std::min(o.g.y, ceil_div(static_cast<std::uint64_t>(span), o.chunk)), o.g.z};
    std::memcpy(base + 12 * i, counts, sizeof counts);
  }
}

// ---- element-wise --------------------------------------------------------------------------

void Ops::add(const Tensor& a, const Tensor& b, const Tensor& out) {
  require_f32(a, "add", "a");
  require_f32(b, "add", "b");
  require_f32(out, "add", "out");
  require(b.elements() == a.elements() && out.elements() == a.elements(), "add",
          "a " + dims(a) + ", b " + dims(b) + ", out " + dims(out));
  Bound ba = bind(a, "add"), bb = bind(b, "add"), bo = bind(out, "add");
  ElementwisePush p{u32(a.elements(), "add", "n"), u32(a.elements(), "add", "n"),
                    elements(ba, 4, "add"), elements(bb, 4, "add"), elements(bo, 4, "add")};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("elementwise_add", "", false, 3, sizeof p, {wg});
  record(pl, {ba.slice, bb.slice, bo.slice}, p, spread(ceil_div(p.n, wg)), 12ull * p.n);
}

void Ops::add_bias(const Tensor& x, const Tensor& bias) {
  require_f32(x, "add_bias", "x");
  require_f32(bias, "add_bias", "bias");
  require(bias.elements() == x.cols(), "add_bias",
          "x " + dims(x) + ", bias of " + std::to_string(bias.elements()));
  Bound bx = bind(x, "add_bias"), bb = bind(bias, "add_bias");
  std::uint32_t xo = elements(bx, 4, "add_bias");
  ElementwisePush p{u32(x.elements(), "add_bias", "n"), u32(x.cols(), "add_bias", "n"), xo,
                    elements(bb, 4, "add_bias"), xo};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("elementwise_add", "", false, 3, sizeof p, {wg});
  record(pl, {bx.slice, bb.slice, bx.slice}, p, spread(ceil_div(p.n, wg)), 8ull * p.n);
}

void Ops::swiglu(const Tensor& gate, const Tensor& up, const Tensor& out) {
  require_f32(gate, "swiglu", "gate");
  require_f32(up, "swiglu", "up");
  require_f32(out, "swiglu", "out");
  require(up.elements() == gate.elements() && out.elements() == gate.elements(), "swiglu",
          "gate " + dims(gate) + ", up " + dims(up) + ", out " + dims(out));
  Bound bg = bind(gate, "swiglu"), bu = bind(up, "swiglu"), bo = bind(out, "swiglu");
  ElementwisePush p{u32(gate.elements(), "swiglu", "n"), u32(gate.elements(), "swiglu", "n"),
                    elements(bg, 4, "swiglu"), elements(bu, 4, "swiglu"),
                    elements(bo, 4, "swiglu")};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("elementwise_swiglu", "", false, 3, sizeof p, {wg});
  record(pl, {bg.slice, bu.slice, bo.slice}, p, spread(ceil_div(p.n, wg)), 12ull * p.n);
}

void Ops::geglu(const Tensor& gate, const Tensor& up, const Tensor& out, bool llama_cpp) {
  require_f32(gate, "geglu", "gate");
  require_f32(up, "geglu", "up");
  require_f32(out, "geglu", "out");
  require(up.elements() == gate.elements() && out.elements() == gate.elements(), "geglu",
          "gate " + dims(gate) + ", up " + dims(up) + ", out " + dims(out));
  Bound bg = bind(gate, "geglu"), bu = bind(up, "geglu"), bo = bind(out, "geglu");
  ElementwisePush p{u32(gate.elements(), "geglu", "n"), u32(gate.elements(), "geglu", "n"),
                    elements(bg, 4, "geglu"), elements(bu, 4, "geglu"), elements(bo, 4, "geglu")};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get(
      llama_cpp ? "elementwise_geglu_llama" : "elementwise_geglu", "", false, 3, sizeof p, {wg});
  record(pl, {bg.slice, bu.slice, bo.slice}, p, spread(ceil_div(p.n, wg)), 12ull * p.n);
}

void Ops::scale(const Tensor& x, float a) {
  require_f32(x, "scale", "x");
  require(std::isfinite(a), "scale", "the factor must be finite");
  Bound bx = bind(x, "scale");
  ScalePush p{u32(x.elements(), "scale", "n"), elements(bx, 4, "scale"), a, 0.f};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("scale_mul", "", false, 1, sizeof p, {wg});
  record(pl, {bx.slice}, p, spread(ceil_div(p.n, wg)), 8ull * p.n);
}

void Ops::softcap(const Tensor& x, float cap) {
  require_f32(x, "softcap", "x");
  require(std::isfinite(cap) && cap > 0, "softcap", "the cap must be finite and above 0");
  Bound bx = bind(x, "softcap");
  ScalePush p{u32(x.elements(), "softcap", "n"), elements(bx, 4, "softcap"), 1.f / cap, cap};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("scale_softcap", "", false, 1, sizeof p, {wg});
  record(pl, {bx.slice}, p, spread(ceil_div(p.n, wg)), 8ull * p.n);
}

void Ops::argmax(const Tensor& x, const Tensor& out) {
  require_f32(x, "argmax", "x");
  require(out.type == GgmlType::I32 && out.elements() == x.rows(), "argmax",
          "out must be I32 with one element per row of x " + dims(x));
  Bound bx = bind(x, "argmax"), bo = bind(out, "argmax");
  ArgmaxPush p{u32(x.cols(), "argmax", "n"), elements(bx, 4, "argmax"),
               u32(x.cols(), "argmax", "n"), elements(bo, 4, "argmax")};
  constexpr std::uint32_t wg = 256;
  const vk::Pipeline& pl = kernels_->get("argmax", "", false, 2, sizeof p, {wg});
  record(pl, {bx.slice, bo.slice}, p, spread(static_cast<std::uint64_t>(x.rows())),
         4ull * x.elements());
}

void Ops::topk(const Tensor& x, const Tensor& out, std::uint32_t k) {
  require_f32(x, "topk", "x");
  require(x.rows() == 1, "topk", "x must be one row " + dims(x));
  require(k >= 1 && k <= kTopkMax, "topk", "k must be 1 to " + std::to_string(kTopkMax));
  require(out.type == GgmlType::I32 && out.elements() >= topk_words(k), "topk",
          "out must be I32 with room for " + std::to_string(topk_words(k)) + " words");
  Bound bx = bind(x, "topk"), bo = bind(out, "topk");
  TopkPush p{u32(x.cols(), "topk", "n"), elements(bx, 4, "topk"), k, elements(bo, 4, "topk")};
  constexpr std::uint32_t wg = 128;
  const vk::Pipeline& pl = kernels_->get("topk", "", false, 2, sizeof p, {wg});
  record(pl, {bx.slice, bo.slice}, p, spread(1), 4ull * x.elements());
}

void Ops::copy(const Tensor& src, const Tensor& dst) {
  require(src.bytes() == dst.bytes() && src.bytes() % 16 == 0, "copy",
          "sizes differ or are not multiples of 16 bytes");
  Bound bs = bind(src, "copy"), bd = bind(dst, "copy");
  CopyPush p{u32(static_cast<std::int64_t>(src.bytes() / 16), "copy", "size"),
             elements(bs, 16, "copy"), elements(bd, 16, "copy")};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("copy", "", false, 2, sizeof p, {wg});
  record(pl, {bs.slice, bd.slice}, p, spread(ceil_div(p.n, wg)), 2 * src.bytes());
}

// ---- llama.cpp-compatible rounding ---------------------------------------------------------

namespace {

// shaders/round_act.comp (here rather than in kernels.h: the op is private to this file).
struct RoundActPush {
  std::uint32_t n, rows, x_off, x_stride, out_off, out_stride;
};
static_assert(sizeof(RoundActPush) == 6 * 4);

}  // namespace

void Ops::round_activations(const Tensor& x, const Tensor& out, quant::ActGrid grid) {
  const char* op = "round_activations";
  require_f32(x, op, "x");
  require_f32(out, op, "out");
  require(out.ne == x.ne, op, "x " + dims(x) + ", out " + dims(out));
  const std::uint32_t block = static_cast<std::uint32_t>(quant::act_grid_block(grid));
  require(x.cols() % block == 0, op,
          "rows of " + std::to_string(x.cols()) + " are not whole " +
              std::string(quant::act_grid_name(grid)) + " blocks");
  if (grid == quant::ActGrid::Exact) {
    if (out.buffer != x.buffer || out.offset != x.offset) copy(x, out);
    return;
  }
  Bound bx = bind(x, op), bo = bind(out, op);
  RoundActPush p{};
  p.n = u32(x.cols(), op, "n");
  p.rows = u32(x.rows(), op, "rows");
  p.x_off = elements(bx, 4, op);
  p.x_stride = p.n;
  p.out_off = elements(bo, 4, op);
  p.out_stride = p.n;
  const std::uint64_t n = static_cast<std::uint64_t>(p.n) * p.rows;
  if (grid == quant::ActGrid::F16 || grid == quant::ActGrid::BF16) {
    const std::uint32_t wg = kernels_->config().elementwise_wg;
    const vk::Pipeline& pl =
        kernels_->get("round_act_", quant::act_grid_name(grid), false, 2, sizeof p, {wg});
    record(pl, {bx.slice, bo.slice}, p, spread(ceil_div(n, wg)), 8 * n);
    return;
  }
  // Q8_1 holds the same values as Q8_0 (quant/act_rounding.h).
  const std::string_view variant = grid == quant::ActGrid::Q8_K ? "q8_k" : "q8_0";
  const vk::Pipeline& pl = kernels_->get("round_act_", variant, true, 2, sizeof p, {block});
  record(pl, {bx.slice, bo.slice}, p, spread(n / block), 8 * n);
}

RoundedInput::RoundedInput(Ops& ops, const Tensor& x, const Tensor& scratch, bool enabled)
    : ops_(&ops), x_(x), rounded_(scratch), enabled_(enabled) {
  if (!enabled_) return;
  require_f32(scratch, "rounded input", "scratch");
  require(scratch.elements() >= x.elements(), "rounded input",
          "scratch of " + std::to_string(scratch.elements()) + " floats for x " + dims(x));
  rounded_.ne = x.ne;
}

const Tensor& RoundedInput::for_weight(const Tensor& w) {
  const quant::ActGrid grid = quant::act_grid_for(w.type);
  if (!enabled_ || grid == quant::ActGrid::Exact) return x_;
  if (!have_ || grid != grid_) {
    ops_->round_activations(x_, rounded_, grid);
    grid_ = grid;
    have_ = true;
  }
  return rounded_;
}

// ---- qwen35's gated delta net ------------------------------------------------------------

void Ops::delta_conv(const Tensor& x, const Tensor& w, const Tensor& window, const Tensor& out) {
  const char* op = "delta_conv";
  require_f32(x, op, "x");
  require_f32(w, op, "w");
  require_f32(window, op, "window");
  require_f32(out, op, "out");
  const std::int64_t channels = x.cols(), d_conv = w.cols();
  require(w.rows() == channels && d_conv >= 1 && d_conv <= std::int64_t{kMaxConvTaps}, op,
          "w " + dims(w) + " is not channels " + std::to_string(channels) + " x d_conv (1.." +
              std::to_string(kMaxConvTaps) + ")");
  require(window.elements() == (d_conv - 1) * channels, op,
          "window of " + std::to_string(window.elements()) + " is not (d_conv - 1) x channels");
  require(out.cols() == channels && out.rows() == x.rows(), op,
          "x " + dims(x) + ", out " + dims(out));
  // An empty window (d_conv 1) still needs a binding: the weights stand in, unread.
  const Tensor& win = d_conv > 1 ? window : w;
  Bound bx = bind(x, op), bw = bind(w, op), bwin = bind(win, op), bo = bind(out, op);
  DeltaConvPush p{
      u32(channels, op, "channels"), u32(x.rows(), op, "n_tok"),  u32(d_conv, op, "d_conv"),
      elements(bx, 4, op),           u32(channels, op, "stride"), elements(bw, 4, op),
      elements(bwin, 4, op),         elements(bo, 4, op),         u32(channels, op, "stride")};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("delta_conv", "", false, 4, sizeof p, {wg, kMaxConvTaps});
  record(pl, {bx.slice, bw.slice, bwin.slice, bo.slice}, p, spread(ceil_div(p.channels, wg)),
         4ull * (2 * x.elements() + w.elements() + 2 * window.elements()));
}

void Ops::delta_gates(const Tensor& alpha, const Tensor& beta_raw, const Tensor& dt_bias,
                      const Tensor& a, const Tensor& g, const Tensor& beta) {
  const char* op = "delta_gates";
  for (const Tensor* t : {&alpha, &beta_raw, &dt_bias, &a, &g, &beta}) require_f32(*t, op, "input");
  const std::int64_t n_heads = alpha.cols();
  require(beta_raw.ne == alpha.ne && g.ne == alpha.ne && beta.ne == alpha.ne, op,
          "alpha " + dims(alpha) + ", beta_raw " + dims(beta_raw) + ", g " + dims(g) + ", beta " +
              dims(beta));
  require(dt_bias.elements() == n_heads && a.elements() == n_heads, op,
          "dt_bias and a must hold one value per head");
  Bound bal = bind(alpha, op), bbr = bind(beta_raw, op), bdt = bind(dt_bias, op), ba = bind(a, op),
        bg = bind(g, op), bb = bind(beta, op);
  DeltaGatesPush p{u32(alpha.elements(), op, "n"),
                   u32(n_heads, op, "n_heads"),
                   elements(bal, 4, op),
                   elements(bbr, 4, op),
                   elements(bdt, 4, op),
                   elements(ba, 4, op),
                   elements(bg, 4, op),
                   elements(bb, 4, op)};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("delta_gates", "", false, 6, sizeof p, {wg});
  record(pl, {bal.slice, bbr.slice, bdt.slice, ba.slice, bg.slice, bb.slice}, p,
         spread(ceil_div(p.n, wg)), 16ull * p.n);
}

void Ops::delta_step(const Tensor& conv, const DeltaShape& sh, const Tensor& g, const Tensor& beta,
                     const Tensor& state, const Tensor& out) {
  const char* op = "delta_step";
  for (const Tensor* t : {&conv, &g, &beta, &state, &out}) require_f32(*t, op, "input");
  const std::int64_t d = sh.head_dim, hk = sh.n_k_heads, hv = sh.n_v_heads, T = conv.rows();
  require(d > 0 && d <= kMaxDeltaHeadDim && (d & (d - 1)) == 0, op,
          "head_dim " + std::to_string(d) + " must be a power of two of at most " +
              std::to_string(kMaxDeltaHeadDim));
  require(hk > 0 && hv > 0 && hv % hk == 0, op, "value heads must be a multiple of key heads");
  require(conv.cols() == (2 * hk + hv) * d, op, "conv " + dims(conv) + " is not q, k, v wide");
  require(g.cols() == hv && g.rows() == T && beta.ne == g.ne, op,
          "g " + dims(g) + ", beta " + dims(beta) + " for " + std::to_string(T) + " tokens");
  require(state.elements() == hv * d * d, op, "state is not n_v_heads x head_dim^2");
  require(out.cols() == hv * d && out.rows() == T, op, "out " + dims(out));
  Bound bc = bind(conv, op), bg = bind(g, op), bb = bind(beta, op), bs = bind(state, op),
        bo = bind(out, op);
  const std::uint32_t c0 = elements(bc, 4, op);
  DeltaStepPush p{u32(hk, op, "n_k_heads"),
                  u32(hv, op, "n_v_heads"),
                  u32(T, op, "n_tok"),
                  c0,
                  c0 + u32(hk * d, op, "k_off"),
                  c0 + u32(2 * hk * d, op, "v_off"),
                  u32(conv.cols(), op, "stride"),
                  elements(bg, 4, op),
                  elements(bb, 4, op),
                  elements(bs, 4, op),
                  elements(bo, 4, op),
                  sh.eps,
                  1.f / std::sqrt(static_cast<float>(d))};
  const vk::Pipeline& pl =
      kernels_->get("delta_step", "", true, 5, sizeof p, {static_cast<std::uint32_t>(d)});
  record(pl, {bc.slice, bg.slice, bb.slice, bs.slice, bo.slice}, p,
         {static_cast<std::uint32_t>(hv)},
         4ull * (conv.elements() + 2 * g.elements() + 2 * T * state.elements() + out.elements()));
}

void Ops::binary(std::string_view pipeline, const char* op, const Tensor& a, const Tensor& b,
                 const Tensor& out) {
  require_f32(a, op, "a");
  require_f32(b, op, "b");
  require_f32(out, op, "out");
  require(b.elements() == a.elements() && out.elements() == a.elements(), op,
          "a " + dims(a) + ", b " + dims(b) + ", out " + dims(out));
  Bound ba = bind(a, op), bb = bind(b, op), bo = bind(out, op);
  ElementwisePush p{u32(a.elements(), op, "n"), u32(a.elements(), op, "n"), elements(ba, 4, op),
                    elements(bb, 4, op), elements(bo, 4, op)};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get(pipeline, "", false, 3, sizeof p, {wg});
  record(pl, {ba.slice, bb.slice, bo.slice}, p, spread(ceil_div(p.n, wg)), 12ull * p.n);
}

void Ops::mul_silu(const Tensor& a, const Tensor& z, const Tensor& out) {
  binary("elementwise_mul_silu", "mul_silu", a, z, out);
}

void Ops::mul_sigmoid(const Tensor& a, const Tensor& gate, const Tensor& out) {
  binary("elementwise_mul_sigmoid", "mul_sigmoid", a, gate, out);
}

}  // namespace vkchat::ops

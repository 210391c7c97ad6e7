// Recording of the mixture-of-experts ops: routing, matrix x vector by expert id, and the
// weighted sum of the experts' outputs.
#include <limits>
#include <stdexcept>
#include <string>

#include "ops/ops.h"
#include "vk/context.h"

namespace vkchat::ops {

using gguf::GgmlType;

namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string(op) + ": " + what);
}

std::uint32_t u32(std::int64_t v, const char* op, const char* what) {
  require(v >= 0 && v <= std::numeric_limits<std::uint32_t>::max(), op,
          std::string(what) + " " + std::to_string(v) + " out of range");
  return static_cast<std::uint32_t>(v);
}

std::uint32_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::uint32_t>((a + b - 1) / b);
}

std::string dims(const Tensor& t) {
  return "[" + std::to_string(t.rows()) + " x " + std::to_string(t.cols()) + "]";
}

constexpr std::uint32_t kWeightAlign = 16;  // as ops.cpp: weight rows start at texel boundaries

}  // namespace

void Ops::moe_route(const Tensor& logits, const Tensor& ids, const Tensor& weights,
                    bool normalize) {
  const char* op = "moe_route";
  const std::int64_t n_expert = logits.cols(), k = ids.cols(), T = logits.rows();
  require(
      logits.type == GgmlType::F32 && weights.type == GgmlType::F32 && ids.type == GgmlType::I32,
      op, "logits and weights must be f32, ids I32");
  require(k >= 1 && k <= n_expert && ids.rows() == T && weights.ne == ids.ne, op,
          "logits " + dims(logits) + ", ids " + dims(ids) + ", weights " + dims(weights));
  // The kernel holds the token's scores and ids in shared memory.
  const vk::DeviceInfo& info = kernels_->context().info();
  require(static_cast<std::uint64_t>(n_expert) * 8 <= info.max_shared_memory, op,
          std::to_string(n_expert) + " experts exceed the device's shared memory (" +
              std::to_string(info.max_shared_memory) + " bytes)");
  Bound bl = bind(logits, op), bi = bind(ids, op), bw = bind(weights, op);
  MoeRoutePush p{u32(k, op, "k"), elements(bl, 4, op), elements(bi, 4, op), elements(bw, 4, op),
                 normalize ? 1u : 0u};
  const vk::Pipeline& pl =
      kernels_->get("moe_route", "", false, 3, sizeof p, {u32(n_expert, op, "experts")});
  record(pl, {bl.slice, bi.slice, bw.slice}, p, spread(static_cast<std::uint64_t>(T)),
         4ull * static_cast<std::uint64_t>(T * (n_expert + 2 * k)));
}

void Ops::matvec_id(const Tensor& w, const Tensor& ids, const Tensor& x, const Tensor& y) {
  matvec_id_rows(w, nullptr, ids, x, y);
}

void Ops::matvec_id_swiglu(const Tensor& gate, const Tensor& up, const Tensor& ids, const Tensor& x,
                           const Tensor& y) {
  require(up.type == gate.type && up.ne == gate.ne, "matvec_id_swiglu",
          "gate and up differ in type or shape");
  matvec_id_rows(gate, &up, ids, x, y);
}

void Ops::matvec_id_rows(const Tensor& w, const Tensor* w2, const Tensor& ids, const Tensor& x,
                         const Tensor& y) {
  const char* op = w2 ? "matvec_id_swiglu" : "matvec_id";
  kernel_type_suffix(w.type);  // UnsupportedModel for types without a kernel
  const std::int64_t K = w.cols(), N = w.ne[1], n_expert = w.ne[2], S = ids.elements();
  require(w.ne[3] == 1 && n_expert >= 1, op, "w must be n_expert stacked matrices");
  require(ids.type == GgmlType::I32 && x.type == GgmlType::F32 && y.type == GgmlType::F32, op,
          "ids must be I32, x and y f32");
  require(S >= 1 && x.rows() >= 1 && S % x.rows() == 0 && x.cols() == K && y.cols() == N &&
              y.rows() == S,
          op,
          "W [" + std::to_string(n_expert) + " x " + std::to_string(N) + " x " + std::to_string(K) +
              "], " + std::to_string(S) + " ids, x " + dims(x) + ", y " + dims(y) + " do not fit");
  const KernelConfig& cfg = kernels_->config();
  // The whole stack is bound at once: any slot may pick any expert.
  Bound bw = bind(w, op, true), bx = bind(x, op, true), by = bind(y, op), bi = bind(ids, op);
  LinearIdPush p{};
  p.linear = linear_push(bw, bx, by, w.row_range(0, N), x, y, 0, op);
  p.linear.n_tok = u32(S, op, "slots");
  p.linear.x_stride = u32(K, op, "K");
  p.ids_off = elements(bi, 4, op);
  p.x_div = u32(S / x.rows(), op, "slots per input");
  const std::uint64_t expert_bytes = w.row_bytes() * static_cast<std::uint64_t>(N);
  p.expert_bytes = u32(static_cast<std::int64_t>(expert_bytes), op, "expert bytes");
  p.n_expert = u32(n_expert, op, "experts");
  // Only the chosen experts are read: S of them per pass (the bytes the profiler counts).
  const std::uint64_t bytes = expert_bytes * static_cast<std::uint64_t>(S) * (w2 ? 2 : 1) +
                              4ull * static_cast<std::uint64_t>(x.elements() + y.elements() + S);
  vk::Groups g = spread(ceil_div(p.linear.N, cfg.matvec_rows));
  g.z = p.linear.n_tok;
  const std::string_view shader = w2 ? "matvec_id_swiglu_" : "matvec_id_";
  WeightBindings wb;
  if (w2) {
    Bound bw2 = bind(*w2, op, true);
    p.linear.w2_off = elements(bw2, kWeightAlign, op) * kWeightAlign;
    wb = weight_bindings(w.type, {bw.slice, bw2.slice, bx.slice, by.slice, bi.slice}, 0b00111u);
  } else {
    wb = weight_bindings(w.type, {bw.slice, bx.slice, by.slice, bi.slice}, 0b0011u);
  }
  const vk::Pipeline& pl = kernels_->get(shader, kernel_type_suffix(w.type), true, wb.count,
                                         sizeof p, {cfg.matvec_wg, cfg.matvec_rows}, wb.texels);
  record(pl, wb.span(), p, g, bytes);
}

void Ops::moe_combine(const Tensor& y, const Tensor& weights, const Tensor& out) {
  const char* op = "moe_combine";
  const std::int64_t T = out.rows(), k = weights.cols(), n = out.cols();
  require(y.type == GgmlType::F32 && weights.type == GgmlType::F32 && out.type == GgmlType::F32, op,
          "every tensor must be f32");
  require(k >= 1 && weights.rows() == T && y.rows() == T * k && y.cols() == n, op,
          "y " + dims(y) + ", weights " + dims(weights) + ", out " + dims(out));
  Bound by = bind(y, op), bw = bind(weights, op), bo = bind(out, op);
  MoeCombinePush p{u32(n, op, "n"),     u32(T, op, "tokens"), u32(k, op, "k"),
                   elements(by, 4, op), elements(bw, 4, op),  elements(bo, 4, op)};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("moe_combine", "", false, 3, sizeof p, {wg});
  record(pl, {by.slice, bw.slice, bo.slice}, p,
         spread(ceil_div(static_cast<std::uint64_t>(n * T), wg)),
         4ull * static_cast<std::uint64_t>(y.elements() + weights.elements() + out.elements()));
}

void Ops::moe_shared_add(const Tensor& x, const Tensor& y, const Tensor& gate) {
  const char* op = "moe_shared_add";
  const std::int64_t T = x.rows(), n = x.cols();
  require(x.type == GgmlType::F32 && y.type == GgmlType::F32 && gate.type == GgmlType::F32, op,
          "every tensor must be f32");
  require(y.ne == x.ne && gate.elements() == T, op,
          "x " + dims(x) + ", y " + dims(y) + ", gate " + dims(gate));
  Bound bx = bind(x, op), by = bind(y, op), bg = bind(gate, op);
  MoeSharedAddPush p{u32(n, op, "n"), u32(T, op, "tokens"), elements(bx, 4, op),
                     elements(by, 4, op), elements(bg, 4, op)};
  const std::uint32_t wg = kernels_->config().elementwise_wg;
  const vk::Pipeline& pl = kernels_->get("moe_shared_add", "", false, 3, sizeof p, {wg});
  record(pl, {bx.slice, by.slice, bg.slice}, p,
         spread(ceil_div(static_cast<std::uint64_t>(n * T), wg)),
         4ull * static_cast<std::uint64_t>(3 * x.elements() + gate.elements()));
}

}  // namespace vkchat::ops

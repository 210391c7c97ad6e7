// Kernel configuration and the pipeline cache.
#include "ops/kernels.h"

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "quant/iq_device_grids.h"
#include "util/env.h"
#include "util/errors.h"
#include "vk/context.h"

namespace vkchat::ops {

using gguf::GgmlType;

KernelConfig KernelConfig::for_device(const vk::Context& ctx) {
  const vk::DeviceInfo& info = ctx.info();
  KernelConfig c;
  c.subgroups = info.subgroup_arithmetic() && !env_flag("VKCHAT_NO_SUBGROUP");
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    // A CPU driver (llvmpipe) runs each workgroup on one core thread, its invocations one SIMD
    // row wide at a time: a workgroup of one SIMD row walking many rows of W keeps x in
    // registers and spends few barriers per row (docs/PERFORMANCE.md, issue 8).
    std::uint32_t simd = info.subgroup_size;
    c.matvec_wg = simd >= 1 && simd <= 64 && (simd & (simd - 1)) == 0 ? simd : 8;
    c.matvec_rows = 32;
    c.matvec_stream_rows = 32;
    c.matmul_rows = 8;
    c.device_topk = 0;
  }
  if (std::optional<std::string> spec = env_value("VKCHAT_KERNELS")) c.apply(*spec);
  return c;
}

std::uint32_t KernelConfig::matvec_stream_units(std::int64_t K) const {
  const std::int64_t units = (K + 31) / 32;
  const std::int64_t upl = (units + matvec_wg - 1) / matvec_wg;
  return matvec_stream_rows > 0 && upl <= matvec_stream_max_units ? static_cast<std::uint32_t>(upl)
                                                                  : 0;
}

bool KernelConfig::fit_attention_head(const vk::DeviceInfo& info, std::int64_t head_dim) {
  // attn.comp's shared arrays for a workgroup of wg: the queries (attn_max_g heads of 4 * wg),
  // scores and weights (attn_max_g x attn_chunk each), the sums and maxima, and common.glsl's
  // reduction arrays (2 x wg).
  const auto shared_bytes = [&](std::uint64_t wg) {
    const std::uint64_t g = attn_max_g;
    return 4 * (g * 4 * wg + 2 * g * attn_chunk + 2 * g + 2 * wg);
  };
  while (4 * std::int64_t{attn_wg} < head_dim) {
    const std::uint64_t wider = 2ull * attn_wg;
    if (wider > info.max_workgroup_invocations || wider > info.max_workgroup_size[0] ||
        shared_bytes(wider) > info.max_shared_memory) {
      return false;
    }
    attn_wg = static_cast<std::uint32_t>(wider);
  }
  return true;
}

void KernelConfig::apply(std::string_view spec) {
  struct Field {
    std::string_view name;
    std::uint32_t KernelConfig::*member;
    bool zero_ok = false;
  };
  static constexpr Field kFields[] = {
      {"matvec_wg", &KernelConfig::matvec_wg},
      {"matvec_rows", &KernelConfig::matvec_rows},
      {"matvec_stream_rows", &KernelConfig::matvec_stream_rows, true},
      {"matvec_stream_max_units", &KernelConfig::matvec_stream_max_units},
      {"elementwise_wg", &KernelConfig::elementwise_wg},
      {"norm_wg", &KernelConfig::norm_wg},
      {"attn_wg", &KernelConfig::attn_wg},
      {"attn_chunk", &KernelConfig::attn_chunk},
      {"attn_max_g", &KernelConfig::attn_max_g},
      {"matmul_min_tokens", &KernelConfig::matmul_min_tokens},
      {"matmul_rows", &KernelConfig::matmul_rows, true},
      {"matmul_tokens", &KernelConfig::matmul_tokens},
      {"device_topk", &KernelConfig::device_topk, true},
  };
  auto bad = [&](std::string_view why) {
    return std::invalid_argument("kernel settings \"" + std::string(spec) +
                                 "\": " + std::string(why));
  };
  while (!spec.empty()) {
    std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) throw bad("expected name=value");
    std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    const Field* f = nullptr;
    for (const Field& x : kFields) {
      if (x.name == name) f = &x;
    }
    if (!f) throw bad("unknown setting " + std::string(name));
    if (ec != std::errc{} || end != value.data() + value.size() || (v == 0 && !f->zero_ok)) {
      throw bad("value of " + std::string(name) + " is not a positive integer");
    }
    this->*(f->member) = v;
  }
}

namespace {

// Every weight type the shaders read (the low-bit ones from Q2_K on in
// shaders/weights_lowbit.glsl), with its variant suffix (shaders/*.comp "// variant:").
struct KernelType {
  GgmlType type;
  std::string_view suffix;
};
constexpr KernelType kKernelTypes[] = {
    {GgmlType::F32, "f32"},
    {GgmlType::F16, "f16"},
    {GgmlType::BF16, "bf16"},
    {GgmlType::Q4_0, "q4_0"},
    {GgmlType::Q4_1, "q4_1"},
    {GgmlType::Q5_0, "q5_0"},
    {GgmlType::Q5_1, "q5_1"},
    {GgmlType::Q8_0, "q8_0"},
    {GgmlType::Q4_K, "q4_k"},
    {GgmlType::Q5_K, "q5_k"},
    {GgmlType::Q6_K, "q6_k"},
    {GgmlType::Q2_K, "q2_k"},
    {GgmlType::Q3_K, "q3_k"},
    {GgmlType::IQ4_NL, "iq4_nl"},
    {GgmlType::IQ4_XS, "iq4_xs"},
    {GgmlType::MXFP4, "mxfp4"},
    {GgmlType::NVFP4, "nvfp4"},
    {GgmlType::TQ1_0, "tq1_0"},
    {GgmlType::TQ2_0, "tq2_0"},
    {GgmlType::Q1_0, "q1_0"},
    {GgmlType::Q2_0, "q2_0"},
    // The codebook-grid IQ types (shaders/weights_iq.glsl; their kernels bind iq_grids()).
    {GgmlType::IQ2_XXS, "iq2_xxs"},
    {GgmlType::IQ2_XS, "iq2_xs"},
    {GgmlType::IQ2_S, "iq2_s"},
    {GgmlType::IQ3_XXS, "iq3_xxs"},
    {GgmlType::IQ3_S, "iq3_s"},
    {GgmlType::IQ1_S, "iq1_s"},
    {GgmlType::IQ1_M, "iq1_m"},
};

const KernelType* find_kernel_type(GgmlType type) {
  for (const KernelType& k : kKernelTypes) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

}  // namespace

bool kernel_supports(GgmlType type) {
  return find_kernel_type(type) != nullptr;
}

std::string_view kernel_type_suffix(GgmlType type) {
  if (const KernelType* k = find_kernel_type(type)) return k->suffix;
  throw UnsupportedModel("no GPU kernel reads tensor type " + std::string(gguf::type_name(type)));
}

Kernels::Kernels(vk::Context& ctx) : Kernels(ctx, KernelConfig::for_device(ctx)) {}

Kernels::Kernels(vk::Context& ctx, const KernelConfig& config)
    : ctx_(&ctx), config_(config), log_pipelines_(env_flag("VKCHAT_LOG_PIPELINES")) {}

const vk::Buffer& Kernels::iq_grids() {
  if (!iq_grids_) {
    const std::vector<std::byte> table = quant::iq_device_grids();
    vk::Buffer b(*ctx_, table.size(), vk::BufferKind::Device, "IQ codebooks");
    ctx_->upload(b, 0, table);
    iq_grids_ = std::move(b);
  }
  return iq_grids_;
}

const vk::Pipeline& Kernels::get(std::string_view shader, std::string_view variant, bool reduces,
                                 std::uint32_t bindings, std::uint32_t push_size,
                                 std::initializer_list<std::uint32_t> spec,
                                 std::uint32_t texel_bindings) {
  // Key "shader+variant[_nosg]:spec0:spec1...", formatted without touching the heap.
  char buf[128];
  std::size_t n = 0;
  auto put = [&](std::string_view s) {
    if (n + s.size() > sizeof buf) throw std::invalid_argument("kernel name too long");
    std::memcpy(buf + n, s.data(), s.size());
    n += s.size();
  };
  put(shader);
  put(variant);
  if (reduces && !config_.subgroups) put("_nosg");
  std::size_t name_len = n;
  for (std::uint32_t v : spec) {
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    put(":");
    put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  std::string_view key(buf, n);
  auto it = pipelines_.find(key);
  if (it == pipelines_.end()) {
    vk::PipelineDesc desc{std::string_view(buf, name_len),  bindings,         push_size,
                          std::vector<std::uint32_t>(spec), std::string(key), texel_bindings};
    const auto t0 = std::chrono::steady_clock::now();
    it = pipelines_.emplace(std::string(key), vk::Pipeline(*ctx_, desc)).first;
    // Building pipelines is most of a cold start and of the GPU tests' time on lavapipe (a
    // codebook type's matvec takes seconds): VKCHAT_LOG_PIPELINES=1 shows what each one cost.
    if (log_pipelines_) {
      const auto ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
      std::fprintf(stderr, "vkchat: pipeline %.*s built in %.1f ms\n", static_cast<int>(key.size()),
                   key.data(), ms.count());
    }
  }
  return it->second;
}

}  // namespace vkchat::ops

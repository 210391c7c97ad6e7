// `vkchat-cli bench-kernels [--json]`: matrix x vector speed per weight type next to the same
// device's copy bandwidth, timed with GPU timestamps.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "ops/kernels.h"
#include "ops/ops.h"
#include "ops/weight_upload.h"
#include "ref/random_weights.h"
#include "vk/command.h"
#include "vk/context.h"

namespace vkchat::cli {

extern const std::string_view kBenchKernelsHelp;
const std::string_view kBenchKernelsHelp =
    "usage: vkchat-cli bench-kernels [--json] [--iters N] [--types LIST] [--shapes LIST]\n"
    "\n"
    "Times the matrix x vector kernel (decode) for N x K = 4096 x 4096 and 4096 x 14336 in\n"
    "each weight type on random weights, with GPU timestamps: microseconds per call and\n"
    "effective GB/s (weight bytes read / time). Also times a plain buffer copy on the same\n"
    "device (GB/s = bytes read + written / time) and prints each kernel's ratio to it,\n"
    "and the host's std::memcpy bandwidth (the machine's memory, for comparison).\n"
    "The device is chosen as everywhere else (VKCHAT_DEVICE).\n"
    "  --json        one JSON object instead of a table\n"
    "  --iters N     timed calls per shape (default 10; the first call is a warm-up)\n"
    "  --types LIST  comma-separated subset, e.g. q4_0,q4_k (default: every type)\n"
    "  --shapes LIST comma-separated NxK instead, e.g. 896x896,151936x896\n";

namespace {

using gguf::GgmlType;

// --shapes bounds: 2^28 weights are 1 GiB as F32 (the default shapes have 2^24 and 2^26).
constexpr std::int64_t kMaxShapeSide = std::int64_t{1} << 20;
constexpr std::int64_t kMaxShapeWeights = std::int64_t{1} << 28;

struct Row {
  std::string type;
  std::int64_t n, k;
  std::uint64_t weight_bytes;
  double us;
  double gbps;
};

const GgmlType kTypes[] = {GgmlType::F32,     GgmlType::F16,     GgmlType::BF16,   GgmlType::Q4_0,
                           GgmlType::Q4_1,    GgmlType::Q5_0,    GgmlType::Q5_1,   GgmlType::Q8_0,
                           GgmlType::Q4_K,    GgmlType::Q5_K,    GgmlType::Q6_K,   GgmlType::Q2_K,
                           GgmlType::Q3_K,    GgmlType::IQ4_NL,  GgmlType::IQ4_XS, GgmlType::MXFP4,
                           GgmlType::NVFP4,   GgmlType::TQ1_0,   GgmlType::TQ2_0,  GgmlType::Q1_0,
                           GgmlType::Q2_0,    GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S,
                           GgmlType::IQ3_XXS, GgmlType::IQ3_S,   GgmlType::IQ1_S,  GgmlType::IQ1_M};

// Mean time of the kernel's timed calls, from the profiler.
double mean_us(vk::Context& ctx) {
  auto stats = ctx.profiler().stats();
  if (stats.empty()) throw std::runtime_error("no timestamps were recorded");
  return stats.front().us_per_call();
}

// The host's memory bandwidth, for comparison: std::memcpy of 256 MiB, best of `iters`, GB/s
// counting bytes read + written like the device copy.
double host_memcpy_gbps(int iters) {
  const std::size_t bytes = std::size_t{256} << 20;
  std::vector<std::byte> src(bytes, std::byte{1}), dst(bytes, std::byte{0});
  double best_s = 1e30;
  for (int i = 0; i < std::max(iters, 2); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::memcpy(dst.data(), src.data(), bytes);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best_s = std::min(best_s, s);
  }
  if (dst[bytes / 2] != std::byte{1}) throw std::runtime_error("host memcpy lost bytes");
  return 2.0 * static_cast<double>(bytes) / best_s / 1e9;
}

double time_copy(vk::Context& ctx, ops::Kernels& kernels, int iters, std::uint64_t& bytes_out) {
  // Large enough to leave caches behind, small enough for a storage-buffer binding anywhere.
  std::uint64_t bytes = std::min<std::uint64_t>(256ull << 20, ctx.info().max_storage_buffer_range);
  bytes = bytes / 16 * 16;
  vk::Buffer src(ctx, bytes, vk::BufferKind::Device, "bench copy src");
  vk::Buffer dst(ctx, bytes, vk::BufferKind::Device, "bench copy dst");
  auto n = static_cast<std::int64_t>(bytes / 4);
  ops::Tensor s = ops::Tensor::f32(src, n), d = ops::Tensor::f32(dst, n);
  vk::CommandBuffer cmd(ctx);
  cmd.fill(src.whole(), 0x3f800000u);
  cmd.barrier();  // src is filled before the copies read it
  ops::Ops ops(kernels, cmd);
  ops.copy(s, d);  // warm-up
  cmd.submit_and_wait();
  ctx.profiler().clear();
  cmd.begin();
  for (int i = 0; i < iters; ++i) ops.copy(s, d);
  cmd.submit_and_wait();
  bytes_out = bytes;
  return mean_us(ctx);
}

Row time_matvec(vk::Context& ctx, ops::Kernels& kernels, GgmlType type, std::int64_t N,
                std::int64_t K, int iters) {
  std::vector<std::uint8_t> w = ref::random_weights(type, N, K, 1234);
  std::vector<float> x = ref::random_floats(static_cast<std::size_t>(K), 99);
  vk::Buffer wb(ctx, ops::matrix_bytes(type, K, N), vk::BufferKind::Device, "bench weights");
  vk::Buffer xb(ctx, x.size() * 4, vk::BufferKind::Device, "bench x");
  vk::Buffer yb(ctx, static_cast<std::uint64_t>(N) * 4, vk::BufferKind::Device, "bench y");
  ctx.upload(xb, 0, std::as_bytes(std::span<const float>(x)));
  ops::Tensor wt =
      ops::upload_matrix(ctx, wb, 0, type, K, N, std::as_bytes(std::span<const std::uint8_t>(w)));
  ops::Tensor xt = ops::Tensor::f32(xb, K), yt = ops::Tensor::f32(yb, N);
  vk::CommandBuffer cmd(ctx);
  ops::Ops ops(kernels, cmd);
  ops.matvec(wt, xt, yt);  // warm-up: pipeline creation and first touch
  cmd.submit_and_wait();
  ctx.profiler().clear();
  cmd.begin();
  for (int i = 0; i < iters; ++i) ops.matvec(wt, xt, yt);
  cmd.submit_and_wait();
  // Weights bigger than one storage-buffer window run as several dispatches per call.
  auto stats = ctx.profiler().stats();
  double total = 0;
  for (const auto& s : stats) total += s.total_us;
  double us = total / iters;
  return {std::string(gguf::type_name(type)), N, K, w.size(), us, w.size() / (us * 1e3)};
}

}  // namespace

int run_bench_kernels(Args& args) {
  bool json = args.flag("--json");
  const std::int64_t iters64 = args.integer("--iters").value_or(10);
  std::optional<std::string> types = args.value("--types");
  std::optional<std::string> shape_list = args.value("--shapes");
  if (!args.positionals().empty()) throw UsageError("bench-kernels takes no arguments");
  if (iters64 < 1 || iters64 > 1000000) throw UsageError("--iters must be from 1 to 1000000");
  const int iters = static_cast<int>(iters64);

  std::vector<GgmlType> selected;
  for (GgmlType t : kTypes) {
    if (!types) {
      selected.push_back(t);
      continue;
    }
    std::stringstream ss(*types);
    for (std::string item; std::getline(ss, item, ',');) {
      if (item == ops::kernel_type_suffix(t) || item == gguf::type_name(t)) selected.push_back(t);
    }
  }
  if (selected.empty()) throw UsageError("--types names no known weight type");
  std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {{4096, 4096}, {4096, 14336}};
  if (shape_list) {
    shapes.clear();
    std::stringstream ss(*shape_list);
    for (std::string item; std::getline(ss, item, ',');) {
      long long n = 0, k = 0;
      char tail = 0;
      if (std::sscanf(item.c_str(), "%lldx%lld%c", &n, &k, &tail) != 2 || n < 1 || k < 1) {
        throw UsageError("--shapes: expected NxK, got \"" + item + "\"");
      }
      // The random weights are made on the host first: bounded before anything is allocated.
      if (n > kMaxShapeSide || k > kMaxShapeSide || n * k > kMaxShapeWeights) {
        throw UsageError("--shapes: " + item + " is too large: N and K from 1 to " +
                         std::to_string(kMaxShapeSide) + ", N x K at most " +
                         std::to_string(kMaxShapeWeights));
      }
      shapes.emplace_back(n, k);
    }
    if (shapes.empty()) throw UsageError("--shapes names no shape");
  }

  vk::ContextOptions options = vk::ContextOptions::from_env();
  options.profile = true;
  vk::Context ctx = vk::Context::create(options);
  if (ctx.info().timestamp_bits == 0) {
    throw std::runtime_error(ctx.info().name + " has no timestamps on its compute queue");
  }
  ops::Kernels kernels(ctx);

  std::uint64_t copy_bytes = 0;
  double copy_us = time_copy(ctx, kernels, iters, copy_bytes);
  double copy_gbps = 2.0 * copy_bytes / (copy_us * 1e3);
  double host_gbps = host_memcpy_gbps(iters);

  std::vector<Row> rows;
  for (GgmlType t : selected) {
    for (auto [n, k] : shapes) {
      rows.push_back(time_matvec(ctx, kernels, t, n, k, iters));
      if (!json) std::fprintf(stderr, ".");
    }
  }
  ctx.profiler().clear();  // the results are printed here, not by the exit report

  if (json) {
    std::string o = "{\"device\":" + json_quote(ctx.info().name);
    o += ",\"driver\":" + json_quote(ctx.info().driver_info);
    o += ",\"iterations\":" + std::to_string(iters);
    char buf[160];
    std::snprintf(buf, sizeof buf, ",\"copy\":{\"bytes\":%llu,\"us\":%.3f,\"gb_per_s\":%.3f}",
                  static_cast<unsigned long long>(copy_bytes), copy_us, copy_gbps);
    o += buf;
    std::snprintf(buf, sizeof buf, ",\"host_memcpy_gb_per_s\":%.3f", host_gbps);
    o += buf;
    o += ",\"matvec\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::snprintf(buf, sizeof buf,
                    "%s{\"type\":\"%s\",\"n\":%lld,\"k\":%lld,\"weight_bytes\":%llu,\"us\":%.3f,"
                    "\"gb_per_s\":%.3f,\"copy_ratio\":%.4f}",
                    i ? "," : "", r.type.c_str(), static_cast<long long>(r.n),
                    static_cast<long long>(r.k), static_cast<unsigned long long>(r.weight_bytes),
                    r.us, r.gbps, r.gbps / copy_gbps);
      o += buf;
    }
    o += "]}\n";
    std::fwrite(o.data(), 1, o.size(), stdout);
  } else {
    std::fprintf(stderr, "\n");
    std::printf("device: %s (%s)\n", ctx.info().name.c_str(), ctx.info().driver_info.c_str());
    std::printf("copy:   %s in %.1f us = %.2f GB/s (read + write)\n",
                human_bytes(copy_bytes).c_str(), copy_us, copy_gbps);
    std::printf("host:   std::memcpy of 256 MiB at %.2f GB/s (read + write, best of %d)\n",
                host_gbps, std::max(iters, 2));
    std::printf("\n%-7s %6s %6s %10s %11s %9s %8s\n", "type", "N", "K", "weights", "us/call",
                "GB/s", "vs copy");
    for (const Row& r : rows) {
      std::printf("%-7s %6lld %6lld %10s %11.1f %9.2f %7.0f%%\n", r.type.c_str(),
                  static_cast<long long>(r.n), static_cast<long long>(r.k),
                  human_bytes(r.weight_bytes).c_str(), r.us, r.gbps, 100.0 * r.gbps / copy_gbps);
    }
  }
  return kExitOk;
}

}  // namespace vkchat::cli

// `vkchat-cli devices [--json]`: the Vulkan devices and what the engine needs to know of each.
#include <cstdio>
#include <string>

#include "cli/cli_common.h"
#include "llm/memory_estimate.h"
#include "util/env.h"
#include "vk/device_info.h"
#include "vk/instance.h"
#include "vk/vk_error.h"

namespace vkchat::cli {

extern const std::string_view kDevicesHelp;
const std::string_view kDevicesHelp =
    "usage: vkchat-cli devices [--json]\n"
    "\n"
    "Lists the Vulkan devices: type, vendor, driver, API version, subgroup size and operations,\n"
    "float16/int8 support, 8/16-bit storage, shared memory, workgroup limits, memory heaps with\n"
    "their budget, the memory a model may use (on a CPU device the host's available memory less a\n"
    "margin), timestamp period. '*' marks the device vkchat uses: the best of discrete >\n"
    "integrated > virtual > CPU, or VKCHAT_DEVICE (an index or a name substring).\n"
    "  --json      one JSON object instead of text\n";

namespace {

const char* yes(bool b) {
  return b ? "yes" : "no";
}
const char* jbool(bool b) {
  return b ? "true" : "false";
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

void print_text(const std::vector<vk::DeviceInfo>& devs, std::optional<std::size_t> chosen) {
  for (const vk::DeviceInfo& d : devs) {
    bool mark = chosen && *chosen == d.index;
    std::printf("%s %u: %s\n", mark ? "*" : " ", d.index, d.name.c_str());
    std::printf("    type:             %s\n", vk::device_type_name(d.type));
    std::printf("    vendor/device:    %s / %s\n", hex(d.vendor_id).c_str(),
                hex(d.device_id).c_str());
    std::printf("    driver:           %s, %s (version %u)\n", d.driver_name.c_str(),
                d.driver_info.c_str(), d.driver_version);
    std::printf("    vulkan:           %s\n", vk::version_string(d.api_version).c_str());
    if (!d.unsupported_reason.empty()) {
      std::printf("    unsupported:      %s\n", d.unsupported_reason.c_str());
      continue;
    }
    std::printf("    subgroup size:    %u (min %u, max %u)\n", d.subgroup_size, d.min_subgroup_size,
                d.max_subgroup_size);
    std::printf("    subgroup ops:     %s\n",
                join(vk::subgroup_op_names(d.subgroup_ops), " ").c_str());
    std::printf("    float16 / int8:   %s / %s\n", yes(d.shader_float16), yes(d.shader_int8));
    std::printf("    8/16-bit storage: %s / %s\n", yes(d.storage_8bit), yes(d.storage_16bit));
    std::printf("    shared memory:    %s\n", human_bytes(d.max_shared_memory).c_str());
    std::printf("    workgroup:        %u x %u x %u, %u invocations\n", d.max_workgroup_size[0],
                d.max_workgroup_size[1], d.max_workgroup_size[2], d.max_workgroup_invocations);
    std::printf("    storage range:    %s\n", human_bytes(d.max_storage_buffer_range).c_str());
    for (std::size_t h = 0; h < d.heaps.size(); ++h) {
      const vk::MemoryHeapInfo& m = d.heaps[h];
      std::printf("    heap %zu:           %s%s%s", h, human_bytes(m.size).c_str(),
                  m.device_local ? ", device-local" : "", m.host_visible ? ", host-visible" : "");
      if (m.budget) std::printf(", budget %s", human_bytes(*m.budget).c_str());
      if (m.usage) std::printf(", used %s", human_bytes(*m.usage).c_str());
      std::printf("\n");
    }
    std::printf("    memory budget:    %s\n", d.memory_budget ? "VK_EXT_memory_budget" : "-");
    std::printf(
        "    models may use:   %s%s\n", human_bytes(llm::device_memory_budget(d)).c_str(),
        d.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? " (host memory available, less a margin)" : "");
    std::printf("    unified memory:   %s\n", yes(d.unified_memory));
    std::printf("    timestamps:       %g ns/tick, %u bits\n", d.timestamp_period_ns,
                d.timestamp_bits);
  }
}

void print_json(const std::vector<vk::DeviceInfo>& devs, std::optional<std::size_t> chosen) {
  std::string o = "{\"devices\":[";
  for (const vk::DeviceInfo& d : devs) {
    if (d.index) o += ",";
    o += "{\"index\":" + std::to_string(d.index);
    o += ",\"name\":" + json_quote(d.name);
    o += ",\"type\":" + json_quote(vk::device_type_name(d.type));
    o += ",\"vendor_id\":" + std::to_string(d.vendor_id);
    o += ",\"device_id\":" + std::to_string(d.device_id);
    o += ",\"driver_name\":" + json_quote(d.driver_name);
    o += ",\"driver_info\":" + json_quote(d.driver_info);
    o += ",\"driver_version\":" + std::to_string(d.driver_version);
    o += ",\"api_version\":" + json_quote(vk::version_string(d.api_version));
    o += ",\"supported\":" + std::string(jbool(d.unsupported_reason.empty()));
    o += ",\"unsupported_reason\":" + json_quote(d.unsupported_reason);
    o += ",\"subgroup_size\":" + std::to_string(d.subgroup_size);
    o += ",\"min_subgroup_size\":" + std::to_string(d.min_subgroup_size);
    o += ",\"max_subgroup_size\":" + std::to_string(d.max_subgroup_size);
    o += ",\"subgroup_ops\":[";
    auto ops = vk::subgroup_op_names(d.subgroup_ops);
    for (std::size_t i = 0; i < ops.size(); ++i) o += (i ? "," : "") + json_quote(ops[i]);
    o += "]";
    o += ",\"shader_float16\":" + std::string(jbool(d.shader_float16));
    o += ",\"shader_int8\":" + std::string(jbool(d.shader_int8));
    o += ",\"storage_8bit\":" + std::string(jbool(d.storage_8bit));
    o += ",\"storage_16bit\":" + std::string(jbool(d.storage_16bit));
    o += ",\"max_compute_shared_memory\":" + std::to_string(d.max_shared_memory);
    o += ",\"max_workgroup_size\":[" + std::to_string(d.max_workgroup_size[0]) + "," +
         std::to_string(d.max_workgroup_size[1]) + "," + std::to_string(d.max_workgroup_size[2]) +
         "]";
    o += ",\"max_workgroup_invocations\":" + std::to_string(d.max_workgroup_invocations);
    o += ",\"max_storage_buffer_range\":" + std::to_string(d.max_storage_buffer_range);
    o += ",\"memory_budget\":" + std::string(jbool(d.memory_budget));
    o += ",\"model_memory_bytes\":" + std::to_string(llm::device_memory_budget(d));
    o += ",\"unified_memory\":" + std::string(jbool(d.unified_memory));
    o += ",\"heaps\":[";
    for (std::size_t h = 0; h < d.heaps.size(); ++h) {
      const vk::MemoryHeapInfo& m = d.heaps[h];
      o += (h ? ",{" : "{");
      o += "\"size\":" + std::to_string(m.size);
      o += ",\"device_local\":" + std::string(jbool(m.device_local));
      o += ",\"host_visible\":" + std::string(jbool(m.host_visible));
      o += ",\"budget\":" + (m.budget ? std::to_string(*m.budget) : std::string("null"));
      o += ",\"usage\":" + (m.usage ? std::to_string(*m.usage) : std::string("null"));
      o += "}";
    }
    o += "]";
    o += ",\"timestamp_period_ns\":" + std::to_string(d.timestamp_period_ns);
    o += ",\"timestamp_bits\":" + std::to_string(d.timestamp_bits);
    o += std::string(",\"selected\":") + jbool(chosen && *chosen == d.index);
    o += "}";
  }
  o += "],\"selected\":" + (chosen ? std::to_string(*chosen) : std::string("null")) + "}\n";
  std::fwrite(o.data(), 1, o.size(), stdout);
}

}  // namespace

int run_devices(Args& args) {
  bool json = args.flag("--json");
  if (!args.positionals().empty()) throw UsageError("devices takes no arguments");
  vk::Instance instance = vk::Instance::create(env_flag("VKCHAT_VK_VALIDATION"));
  std::vector<vk::DeviceInfo> devs = vk::list_devices(instance);
  std::optional<std::size_t> chosen;
  try {
    chosen = vk::choose_device(devs, env_value("VKCHAT_DEVICE"));
  } catch (const vk::NoDeviceError& e) {
    std::fprintf(stderr, "vkchat-cli devices: %s\n", e.what());  // still list them all
  }
  if (json)
    print_json(devs, chosen);
  else
    print_text(devs, chosen);
  return kExitOk;
}

}  // namespace vkchat::cli

// Golden files: JSON lines written by ../shared/peer/peer.mjs.
#include "support/golden.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "support/test_support.h"
#include "util/json.h"

namespace vkchat::test {

namespace fs = std::filesystem;

namespace {

std::vector<TopEntry> read_top(const json::Value& line) {
  std::vector<TopEntry> top;
  for (const json::Value& e : line["top"].as_array()) {
    top.push_back(
        {static_cast<std::int32_t>(e.as_array().at(0).as_int()), e.as_array().at(1).as_double()});
  }
  return top;
}

std::vector<std::int32_t> read_ids(const json::Value& arr) {
  std::vector<std::int32_t> ids;
  for (const json::Value& e : arr.as_array()) ids.push_back(static_cast<std::int32_t>(e.as_int()));
  return ids;
}

}  // namespace

GoldenCase read_golden(const fs::path& jsonl) {
  GoldenCase g;
  g.name = jsonl.stem().string();
  g.model = fs::path(g.name).stem().string();  // drops ".0" / ".score"
  std::istringstream in(read_file(jsonl));
  std::string text;
  std::vector<json::Value> lines;
  while (std::getline(in, text)) {
    if (!text.empty()) lines.push_back(json::parse(text));
  }
  if (lines.size() < 2) throw std::runtime_error(jsonl.string() + ": fewer than two lines");
  if (lines[0].find("prompt") != nullptr) {
    // Greedy: the step i distribution follows prompt + tokens of steps 0..i-1.
    g.tokens = read_ids(lines[0]["prompt"]);
    g.checked_from = g.tokens.size() - 1;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].find("step") == nullptr) continue;
      if (lines[i]["step"].as_int() != static_cast<long long>(g.steps.size())) {
        throw std::runtime_error(jsonl.string() + ": steps out of order");
      }
      g.steps.push_back(read_top(lines[i]));
      g.tokens.push_back(static_cast<std::int32_t>(lines[i]["token"].as_int()));
    }
    g.tokens.pop_back();  // the last greedy token is never fed
  } else {
    // Score: position i's distribution follows tokens[0..i]. The peer writes no line for a
    // position where llama.cpp's greedy token ends generation (node-llama-cpp's evaluation
    // yields nothing there: synth-llama-pure-mxfp4's position 18), so positions may skip; a
    // skipped one gets an empty step, which compare_golden leaves out.
    const std::vector<std::int32_t> all = read_ids(lines[0]["tokens"]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].find("pos") == nullptr) continue;
      const auto pos = static_cast<std::size_t>(lines[i]["pos"].as_int());
      // The last position of the text has no next token ("next": null).
      const bool last = pos + 1 == all.size();
      if (pos < g.steps.size() || pos >= all.size() ||
          (!last && lines[i]["next"].as_int() != all[pos + 1])) {
        throw std::runtime_error(jsonl.string() + ": position " + std::to_string(pos) +
                                 " does not follow the token list");
      }
      g.steps.resize(pos);
      g.steps.push_back(read_top(lines[i]));
    }
    g.tokens.assign(all.begin(), all.begin() + static_cast<long>(g.steps.size()));
  }
  if (g.steps.empty()) throw std::runtime_error(jsonl.string() + ": no steps");
  return g;
}

namespace {

std::vector<fs::path> jsonl_files(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw std::runtime_error("golden directory missing: " + dir.string());
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<fs::path> golden_files() {
  return jsonl_files(shared_path("golden"));
}

std::vector<fs::path> quant_golden_files() {
  return jsonl_files(shared_path("golden/quant"));
}

std::vector<fs::path> dequant_golden_files() {
  return jsonl_files(fs::path(VKCHAT_TEST_DATA_DIR) / "golden-dequant");
}

Tolerance golden_tolerance(bool quantized) {
  return quantized ? Tolerance{0.03, 0.10} : Tolerance{0.01, 0.02};
}

Tolerance shared_golden_tolerance(bool quantized) {
  Tolerance tol = golden_tolerance(quantized);
  if (quantized) tol.rel = kQuantizedActivationNoiseRel;
  return tol;
}

Tolerance quant_file_golden_tolerance() {
  return {kQuantizedRoundingNoiseAbs, std::numeric_limits<double>::infinity()};
}

Tolerance rounded_golden_tolerance(bool quantized) {
  Tolerance tol = shared_golden_tolerance(quantized);
  if (quantized) tol.abs = kQuantizedRoundingNoiseAbs;
  return tol;
}

Tolerance gemma_zoo_tolerance(bool quantized) {
  return quantized ? Tolerance{0.03, 0.25} : Tolerance{0.015, 0.10};
}

Tolerance gemma4_zoo_tolerance() {
  return {0.08, 0.55};
}

std::vector<GoldenCase> zoo_goldens(const std::string& model) {
  std::vector<GoldenCase> cases;
  for (const char* suffix : {".0.jsonl", ".1.jsonl", ".2.jsonl", ".score.jsonl"}) {
    cases.push_back(read_golden(shared_path("golden/zoo/" + model + suffix)));
  }
  return cases;
}

std::vector<std::string> golden_models() {
  std::vector<std::string> models;
  try {
    for (const auto& p : golden_files()) {
      const std::string m = read_golden(p).model;
      if (std::find(models.begin(), models.end(), m) == models.end()) models.push_back(m);
    }
  } catch (const std::exception&) {
    models.push_back("missing-golden-data");
  }
  return models;
}

std::string test_name(std::string model) {
  for (char& c : model) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return model;
}

GoldenReport compare_golden(const GoldenCase& g, std::span<const float> logits, std::size_t n_vocab,
                            Tolerance tol) {
  GoldenReport report;
  if (logits.size() != g.tokens.size() * n_vocab) {
    report.failures.push_back("wrong logits size");
    return report;
  }
  for (std::size_t i = 0; i < g.steps.size(); ++i) {
    if (g.steps[i].empty()) continue;  // a position the peer skipped (read_golden)
    compare_step(logits.subspan((g.checked_from + i) * n_vocab, n_vocab), g.steps[i], tol,
                 static_cast<int>(i), report);
  }
  return report;
}

void expect_clean(const std::string& name, const GoldenReport& report) {
  std::printf("%-26s %s\n", name.c_str(), report.summary().c_str());
  for (std::size_t i = 0; i < report.failures.size() && i < 10; ++i) {
    ADD_FAILURE() << name << ": " << report.failures[i];
  }
}

std::string GoldenReport::summary() const {
  char buf[200];
  std::snprintf(
      buf, sizeof buf,
      "%d steps (%d reproduced), top-1 %d/%d equal where decisive, max |dp| %.5f, max rel "
      "%.4f%s",
      steps, reproduced, top1_checked - top1_mismatch, top1_checked, max_abs, max_rel,
      failures.empty() ? "" : " FAILED");
  return buf;
}

void compare_step(std::span<const float> logits, const std::vector<TopEntry>& golden, Tolerance tol,
                  int step, GoldenReport& report) {
  double max = -INFINITY;
  for (float l : logits) max = std::max(max, static_cast<double>(l));
  double sum = 0;
  for (float l : logits) sum += std::exp(l - max);
  const auto prob = [&](std::int32_t id) { return std::exp(logits[id] - max) / sum; };
  const auto fail = [&](const std::string& what) {
    report.failures.push_back("step " + std::to_string(step) + ": " + what);
  };

  ++report.steps;
  double step_abs = 0;
  if (golden.size() >= 2 && golden[0].p - golden[1].p >= 0.05) {
    ++report.top1_checked;
    const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
    if (best != golden[0].id) {
      ++report.top1_mismatch;
      fail("top-1 is " + std::to_string(best) + ", llama.cpp's is " + std::to_string(golden[0].id));
    }
  }
  for (const TopEntry& e : golden) {
    if (e.id < 0 || static_cast<std::size_t>(e.id) >= logits.size()) {
      fail("token " + std::to_string(e.id) + " outside the vocabulary");
      continue;
    }
    const double p = prob(e.id);
    const double diff = std::fabs(p - e.p);
    report.max_abs = std::max(report.max_abs, diff);
    step_abs = std::max(step_abs, diff);
    if (diff > tol.abs) {
      fail("token " + std::to_string(e.id) + " p " + std::to_string(p) + " vs " +
           std::to_string(e.p));
    }
    if (e.p >= 0.01) {
      const double rel = diff / e.p;
      report.max_rel = std::max(report.max_rel, rel);
      if (rel > tol.rel) {
        fail("token " + std::to_string(e.id) + " p " + std::to_string(p) + " vs " +
             std::to_string(e.p) + " (relative " + std::to_string(rel) + ")");
      }
    }
  }
  if (step_abs <= kReproducedAbs) ++report.reproduced;
}

}  // namespace vkchat::test

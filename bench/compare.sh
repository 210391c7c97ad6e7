#!/usr/bin/env bash
# Prefill and decode speed of vkchat beside llama.cpp (the peer, through node-llama-cpp) on the
# same GGUF files, in one run: for each model the engines take turns (A B C A B C ...) for every
# repeat, so load on a shared machine hits them alike, and the median of the repeats is reported.
# Prints a Markdown table and appends it, with the machine, devices and date, to the section
# "Comparison with llama.cpp (issue 8)" of docs/PERFORMANCE.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/compare.sh [options] MODEL.gguf [MODEL.gguf ...]

Engines (--engines, comma-separated, in this order by default):
  vkchat        vkchat-cli bench -m MODEL -p P -n N -r 1 --json   (its Vulkan device)
  peer-vulkan   node peer.mjs bench MODEL --gpu vulkan, GGML_VK_VISIBLE_DEVICES=0 so that
                llama.cpp uses device 0 (lavapipe on a machine without a GPU, which it skips
                unless told)
  peer-cpu      node peer.mjs bench MODEL --gpu cpu --threads T
  peer-cpu:K    the same with K threads (several may be given: peer-cpu:2,peer-cpu:1; on a
                busy 2-core machine llama.cpp's 2-thread barriers stall and 1 thread is faster)
Options:
  -p N            prompt tokens (default 128)
  -n N            decoded tokens (default 32)
  -r N            repeats per engine and model (default 3)
  --engines LIST  engines to run (default vkchat,peer-vulkan,peer-cpu)
  --threads T     llama.cpp threads (default: every core, as nproc counts them)
  --cli PATH      vkchat-cli (default build/app/vkchat-cli)
  --peer DIR      the peer: a copy of ../shared/peer with node_modules installed (default
                  $VKCHAT_PEER, else build/peer, set up there with `npm ci` on first use)
  --note TEXT     a line added to the report (what changed since the last run, ...)
  --no-doc        print the table only; do not touch docs/PERFORMANCE.md
  --doc FILE      write into FILE instead of docs/PERFORMANCE.md
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=128
N=32
R=3
ENGINES=vkchat,peer-vulkan,peer-cpu
THREADS=$(nproc)
CLI=$ROOT/build/app/vkchat-cli
PEER=${VKCHAT_PEER:-$ROOT/build/peer}
DOC=$ROOT/docs/PERFORMANCE.md
WRITE_DOC=1
NOTE=""
MODELS=()
while [ $# -gt 0 ]; do
  case "$1" in
    -p) P=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    --engines) ENGINES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --cli) CLI=$2; shift 2 ;;
    --peer) PEER=$2; shift 2 ;;
    --note) NOTE=$2; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --doc) DOC=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 1 ;;
    *) MODELS+=("$1"); shift ;;
  esac
done
[ ${#MODELS[@]} -gt 0 ] || { usage >&2; exit 1; }
for n in "$P" "$N" "$R" "$THREADS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: -p, -n, -r and --threads take positive integers" >&2; exit 1; }
done
for m in "${MODELS[@]}"; do
  [ -f "$m" ] || { echo "compare.sh: no such model file: $m" >&2; exit 1; }
done
IFS=, read -r -a ENGINE_LIST <<< "$ENGINES"
need_peer=0
for e in "${ENGINE_LIST[@]}"; do
  case "$e" in
    vkchat)
      if ! "$CLI" bench --help > /dev/null 2>&1; then
        echo "compare.sh: $CLI has no working 'bench' command (build vkchat-cli, or leave vkchat out of --engines)" >&2
        exit 1
      fi ;;
    peer-vulkan|peer-cpu|peer-cpu:[1-9]|peer-cpu:[1-9][0-9]) need_peer=1 ;;
    *) echo "compare.sh: unknown engine '$e' (vkchat, peer-vulkan, peer-cpu, peer-cpu:K)" >&2; exit 1 ;;
  esac
done
command -v node > /dev/null || { echo "compare.sh: node is needed (for the peer and for the report)" >&2; exit 1; }
if [ $need_peer = 1 ] && [ ! -d "$PEER/node_modules/node-llama-cpp" ]; then
  src=$ROOT/../shared/peer
  [ -f "$src/peer.mjs" ] || { echo "compare.sh: no peer at $PEER and no $src to set one up from" >&2; exit 1; }
  echo "compare.sh: setting up the peer in $PEER (npm ci)" >&2
  mkdir -p "$PEER"
  cp "$src/peer.mjs" "$src/package.json" "$src/package-lock.json" "$PEER/"
  (cd "$PEER" && npm ci --no-audit --no-fund > /dev/null)
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.jsonl
: > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# One timed run of one engine; prints its JSON line (the last line of stdout that is an object).
run_engine() {
  local engine=$1 model=$2 out
  case "$engine" in
    vkchat) out=$("$CLI" bench -m "$model" -p "$P" -n "$N" -r 1 --json) ;;
    peer-vulkan) out=$(GGML_VK_VISIBLE_DEVICES=0 node "$PEER/peer.mjs" bench "$model" -p "$P" -n "$N" --gpu vulkan --threads "$THREADS") ;;
    peer-cpu) out=$(node "$PEER/peer.mjs" bench "$model" -p "$P" -n "$N" --gpu cpu --threads "$THREADS") ;;
    peer-cpu:*) out=$(node "$PEER/peer.mjs" bench "$model" -p "$P" -n "$N" --gpu cpu --threads "${engine#peer-cpu:}") ;;
  esac
  printf '%s\n' "$out" | grep '^{' | tail -n 1
}

for model in "${MODELS[@]}"; do
  for ((r = 1; r <= R; r++)); do
    for engine in "${ENGINE_LIST[@]}"; do
      line=$(run_engine "$engine" "$model") || { echo "compare.sh: $engine failed on $model" >&2; exit 1; }
      [ -n "$line" ] || { echo "compare.sh: $engine printed no result for $model" >&2; exit 1; }
      node -e '
        const [model, engine, run, text] = process.argv.slice(1);
        const j = JSON.parse(text);
        const row = { model, engine, run: Number(run),
          prefill: j.prefill_tps ?? j.prompt_tps, decode: j.decode_tps,
          device: j.device ?? (j.gpu ? (j.devices || []).join(", ") : "CPU"),
          gpu: j.gpu, threads: j.threads, engine_name: j.engine };
        if (engine === "peer-vulkan" && j.gpu !== "vulkan") {
          console.error(`compare.sh: llama.cpp did not use Vulkan (gpu: ${j.gpu})`); process.exit(1);
        }
        console.log(JSON.stringify(row));
        console.error(`[${model.split("/").pop()} ${run}] ${engine}: prefill ${row.prefill.toFixed(2)} tok/s, decode ${row.decode.toFixed(2)} tok/s (${row.device})`);
      ' "$model" "$engine" "$r" "$line" >> "$RESULTS"
    done
  done
done

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
CORES=$(nproc)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
DATE=$(date -u +%Y-%m-%d)
CMDLINE="bench/compare.sh -p $P -n $N -r $R --engines $ENGINES --threads $THREADS $(printf '%q ' "${MODELS[@]}")"

REPORT=$WORK/report.md
export P N R ENGINES NOTE DATE CPU CORES MEM LOAD_START LOAD_END CMDLINE
node - "$RESULTS" "$REPORT" <<'EOF'
const fs = require("fs");
const [resultsPath, reportPath] = process.argv.slice(2);
const env = process.env;
const rows = fs.readFileSync(resultsPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const median = (v) => {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));
const cell = (v) => (v.length > 1 ? `${fmt(median(v))} (${fmt(Math.min(...v))}-${fmt(Math.max(...v))})` : fmt(v[0]));
const engines = env.ENGINES.split(",");
const threadsOf = (e) => rows.find((x) => x.engine === e)?.threads;
const label = Object.fromEntries(engines.map((e) => [e,
  e === "vkchat" ? "vkchat" : e === "peer-vulkan" ? "llama.cpp Vulkan" : `llama.cpp CPU ${threadsOf(e)}T`]));
const models = [...new Set(rows.map((r) => r.model))];
const base = (m) => m.split("/").pop();
const out = [];
out.push(`### ${env.DATE}: ${models.map(base).join(", ")}`, "");
out.push(`- Machine: ${env.CPU}, ${env.CORES} cores, ${env.MEM}; load average ${env.LOAD_START} at the start, ${env.LOAD_END} at the end.`);
for (const e of engines) {
  const r = rows.find((x) => x.engine === e);
  if (!r) continue;
  out.push(e === "vkchat" ? `- vkchat: ${r.device}.`
    : e.startsWith("peer-cpu") ? `- ${label[e]}: llama.cpp's CPU backend, ${r.threads} thread${r.threads === 1 ? "" : "s"} (${r.engine_name}).`
    : `- llama.cpp Vulkan: ${r.device} (${r.engine_name}).`);
}
out.push(`- ${env.P}-token prompt, ${env.N} decoded tokens; ${env.R} repeat${env.R === "1" ? "" : "s"} per engine, interleaved; median (min-max), tokens/s.`);
if (env.NOTE) out.push(`- ${env.NOTE}`);
out.push("", "| model | engine | prefill tok/s | decode tok/s |", "|---|---|---|---|");
for (const m of models) {
  const med = {};
  let first = true;
  for (const e of engines) {
    const rs = rows.filter((r) => r.model === m && r.engine === e);
    if (!rs.length) continue;
    med[e] = { p: median(rs.map((r) => r.prefill)), d: median(rs.map((r) => r.decode)) };
    const name = first ? `${base(m)} (${(fs.statSync(m).size / 1e6).toFixed(0)} MB)` : "";
    out.push(`| ${name} | ${label[e]} | ${cell(rs.map((r) => r.prefill))} | ${cell(rs.map((r) => r.decode))} |`);
    first = false;
  }
  const ratio = (a, b) => {
    if (med[a] && med[b]) {
      const x = (v) => (v >= 1 ? v.toFixed(2) : v.toPrecision(2)) + "×";
      out.push(`| | ${label[a]} ÷ ${label[b]} | ${x(med[a].p / med[b].p)} | ${x(med[a].d / med[b].d)} |`);
    }
  };
  const cpus = engines.filter((e) => e.startsWith("peer-cpu"));
  ratio("vkchat", "peer-vulkan");
  for (const c of cpus) ratio("vkchat", c);
  if (!med.vkchat) for (const c of cpus) ratio("peer-vulkan", c);
}
out.push("", "Reproduce: `" + env.CMDLINE.trim() + "`");
fs.writeFileSync(reportPath, out.join("\n") + "\n");
EOF
cat "$REPORT"

if [ $WRITE_DOC = 1 ]; then
  node - "$DOC" "$REPORT" <<'EOF'
const fs = require("fs");
const [docPath, reportPath] = process.argv.slice(2);
const heading = "## Comparison with llama.cpp (issue 8)";
const intro = `${heading}

\`bench/compare.sh\` runs \`vkchat-cli bench\`, llama.cpp's Vulkan backend and llama.cpp's CPU
backend (the peer, \`../shared/peer\`) on the same files in one run, the engines interleaved
repeat by repeat; each run below adds a dated table. Models come from \`vkchat-cli synth\`
(real shapes, random weights).
`;
let doc = fs.existsSync(docPath) ? fs.readFileSync(docPath, "utf8") : "# Performance\n";
const report = fs.readFileSync(reportPath, "utf8");
let at = doc.indexOf(heading + "\n");
if (at < 0) {
  doc = doc.replace(/\n*$/, "\n\n") + intro + "\n" + report;
} else {
  // Append at the end of the section: before the next "## " heading, or at the end.
  const next = doc.indexOf("\n## ", at + heading.length);
  const end = next < 0 ? doc.length : next + 1;
  doc = doc.slice(0, end).replace(/\n*$/, "\n\n") + report + (next < 0 ? "" : "\n" + doc.slice(end));
}
fs.writeFileSync(docPath, doc);
console.error(`compare.sh: table added to ${docPath}`);
EOF
fi

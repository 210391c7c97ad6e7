#!/usr/bin/env bash
# The GPU benchmark of issue 17, for a fresh machine that has a GPU driver and nothing else.
#
#   bench/gpu.sh --pack DIR          here (the build machine): DIR gets vkchat-cli (without debug
#                                    information), the shared libraries it needs beyond glibc
#                                    (the Vulkan loader among them), the vocabularies and this
#                                    script; DIR.tar.gz (about 25 MB) holds it as gpu-pack/
#   DIR/gpu.sh OUTDIR                there: synthesizes llama-3.1-8b and llama-3.2-1b Q4_0, runs
#                                    bench-kernels and bench (pp512 + tg128 at depth 0 and 4096)
#                                    and writes OUTDIR/summary.json, summary.md and gpu.log
#   bench/gpu.sh --small OUTDIR      the same end to end with 2-layer presets and short runs
#                                    (lavapipe; the ctest bench_gpu_small)
#
# Options: --cli PATH (default: the pack's, else build/app/vkchat-cli), --vocab-dir DIR
# (default: the pack's, else $VKCHAT_SHARED_DIR/tokenizer or ../shared/tokenizer), --work DIR
# (models and raw output; default /tmp/vkchat-gpu), --reps N (bench repeats; 3, --small 1),
# --budget SECONDS (default 480: the whole run stays within 8 minutes; a step that would not fit
# is skipped, one still running then is stopped, and both are named in the summary).
#
# Only the NVIDIA driver is assumed there: no python, no jq. The Vulkan loader comes from the
# pack (or is the system's when ldconfig has one); the NVIDIA ICD is found where the device
# machines put it unless VK_DRIVER_FILES says otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
small=0 pack="" cli="" vocab_dir="" work=/tmp/vkchat-gpu budget=480 out="" reps=""
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=1 ;;
    --pack) pack=$2; shift ;;
    --cli) cli=$2; shift ;;
    --vocab-dir) vocab_dir=$2; shift ;;
    --work) work=$2; shift ;;
    --budget) budget=$2; shift ;;
    --reps) reps=$2; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    -*) echo "gpu.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1 ;;
  esac
  shift
done

default_cli() {
  if [ -x "$here/bin/vkchat-cli" ]; then echo "$here/bin/vkchat-cli"
  else echo "$here/../build/app/vkchat-cli"; fi
}
default_vocab() {
  if [ -d "$here/vocab" ]; then echo "$here/vocab"
  elif [ -n "${VKCHAT_SHARED_DIR:-}" ]; then echo "$VKCHAT_SHARED_DIR/tokenizer"
  else echo "$here/../../shared/tokenizer"; fi
}
cli=${cli:-$(default_cli)}
vocab_dir=${vocab_dir:-$(default_vocab)}

# --pack: everything the run needs that a bare machine lacks. glibc itself stays (the machine's
# must be at least the build machine's, Debian 12's 2.36); every other library ldd names goes.
if [ -n "$pack" ]; then
  mkdir -p "$pack/bin" "$pack/lib" "$pack/vocab"
  # Without its debug information (most of a RelWithDebInfo binary): the pack travels.
  install -m 755 "$cli" "$pack/bin/vkchat-cli"
  strip --strip-debug "$pack/bin/vkchat-cli"
  install -m 755 "${BASH_SOURCE[0]}" "$pack/gpu.sh"
  for v in llama-bpe llama-spm qwen2; do
    install -m 644 "$vocab_dir/ggml-vocab-$v.gguf" "$pack/vocab/"
  done
  # pack_deps DIR FILE: the libraries FILE links beyond glibc, into DIR.
  pack_deps() {
    ldd "$2" | awk '/=> \// { print $3 }' | while read -r lib; do
      case "$(basename "$lib")" in
        libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*) ;;
        *) [ -e "$pack/lib/$(basename "$lib")" ] || install -m 644 "$lib" "$1/" ;;
      esac
    done
  }
  pack_deps "$pack/lib" "$cli"
  if [ ! -e "$pack/lib/libvulkan.so.1" ]; then  # loaded at run time (dlopen) rather than linked
    loader=$(ldconfig -p | awk '/libvulkan.so.1 .*x86-64/ { print $NF; exit }')
    [ -n "$loader" ] || { echo "gpu.sh: no libvulkan.so.1 here to pack" >&2; exit 1; }
    install -m 644 "$loader" "$pack/lib/libvulkan.so.1"
  fi
  # NVIDIA's Vulkan driver (libGLX_nvidia) needs glvnd's libGLdispatch, which a bare machine may
  # lack; lib/glvnd is used there only when the machine has none of its own.
  mkdir -p "$pack/lib/glvnd"
  for name in libGLdispatch.so.0 libGLX.so.0; do
    lib=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
    if [ -z "$lib" ]; then echo "gpu.sh: warning: no $name here to pack" >&2; continue; fi
    install -m 644 "$lib" "$pack/lib/glvnd/$name"
    pack_deps "$pack/lib/glvnd" "$lib"
  done
  tar czf "$pack.tar.gz" -C "$(dirname "$pack")" --transform "s|^$(basename "$pack")|gpu-pack|" \
    "$(basename "$pack")"
  du -sh "$pack" "$pack.tar.gz"
  exit 0
fi

[ -n "$out" ] || { echo "usage: gpu.sh [--small] OUTDIR (or --pack DIR); --help" >&2; exit 2; }
[ -x "$cli" ] || { echo "gpu.sh: no vkchat-cli at $cli (build it, or --cli PATH)" >&2; exit 1; }
mkdir -p "$out" "$work"
rm -f "$work"/*.out  # a summary holds this run's output only (models are kept and reused)
out=$(cd "$out" && pwd)
log="$out/gpu.log"
: >"$log"
start=$SECONDS
say() { echo "[gpu.sh +$((SECONDS - start))s] $*" | tee -a "$log" >&2; }

# The loader and the driver.
if [ -d "$here/lib" ]; then
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  case "$(ldconfig -p 2>/dev/null)" in  # not a pipe into grep -q: with pipefail it can fail
    *"libGLdispatch.so.0 "*) ;;
    *) [ -d "$here/lib/glvnd" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$here/lib/glvnd" ;;
  esac
fi
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
             /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -e "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
  done
fi
say "cli $cli; VK_DRIVER_FILES=${VK_DRIVER_FILES:-(loader default)}"

if [ "$small" = 1 ]; then
  models="tiny:llama-spm tiny-qwen2:qwen2" depths="0 32" pp=16 tg=8 reps=${reps:-1}
  kernel_args="--types q4_0,q8_0 --shapes 256x256 --iters 2"
else
  models="llama-3.2-1b:llama-bpe llama-3.1-8b:llama-bpe" depths="0 4096" pp=512 tg=128 reps=${reps:-3}
  kernel_args="--iters 10"
fi

skipped=()
# step NAME SECONDS_NEEDED CMD...: runs CMD with the time left (stdout to $work/NAME.out), or
# skips it when less than SECONDS_NEEDED is left.
step() {
  local name=$1 need=$2; shift 2
  local left=$((budget - (SECONDS - start)))
  if [ "$left" -lt "$need" ]; then
    say "skip $name: ${left}s left, needs about ${need}s"; skipped+=("$name"); return 1
  fi
  say "$name: $*"
  local rc=0
  timeout "$left" "$@" >"$work/$name.out" 2>>"$log" || rc=$?
  [ "$rc" = 0 ] && return 0
  say "$name failed (exit $rc$([ "$rc" = 124 ] && echo ': out of time'))"
  skipped+=("$name"); return 1
}

step devices 5 "$cli" devices || true
cat "$work/devices.out" >>"$log" 2>/dev/null || true
# shellcheck disable=SC2086 # kernel_args is a list of options
step kernels 20 "$cli" bench-kernels --json $kernel_args || true

for m in $models; do
  preset=${m%%:*} vocab=${m#*:}
  gguf="$work/$preset-q4_0.gguf"
  if [ ! -s "$gguf" ]; then
    step "synth-$preset" 20 "$cli" synth --preset "$preset" --type Q4_0 \
      --vocab "$vocab_dir/ggml-vocab-$vocab.gguf" -o "$gguf" || continue
  fi
  for d in $depths; do
    step "bench-$preset-d$d" 15 "$cli" bench -m "$gguf" -p "$pp" -n "$tg" -r "$reps" -d "$d" \
      --json || true
  done
done

# The summary. The outputs are one-line JSON objects; a value is picked out with sed (the last
# one of that name: each name below occurs once per object).
num() { sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1" | head -1; }
str() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1" | head -1; }
{
  printf '{"small":%s,"seconds":%d,"skipped":[' "$([ $small = 1 ] && echo true || echo false)" \
    $((SECONDS - start))
  sep=""; for s in "${skipped[@]+"${skipped[@]}"}"; do printf '%s"%s"' "$sep" "$s"; sep=","; done
  printf '],"kernels":'
  if [ -s "$work/kernels.out" ]; then tr -d '\n' <"$work/kernels.out"; else printf null; fi
  printf ',"bench":['
  sep=""
  for f in "$work"/bench-*.out; do
    [ -s "$f" ] || continue
    printf '%s' "$sep"; tr -d '\n' <"$f"; sep=","
  done
  printf ']}\n'
} >"$out/summary.json"

{
  echo "# vkchat GPU benchmark"
  echo
  k="$work/kernels.out"
  if [ -s "$k" ]; then
    copy=$(sed -n 's/.*"copy":{[^}]*"gb_per_s":\([0-9.]*\).*/\1/p' "$k")
    echo "Device: $(str "$k" device) ($(str "$k" driver)). Copy: $copy GB/s (read + write)."
    echo
    echo "| type | N x K | us/call | GB/s | vs copy |"
    echo "|------|-------|---------|------|---------|"
    sed 's/.*"matvec":\[//; s/\]}$//; s/},{/}\n{/g' "$k" | while read -r row; do
      printf '%s\n' "$row" >"$work/row.tmp"
      printf '| %s | %s x %s | %s | %s | %s |\n' "$(str "$work/row.tmp" type)" \
        "$(num "$work/row.tmp" n)" "$(num "$work/row.tmp" k)" "$(num "$work/row.tmp" us)" \
        "$(num "$work/row.tmp" gb_per_s)" "$(num "$work/row.tmp" copy_ratio)"
    done
    echo
  fi
  echo "| model | depth | pp$pp tok/s | tg$tg tok/s | host us/token | record | submit | readback | sample | device wait us |"
  echo "|-------|-------|-------------|-------------|---------------|--------|--------|----------|--------|----------------|"
  for f in "$work"/bench-*.out; do
    [ -s "$f" ] || continue
    name=$(basename "$f" .out); name=${name#bench-}
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${name%-d*}" \
      "$(num "$f" depth)" "$(num "$f" prefill_tps)" "$(num "$f" decode_tps)" \
      "$(num "$f" host_us_per_token)" "$(num "$f" record)" "$(num "$f" submit)" \
      "$(num "$f" readback)" "$(num "$f" sample)" "$(num "$f" device_wait_us_per_token)"
  done
  echo
  [ ${#skipped[@]} -eq 0 ] || echo "Skipped or failed: ${skipped[*]} (see gpu.log)."
  echo "Total: $((SECONDS - start)) s."
} >"$out/summary.md"
say "wrote $out/summary.json and $out/summary.md"
[ ${#skipped[@]} -eq 0 ]

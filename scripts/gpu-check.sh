#!/usr/bin/env bash
# Proves the GPU path on a machine with an NVIDIA GPU, without Docker and without registry access once built:
#   1. reports the GPU (nvidia-smi) and the installed PyTorch whose lib/ DJL can load through PYTORCH_LIBRARY_PATH,
#      and whether the project's pytorch-jni has a JNI library for that version and CUDA flavour; says clearly
#      when there is no CUDA libtorch DJL can use, and stops there;
#   2. scores the shipped model on the GPU and on the CPU (same libtorch) and checks the scores agree up to rounding;
#   3. runs `./ncsn bench` on CUDA and on the CPU and reports Langevin steps per second on each;
#   4. samples the same seeded job on both and checks the grids agree up to rounding.
#
#   scripts/gpu-check.sh                        # finds PyTorch through python3 (or $PYTHON)
#   PYTORCH_LIBRARY_PATH=/opt/libtorch/lib scripts/gpu-check.sh
#
# Exit status: 0 all checks passed; 1 a check failed; 2 no usable GPU or CUDA libtorch (nothing was run).
# Results (JSON lines, PNG grids) go to $GPU_CHECK_OUT (default .ncsn/gpu-check).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${GPU_CHECK_OUT:-$root/.ncsn/gpu-check}"
mkdir -p "$out"
say() { printf 'gpu-check: %s\n' "$*" >&2; }
fail_setup() { say "NO USABLE GPU PATH: $*"; exit 2; }

# The PyTorch version and DJL JNI the project pins (root pom).
torch_want="$(sed -n 's:.*<pytorch.native.version>\(.*\)</pytorch.native.version>.*:\1:p' "$root/pom.xml")"
jni_version="$(sed -n 's:.*<pytorch.jni.version>\(.*\)</pytorch.jni.version>.*:\1:p' "$root/pom.xml")"
say "the project uses PyTorch $torch_want through pytorch-jni $jni_version"

# ---- 1. the GPU
if ! command -v nvidia-smi > /dev/null; then
  fail_setup "nvidia-smi not found: no NVIDIA driver on this machine"
fi
if ! nvidia-smi --query-gpu=index,name,driver_version,memory.total,compute_cap --format=csv,noheader > "$out/gpus.csv" 2> "$out/nvidia-smi.err"; then
  fail_setup "nvidia-smi fails: $(cat "$out/nvidia-smi.err")"
fi
[[ -s "$out/gpus.csv" ]] || fail_setup "nvidia-smi lists no GPU"
say "GPUs (index, name, driver, memory, compute capability):"
sed 's/^/  /' "$out/gpus.csv" >&2
driver_cuda="$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1)"
say "the driver supports CUDA up to ${driver_cuda:-unknown}"

# ---- 1b. an installed PyTorch with CUDA
torch_lib="${PYTORCH_LIBRARY_PATH:-}"
torch_version=""
torch_cuda=""
cxx11=""
python="${PYTHON:-python3}"
if command -v "$python" > /dev/null && info="$("$python" -c '
import os, torch
print(torch.__version__)
print(torch.version.cuda or "")
print(os.path.join(os.path.dirname(torch.__file__), "lib"))
print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2> /dev/null)"; then
  torch_version="$(sed -n 1p <<< "$info")"
  torch_cuda="$(sed -n 2p <<< "$info")"
  [[ -z "$torch_lib" ]] && torch_lib="$(sed -n 3p <<< "$info")"
  cxx11="$(sed -n 4p <<< "$info")"
  say "$python has torch $torch_version (CUDA ${torch_cuda:-none}, C++11 ABI $cxx11) in $(sed -n 3p <<< "$info")"
else
  say "$python has no importable torch"
fi
if [[ -z "$torch_lib" ]]; then
  for d in /opt/libtorch/lib /usr/local/libtorch/lib /opt/conda/lib/python3*/site-packages/torch/lib; do
    [[ -f "$d/libtorch.so" ]] && torch_lib="$d" && break
  done
fi
# The real directory: the wheel's libraries find the nvidia-* wheels' CUDA libraries through $ORIGIN-relative paths.
[[ -n "$torch_lib" ]] && torch_lib="$(readlink -f "$torch_lib")"
[[ -n "$torch_lib" && -f "$torch_lib/libtorch.so" ]] || fail_setup "no libtorch found (set PYTORCH_LIBRARY_PATH to a libtorch lib/ directory, or install torch $torch_want with CUDA for $python)"
if [[ -z "$torch_version" && -f "$torch_lib/../build-version" ]]; then
  torch_version="$(cat "$torch_lib/../build-version")"   # a libtorch zip, e.g. 2.7.1+cu128
  [[ "$torch_version" == *+cu* ]] && torch_cuda="$(sed 's/.*+cu\([0-9]*\)\([0-9]\)$/\1.\2/' <<< "$torch_version")"
fi
say "libtorch: $torch_lib (version ${torch_version:-unknown})"
[[ -f "$torch_lib/libtorch_cuda.so" ]] || fail_setup "$torch_lib has no libtorch_cuda.so: a CPU-only PyTorch; DJL would run on the CPU"
[[ "${torch_version%%+*}" == "$torch_want" ]] || fail_setup "libtorch is ${torch_version:-of unknown version}, but pytorch-jni $jni_version is built for $torch_want: install torch $torch_want (e.g. pip install torch==$torch_want --index-url https://download.pytorch.org/whl/cu128)"
[[ -n "$torch_cuda" ]] || fail_setup "cannot tell libtorch's CUDA version; set PYTORCH_FLAVOR by hand is not enough for this check"
flavor="cu${torch_cuda//./}"
[[ "$cxx11" == "0" ]] && fail_setup "torch is built with the pre-C++11 ABI; DJL's $flavor JNI needs the C++11 ABI build"

# ---- 1c. the project's build and its JNI for that flavour
if [[ ! -f "$root/ncsn-cli/target/ncsn-cli.jar" ]]; then
  say "building ncsn-cli (./mvnw -pl ncsn-cli -am package -DskipTests; needs Maven Central or a filled ~/.m2)…"
  "$root/mvnw" -B -q -f "$root/pom.xml" -pl ncsn-cli -am package -DskipTests >&2 || fail_setup "the build failed"
fi
jni_jar="$(ls "$root"/ncsn-cli/target/lib/pytorch-jni-*.jar 2> /dev/null | head -1)"
[[ -n "$jni_jar" ]] || fail_setup "no pytorch-jni jar in ncsn-cli/target/lib"
if ! (cd "$out" && jar tf "$jni_jar" 2> /dev/null || unzip -Z1 "$jni_jar") | grep -qx "jnilib/linux-x86_64/$flavor/libdjl_torch.so"; then
  fail_setup "$(basename "$jni_jar") has no JNI library for $flavor (it has: $( (jar tf "$jni_jar" 2> /dev/null || unzip -Z1 "$jni_jar") | sed -n 's:jnilib/linux-x86_64/\([^/]*\)/libdjl_torch.so:\1:p' | tr '\n' ' ')); install the torch $torch_want build for one of those"
fi
say "DJL can use it: PYTORCH_LIBRARY_PATH=$torch_lib PYTORCH_VERSION=$torch_want PYTORCH_FLAVOR=$flavor, JNI from $(basename "$jni_jar")"
export PYTORCH_LIBRARY_PATH="$torch_lib" PYTORCH_VERSION="$torch_want" PYTORCH_FLAVOR="$flavor"
export NCSN_NO_BUILD=1 OMP_WAIT_POLICY=PASSIVE
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
cp="$root/ncsn-cli/target/ncsn-cli.jar:$root/ncsn-cli/target/lib/*"
jopts=(-Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
status=0

# ---- 2. scores on GPU vs CPU
say "scoring the shipped model on the GPU and the CPU…"
"$java_bin" "${jopts[@]}" -cp "$cp" "$root/scripts/GpuScoreCheck.java" "$root/models/fashion-mnist" > "$out/scores.json" 2> "$out/scores.err"
rc=$?
cat "$out/scores.json"
if [[ $rc -eq 3 ]]; then
  fail_setup "DJL loaded $torch_lib but sees no CUDA device (driver too old for CUDA $torch_cuda? see $out/scores.err)"
elif [[ $rc -ne 0 ]]; then
  say "FAIL: GPU and CPU scores differ beyond rounding, or the check broke (see $out/scores.err)"; status=1
else
  say "PASS: GPU and CPU scores agree up to rounding"
fi

# ---- 3. the bench, CUDA vs CPU (the same libtorch; the CPU run hides the GPU)
bench=(bench --preset "${BENCH_PRESET:-mnist}" --batch 64 --steps "${BENCH_STEPS:-20}" --train-steps "${BENCH_TRAIN_STEPS:-3}")
say "./ncsn ${bench[*]} on CUDA…"
"$root/ncsn" "${bench[@]}" > "$out/bench-gpu.json" 2> "$out/bench-gpu.err" || { say "FAIL: the GPU bench failed (see $out/bench-gpu.err)"; status=1; }
say "./ncsn ${bench[*]} on the CPU…"
CUDA_VISIBLE_DEVICES="" "$root/ncsn" "${bench[@]}" > "$out/bench-cpu.json" 2> "$out/bench-cpu.err" || { say "FAIL: the CPU bench failed (see $out/bench-cpu.err)"; status=1; }
cat "$out/bench-gpu.json" "$out/bench-cpu.json"
if [[ -s "$out/bench-gpu.json" && -s "$out/bench-cpu.json" ]]; then
  g="$(sed -n 's/.*"secondsPerLangevinStep":\([0-9.eE+-]*\).*/\1/p' "$out/bench-gpu.json")"
  c="$(sed -n 's/.*"secondsPerLangevinStep":\([0-9.eE+-]*\).*/\1/p' "$out/bench-cpu.json")"
  awk -v g="$g" -v c="$c" 'BEGIN { printf "gpu-check: Langevin steps per second at batch 64: CUDA %.2f, CPU %.2f (%.1fx)\n", 1/g, 1/c, c/g }' >&2
fi

# ---- 4. the same seeded job sampled on both
sample=(sample --checkpoint "$root/models/fashion-mnist" --count 16 --seed 0 --steps-per-level "${SAMPLE_STEPS:-10}")
say "sampling 16 images (seed 0) on CUDA and on the CPU…"
"$root/ncsn" "${sample[@]}" --out "$out/samples-gpu.png" > /dev/null 2> "$out/sample-gpu.err" \
  && CUDA_VISIBLE_DEVICES="" "$root/ncsn" "${sample[@]}" --out "$out/samples-cpu.png" > /dev/null 2> "$out/sample-cpu.err" \
  || { say "FAIL: sampling failed (see $out/sample-*.err)"; status=1; }
if [[ -f "$out/samples-gpu.png" && -f "$out/samples-cpu.png" ]]; then
  # Rounding differences grow over the 100 Langevin steps; the grids must still agree to a couple of 8-bit levels.
  if "$java_bin" "$root/scripts/ComparePngs.java" "$out/samples-gpu.png" "$out/samples-cpu.png" "${SAMPLE_MAX_MEAN_LEVELS:-2}" | tee "$out/samples.json"; then
    say "PASS: GPU and CPU samples agree up to rounding ($out/samples-gpu.png, $out/samples-cpu.png)"
  else
    say "FAIL: GPU and CPU samples differ"; status=1
  fi
fi
[[ $status -eq 0 ]] && say "all checks passed" || say "some checks failed"
exit $status

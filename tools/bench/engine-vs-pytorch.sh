#!/usr/bin/env bash
# CPU benchmark of the Java CSM engine against transformers' own PyTorch generation on the same weights.
#
#   tools/bench/engine-vs-pytorch.sh [--frames 32] [--runs 3] [--warmup 1] [--threads 2] [--rounds 2]
#       [--bundle ~/csm-bundles/mid] [--checkpoint ~/csm-bundles/mid.hf] [--out csm-engine/target/bench]
#
# 1. builds csm-engine with its test classes (the harness is dev.csmpipeline.engine.bench.EngineBench);
# 2. times the Java engine on the tiny bundled model (greedy, fixed frames);
# 3. times the Java engine on --bundle and transformers (PyTorch eager, CPU, greedy, torch threads = --threads) on
#    --checkpoint, the bundle's source weights, alternating Java and PyTorch --rounds times so that load from other
#    processes hits both alike;
# 4. prints the medians: ms/frame (prefill included), steady-state ms/frame, the ratio PyTorch / Java, the RTF.
# JSON results land in --out. Needs the csm-export venv (~/.venvs/csm-export, or $PY).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FRAMES=32 RUNS=3 WARMUP=1 THREADS=2 ROUNDS=2
BUNDLE="$HOME/csm-bundles/mid" CHECKPOINT="$HOME/csm-bundles/mid.hf" OUT="$ROOT/csm-engine/target/bench"
PY="${PY:-$HOME/.venvs/csm-export/bin/python}"
while [ $# -gt 0 ]; do
  case "$1" in
    --frames) FRAMES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --bundle) BUNDLE="$2"; shift 2 ;;
    --checkpoint) CHECKPOINT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
rm -f "$OUT"/*.json

echo "== building csm-engine (with test classes)" >&2
(cd "$ROOT" && ./mvnw -B -q -pl csm-engine -am install -DskipTests >&2)
(cd "$ROOT" && ./mvnw -B -q -pl csm-engine dependency:build-classpath -DincludeScope=test \
    -Dmdep.outputFile=target/bench.classpath >&2)
MOD="$ROOT/csm-engine"
# CLASSPATH, not -cp: ONNX Runtime 1.29's native start-up crashes when the JVM command line exceeds about 4 KB
export CLASSPATH="$MOD/target/classes:$MOD/target/test-classes:$(cat "$MOD/target/bench.classpath")"
export OPT_OUT_TRACKING=true
java_bench() {
  java -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -DDJL_CACHE_DIR="$MOD/target/djl-cache" \
    -Dlogback.configurationFile="$MOD/src/cli/logback-bench.xml" \
    dev.csmpipeline.engine.bench.EngineBench --frames "$FRAMES" --runs "$RUNS" --warmup "$WARMUP" \
    --threads "$THREADS" "$@"
}

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Java engine, tiny bundled model"
java_bench --model tiny --runs $((RUNS * 3)) --json "$OUT/java-tiny.json"
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r: Java engine, $BUNDLE (load $(cut -d' ' -f1-3 /proc/loadavg))"
  java_bench --model "$BUNDLE" --json "$OUT/java-mid-$r.json"
  echo "== round $r: transformers PyTorch eager, $CHECKPOINT (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PY" "$ROOT/tools/bench/pytorch_generate_bench.py" --checkpoint "$CHECKPOINT" --frames "$FRAMES" \
    --runs "$RUNS" --warmup "$WARMUP" --threads "$THREADS" --json "$OUT/torch-mid-$r.json" | grep -v '^{'
done
echo "== load at the end $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT" <<'PYEOF'
import glob, json, statistics, sys
out = sys.argv[1]
def runs(pattern):
    vals = []
    for f in sorted(glob.glob(f"{out}/{pattern}")):
        vals.append(json.load(open(f)))
    return vals
tiny = runs("java-tiny.json")[0]
java = runs("java-mid-*.json")
torch = runs("torch-mid-*.json")
def med(reports, key):
    return statistics.median(r[key] for r in reports)
j, t = med(java, "median_ms_per_frame"), med(torch, "median_ms_per_frame")
js, ts = med(java, "median_steady_ms_per_frame"), med(torch, "median_steady_ms_per_frame")
print()
print(f"tiny  Java: {tiny['median_ms_per_frame']:.2f} ms/frame ({tiny['frames']} frames), RTF {tiny['rtf']:.3f}")
print(f"mid   Java: {j:.1f} ms/frame (steady {js:.1f}; backbone {med(java, 'median_backbone_ms_per_frame'):.1f}, "
      f"depth decoder {med(java, 'median_depth_ms_per_frame'):.1f}; Mimi {med(java, 'median_mimi_ms'):.0f} ms for "
      f"{java[0]['frames']} frames), RTF {med(java, 'rtf'):.2f}")
print(f"mid   PyTorch: {t:.1f} ms/frame (steady {ts:.1f}), RTF (no Mimi) {t / 80:.2f}")
per_round = ", ".join("%.2f" % (b["median_ms_per_frame"] / a["median_ms_per_frame"]) for a, b in zip(java, torch))
print(f"ratio PyTorch / Java per frame: {t / j:.2f}x overall, {ts / js:.2f}x steady (per round: {per_round})")
json.dump({"tiny_java": tiny, "mid_java": java, "mid_pytorch": torch, "ratio_overall": t / j,
           "ratio_steady": ts / js}, open(f"{out}/summary.json", "w"), indent=2)
PYEOF

#!/usr/bin/env bash
# CPU benchmark of batched generation in the Java CSM engine (docs/BENCHMARKS.md, "Batched generation").
#
#   tools/bench/batch-bench.sh [--bundle ~/csm-bundles/mid] [--frames 16] [--runs 3] [--warmup 1] [--threads 2]
#       [--batches 1,2,4,8] [--out csm-engine/target/bench]
#
# Compiles csm-engine with its test classes (no install), then runs dev.csmpipeline.engine.bench.BatchBench on
# --bundle (or "tiny"): batch sizes 1, 2, 4, 8 of the same prompts, alternating in one process (order rotating per
# round), warm-up rounds first, medians of steady frame time per stream and aggregate frames per second, the ratios
# against batch 1, and where a frame's time goes. JSON lands in --out. Make the bundle with
# python -m csm_export export --random-init --config mid --seed 0 --out ~/csm-bundles/mid
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$HOME/csm-bundles/mid" FRAMES=16 RUNS=3 WARMUP=1 THREADS=2 BATCHES=1,2,4,8 OUT="$ROOT/csm-engine/target/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --frames) FRAMES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
echo "== compiling csm-engine (with test classes)" >&2
(cd "$ROOT" && ./mvnw -B -q -pl csm-engine -am test-compile >&2)
(cd "$ROOT" && ./mvnw -B -q -pl csm-engine -am dependency:build-classpath -DincludeScope=test \
    -Dmdep.outputFile=target/bench.classpath >&2)
MOD="$ROOT/csm-engine"
# CLASSPATH, not -cp: ONNX Runtime 1.29's native start-up crashes when the JVM command line exceeds about 4 KB
export CLASSPATH="$MOD/target/classes:$MOD/target/test-classes:$ROOT/pipeline-model/target/classes:$(cat "$MOD/target/bench.classpath")"
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx2g -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -DDJL_CACHE_DIR="$MOD/target/djl-cache" \
  -Dlogback.configurationFile="$MOD/src/cli/logback-bench.xml" \
  dev.csmpipeline.engine.bench.BatchBench --model "$BUNDLE" --frames "$FRAMES" --runs "$RUNS" --warmup "$WARMUP" \
  --threads "$THREADS" --batches "$BATCHES" --json "$OUT/batch.json"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

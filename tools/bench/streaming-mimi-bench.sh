#!/usr/bin/env bash
# CPU benchmark of the streaming Mimi decoder against the one-shot decoder in the Java engine (docs/BENCHMARKS.md,
# "Streaming Mimi decode").
#
#   tools/bench/streaming-mimi-bench.sh [--bundle tiny|DIR] [--frames 62] [--chunks 1,2,5,10] [--runs 5]
#       [--warmup 1] [--threads 2] [--out csm-engine/target/bench]
#
# Compiles csm-engine with its test classes (no install), then runs dev.csmpipeline.engine.bench.StreamingMimiBench:
# --frames frames of random codes decoded one-shot and in chunks of each size, interleaved, --runs times after
# --warmup rounds; medians per frame, the ratio to one-shot and the first chunk's decode time. The bundle needs
# mimi_decoder_stream.onnx (tools/csm-export of this repository).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE=tiny FRAMES=62 CHUNKS=1,2,5,10 RUNS=5 WARMUP=1 THREADS=2 OUT="$ROOT/csm-engine/target/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --frames) FRAMES="$2"; shift 2 ;;
    --chunks) CHUNKS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
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
java -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -DDJL_CACHE_DIR="$MOD/target/djl-cache" \
  -Dlogback.configurationFile="$MOD/src/cli/logback-bench.xml" \
  dev.csmpipeline.engine.bench.StreamingMimiBench --model "$BUNDLE" --frames "$FRAMES" --chunks "$CHUNKS" \
  --runs "$RUNS" --warmup "$WARMUP" --threads "$THREADS" --json "$OUT/streaming-mimi-$(basename "$BUNDLE").json"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

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
. "$ROOT/tools/bench/lib/engine-bench.sh"
run_engine_bench StreamingMimiBench --model "$BUNDLE" --frames "$FRAMES" --chunks "$CHUNKS" \
  --runs "$RUNS" --warmup "$WARMUP" --threads "$THREADS" --json "$OUT/streaming-mimi-$(basename "$BUNDLE").json"

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
. "$ROOT/tools/bench/lib/engine-bench.sh"
run_engine_bench BatchBench --model "$BUNDLE" --frames "$FRAMES" --runs "$RUNS" --warmup "$WARMUP" \
  --threads "$THREADS" --batches "$BATCHES" --json "$OUT/batch.json"

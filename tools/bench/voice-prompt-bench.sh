#!/usr/bin/env bash
# CPU benchmark of a voice prompt's cost per job in the Java CSM engine (docs/BENCHMARKS.md, "Voice prompts").
#
#   tools/bench/voice-prompt-bench.sh [--bundle ~/csm-bundles/mid] [--voice-seconds 10] [--frames 62]
#       [--prefill-runs 15] [--runs 3] [--warmup 1] [--threads 2] [--out csm-engine/target/bench]
#
# Compiles csm-engine with its test classes (no install), then runs dev.csmpipeline.engine.bench.VoicePromptBench on
# --bundle: the voice clip is encoded once, then it times, interleaved, the prompt prefill without and with the voice
# as context (--prefill-runs times), and a whole job of --frames frames without and with it (--runs times); medians and the
# voice prefill's share of a job are printed, JSON lands in --out. The bundle must be format 2 (with the Mimi
# encoder): python -m csm_export export --random-init --config mid --seed 0 --out ~/csm-bundles/mid
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$HOME/csm-bundles/mid" VOICE=10 FRAMES=62 PREFILL_RUNS=15 RUNS=3 WARMUP=1 THREADS=2 OUT="$ROOT/csm-engine/target/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --voice-seconds) VOICE="$2"; shift 2 ;;
    --frames) FRAMES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --prefill-runs) PREFILL_RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
. "$ROOT/tools/bench/lib/engine-bench.sh"
run_engine_bench VoicePromptBench --model "$BUNDLE" --voice-seconds "$VOICE" --frames "$FRAMES" \
  --prefill-runs "$PREFILL_RUNS" --runs "$RUNS" --warmup "$WARMUP" --threads "$THREADS" --json "$OUT/voice-prompt.json"

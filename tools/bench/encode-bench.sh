#!/usr/bin/env bash
# Encode time per minute of audio for each delivery format (docs/BENCHMARKS.md, "Audio formats").
#   tools/bench/encode-bench.sh [runs=5] [warmup=2] [mid_ms_per_audio_minute=153800] [threads=1]
# Builds the benchmarks module and what it needs in one reactor run (nothing is installed into ~/.m2), then runs
# dev.csmpipeline.bench.EncodeTime: the tiny model's synthesis of one minute is the in-process baseline; the mid
# model's synthesis time per minute is docs/BENCHMARKS.md's engine figure (196.6 ms/frame + 8.9 ms/frame of Mimi,
# 750 frames a minute), since exporting the mid bundle is not part of this benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPT_OUT_TRACKING=true
cp_file=$PWD/benchmarks/target/encode-bench.classpath
./mvnw -B -q -pl benchmarks -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$cp_file" \
  >/dev/null
# The class path travels in CLASSPATH, not -cp: ONNX Runtime 1.29 crashes a JVM whose command line exceeds ~4 KB.
export CLASSPATH="benchmarks/target/classes:$(cat "$cp_file")"
java -Xmx2g -DOPT_OUT_TRACKING=true -Dai.djl.offline=true dev.csmpipeline.bench.EncodeTime "$@"

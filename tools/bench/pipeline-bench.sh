#!/usr/bin/env bash
# Pipeline benchmarks (docs/BENCHMARKS.md).
# Usage: tools/bench/pipeline-bench.sh [efficiency|sync|batching|sync-batch|cold-start|narration|continuity|submit|all]
#        tools/bench/pipeline-bench.sh streaming [--model tiny|DIR] [--seconds 5,20] [--runs 5] [--warmup 2] [--chunk-frames 2]
#   efficiency  jobs/s through the pipeline / jobs/s of the fixed-cost stand-in engine alone, 1 and 2 workers
#   sync        /generate latency minus the engine's own time, p50/p99, tiny model
#   batching    jobs/s through the pipeline with the real engine, 1 worker, WORKER_BATCH=1 vs 4, the ratio; the tiny
#               model, or the bundle in BENCH_MODEL_DIR (BENCH_BATCHING_ARGS: frames, jobs, runs; default 60 16 5)
#   sync-batch  /generate latency (5 frames) alone and during a full bulk batch, WORKER_BATCH=4 and 1, the ratios
#   cold-start  first /generate after a fresh stack (new JVMs), then after a restart of the services on it, / the
#               steady median; WORKER_BATCH=1 then 4; the README's call (10 s of audio), then a 5-frame one
#               (COLD_START_CALLS="readme" or "short": one of them)
#   narration   wall time of one narration with 1 and 2 workers (stand-in), the speed-up
#   continuity  wall time of one voiced narration, 2 workers, voice only vs continuity (stand-in), the ratio
#   submit      accepted jobs/s and submit latency at the API (acks=all), load from a second process, at 16, 64
#               and 256 concurrent clients (SUBMIT_CONCURRENCY); the broker as LOCAL_STACK_KAFKA_JVM and
#               LOCAL_STACK_KAFKA_FLUSH say (production: LOCAL_STACK_KAFKA_JVM=production LOCAL_STACK_KAFKA_FLUSH=os)
#   streaming   time to first audio and total time of a /v1/audio/speech pcm call streamed, against /generate (the
#               same sync call not streamed), per utterance length, with the Kafka hops; the tiny model or --model DIR
#               (a bundle with mimi_decoder_stream.onnx); not part of "all"
# BENCH_JAVA_OPTS go to the harness JVM, e.g. -Dbench.childBroker=true: the broker in a child JVM instead of in-JVM.
# Everything runs on this machine against a real Kafka broker and S3 server; nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
export OPT_OUT_TRACKING=true

JAVA=(java ${BENCH_JAVA_OPTS:-} -Xmx2g -XX:+UseSerialGC -DOPT_OUT_TRACKING=true -Dai.djl.offline=true)
if [[ $what == streaming ]]; then
  # The reactor's own jars, packaged and resolved in one invocation: no install into ~/.m2.
  cp_file=$PWD/benchmarks/target/bench.classpath
  ./mvnw -B -q -DskipTests -pl benchmarks -am package dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
  export CLASSPATH="benchmarks/target/classes:$(cat "$cp_file")"
elif [[ $what == submit ]]; then
  # SubmitLoad needs only the JDK, the ingest API and the local stack: no install into ~/.m2.
  ./mvnw -B -q -DskipTests package -pl local-stack,ingest-api,benchmarks -am >/dev/null
  export CLASSPATH=benchmarks/target/classes
else
  # One reactor build, no install: the class path names this checkout's module jars, not ~/.m2's. cold-start runs the
  # services' executable jars, which package builds too.
  cp_file=$PWD/benchmarks/target/bench.classpath
  ./mvnw -B -q -DskipTests package dependency:build-classpath -pl benchmarks,local-stack,ingest-api,inference-worker \
    -am -Dmdep.outputFile="$cp_file" >/dev/null
  # The class path travels in CLASSPATH, not -cp: ONNX Runtime 1.29 crashes a JVM whose command line exceeds ~4 KB.
  export CLASSPATH="benchmarks/target/classes:$(cat "$cp_file")"
fi

run_submit() {
  local data port=${INGEST_API_PORT:-8000}; data=$(mktemp -d /tmp/csm-bench-stack.XXXXXX)
  LOCAL_STACK_SERVICES=ingest-api LOCAL_STACK_DATA_DIR="$data" setsid bin/local-stack >"$data/stack.log" 2>&1 &
  local pid=$!
  trap 'kill -INT -- -'"$pid"' 2>/dev/null; sleep 5; rm -rf '"$data" RETURN
  for _ in $(seq 240); do
    curl -fsS "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 1
  done
  # The broker's and the ingest API's process ids, from the stack's log: SubmitLoad reports their CPU.
  local broker ingest
  broker=$(sed -n 's/.*event=kafka_started.* pid=\([0-9]*\).*/\1/p' "$data/stack.log" | head -1)
  ingest=$(sed -n 's/.*event=service_starting service=ingest-api .*pid=\([0-9]*\).*/\1/p' "$data/stack.log" | head -1)
  grep -o 'event=kafka_started.*' "$data/stack.log" | head -1
  BENCH_PIDS="broker:$broker,ingest:$ingest" "${JAVA[@]}" dev.csmpipeline.bench.SubmitLoad "http://127.0.0.1:$port" \
    "${SUBMIT_REQUESTS:-2000}" "${SUBMIT_CONCURRENCY:-16,64,256}" "${SUBMIT_RUNS:-5}"
}

run_batching() {
  # shellcheck disable=SC2086
  "${JAVA[@]}" dev.csmpipeline.bench.PipelineBatching ${BENCH_BATCHING_ARGS:-60 16 5} "${BENCH_MODEL_DIR:-}"
}

run_sync_batch() {
  "${JAVA[@]}" dev.csmpipeline.bench.SyncUnderBatch 30 8 3 2 30000 "${BENCH_MODEL_DIR:-}"
}

run_cold_start() {
  # The services inherit this environment: the same cold start with the default worker, then a batching one; for the
  # README's call, then the 5-frame one (COLD_START_CALLS="readme" or "short" for one of them).
  for call in ${COLD_START_CALLS:-readme short}; do
    WORKER_BATCH=1 "${JAVA[@]}" dev.csmpipeline.bench.ColdStart 5 20 "$call"
    WORKER_BATCH=4 "${JAVA[@]}" dev.csmpipeline.bench.ColdStart 5 20 "$call"
  done
}

case $what in
  efficiency) "${JAVA[@]}" dev.csmpipeline.bench.PipelineEfficiency ;;
  sync) "${JAVA[@]}" dev.csmpipeline.bench.SyncOverhead ;;
  batching) run_batching ;;
  sync-batch) run_sync_batch ;;
  cold-start) run_cold_start ;;
  narration) "${JAVA[@]}" dev.csmpipeline.bench.NarrationScaling ;;
  continuity) "${JAVA[@]}" dev.csmpipeline.bench.NarrationContinuity ;;
  submit) run_submit ;;
  streaming)
    echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F)"
    "${JAVA[@]}" dev.csmpipeline.bench.StreamingLatency "${@:2}" ;;
  all)
    "${JAVA[@]}" dev.csmpipeline.bench.PipelineEfficiency
    "${JAVA[@]}" dev.csmpipeline.bench.SyncOverhead
    run_batching
    run_sync_batch
    run_cold_start
    "${JAVA[@]}" dev.csmpipeline.bench.NarrationScaling
    "${JAVA[@]}" dev.csmpipeline.bench.NarrationContinuity
    run_submit ;;
  *) echo "usage: $0 [efficiency|sync|batching|sync-batch|cold-start|narration|continuity|submit|streaming|all]" >&2; exit 2 ;;
esac

# Sourced by the csm-engine CPU benchmarks (voice-prompt-bench.sh, batch-bench.sh, streaming-mimi-bench.sh):
# run_engine_bench CLASS ARGS... compiles csm-engine with its test classes (no install) and runs the benchmark class
# dev.csmpipeline.engine.bench.CLASS with the engine's offline, telemetry-free settings, printing the machine and its
# load before and after (benchmarks on this shared VM are only comparable within one run).
run_engine_bench() {
  local class=$1; shift
  local root mod
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
  mod="$root/csm-engine"
  echo "== compiling csm-engine (with test classes)" >&2
  (cd "$root" && ./mvnw -B -q -pl csm-engine -am test-compile >&2)
  (cd "$root" && ./mvnw -B -q -pl csm-engine -am dependency:build-classpath -DincludeScope=test \
      -Dmdep.outputFile=target/bench.classpath >&2)
  # CLASSPATH, not -cp: ONNX Runtime 1.29's native start-up crashes when the JVM command line exceeds about 4 KB
  export CLASSPATH="$mod/target/classes:$mod/target/test-classes:$(cat "$mod/target/bench.classpath")"
  echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx2g -DOPT_OUT_TRACKING=true -Dai.djl.offline=true -DDJL_CACHE_DIR="$mod/target/djl-cache" \
    -Dlogback.configurationFile="$mod/src/cli/logback-bench.xml" "dev.csmpipeline.engine.bench.$class" "$@"
  echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

package dev.csmpipeline.bench;

import dev.csmpipeline.localstack.LocalStack;
import dev.csmpipeline.localstack.LocalStackConfig;
import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.testsupport.TopicRecords;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cold start: the first {@code POST /generate} after a fresh start against the steady calls after it. Each start is
 * a new stack as {@code bin/local-stack} runs it, on free ports and an empty data folder: a new Kafka broker JVM, an
 * S3 server, the topics, then the ingest API and one worker, each a new JVM from its executable jar (so nothing in
 * the services is warm). Once every service reports ready ({@code /actuator/health/readiness} UP, which is when a
 * load balancer would send it traffic), sequential calls: the first, then {@code calls} more. Then the same
 * stack's services are restarted (new JVMs on the broker and S3 server that have served those calls, as in a rolling
 * update or a worker the autoscaler adds) and timed the same way. Reported per start and over all starts, for each
 * of the two: first / median of the rest, where the first call's time went, and what each JVM's threads spent on the
 * CPU during the first call against the others ({@link ThreadCpu}). The worker's settings come from this process's environment
 * (e.g. {@code WORKER_BATCH=4}), which the services inherit. Service output goes to {@code stack.log} in each start's
 * data folder, kept when {@code COLD_START_KEEP_LOGS} is set.
 *
 * <p>Arguments: starts (default 3), steady calls after the first (20), the call ({@code short}, the default, or
 * {@code readme}, see {@link Call}). Run from the repository root (or with LOCAL_STACK_HOME naming it) with the
 * services' executable jars built ({@code ./mvnw -DskipTests package}).
 */
public final class ColdStart {

    /** What each call asks for. */
    enum Call {
        /**
         * 5 frames (400 ms of audio), a new text each call: the engine's part is smallest, so whatever a first call
         * pays beyond the steady ones weighs most.
         */
        SHORT(400, "Cold start call %d."),
        /**
         * The README's {@code /generate} line as a newcomer runs it on a fresh {@code bin/local-stack}: "Hello from
         * Maya!", up to 10 s of audio (125 frames).
         */
        README(10_000, "Hello from Maya!");

        final int maxAudioMs;
        private final String text;

        Call(int maxAudioMs, String text) {
            this.maxAudioMs = maxAudioMs;
            this.text = text;
        }

        String text(int i) {
            return String.format(text, i);
        }
    }

    /** The pause before each of the calls after idle: about what a fresh service idles between ready and its first. */
    private static final java.time.Duration IDLE = java.time.Duration.ofSeconds(3);
    private static final int IDLE_CALLS = 3;

    public static void main(String[] args) throws Exception {
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Call call = args.length > 2 ? Call.valueOf(args[2].toUpperCase(java.util.Locale.ROOT)) : Call.SHORT;
        System.out.printf("call: %s (up to %d ms of audio); worker: WORKER_BATCH=%s TTS_THREADS=%s CSM_MODEL_DIR=%s%n",
                call.name().toLowerCase(java.util.Locale.ROOT), call.maxAudioMs,
                System.getenv().getOrDefault("WORKER_BATCH", "(default)"),
                System.getenv().getOrDefault("TTS_THREADS", "(default)"),
                System.getenv().getOrDefault("CSM_MODEL_DIR", "(tiny bundled)"));
        List<Run> stackRuns = new ArrayList<>();
        List<Run> serviceRuns = new ArrayList<>();
        for (int s = 0; s < starts; s++) {
            coldRun(call, calls, s + 1, stackRuns, serviceRuns);
        }
        report("cold-start", "a new stack", stackRuns);
        report("cold-services", "new service JVMs on a running broker and S3", serviceRuns);
        System.exit(0);
    }

    /**
     * The calls of one start: the first, then the steady ones ({@code ms}); then calls each after {@link #IDLE} of
     * nothing ({@code idle}), which tell what a call after a pause costs on a service that is warm.
     */
    private record Run(List<Double> ms, List<Double> idle) {
        double idleRatio() {
            return Stats.median(idle) / steady();
        }

        double first() {
            return ms.get(0);
        }

        double steady() {
            return Stats.median(ms.subList(1, ms.size()));
        }

        /**
         * Each steady call against the median of the other steady calls: what a first call that costs nothing extra
         * would show, the noise a first call's ratio is read against.
         */
        List<Double> steadyRatios() {
            List<Double> steady = ms.subList(1, ms.size());
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < steady.size(); i++) {
                List<Double> others = new ArrayList<>(steady);
                others.remove(i);
                ratios.add(steady.get(i) / Stats.median(others));
            }
            return ratios;
        }
    }

    /**
     * The control: medians over {@code starts} starts as they come out when the first call costs what a steady one
     * does, by resampling {@code steadyRatios} (10,000 draws, fixed seed). Returns its 90th percentile and the share
     * of draws at or above {@code observed}.
     */
    private static double[] nullMedian(List<Double> steadyRatios, int starts, double observed) {
        java.util.Random random = new java.util.Random(42);
        List<Double> medians = new ArrayList<>();
        int atOrAbove = 0;
        for (int draw = 0; draw < 10_000; draw++) {
            List<Double> sample = new ArrayList<>();
            for (int i = 0; i < starts; i++) {
                sample.add(steadyRatios.get(random.nextInt(steadyRatios.size())));
            }
            double m = Stats.median(sample);
            medians.add(m);
            atOrAbove += m >= observed ? 1 : 0;
        }
        return new double[] {Stats.quantile(medians, 0.9), atOrAbove / 10_000.0};
    }

    private static void print(String what, int start, Run run) {
        List<Double> rest = run.ms().subList(1, run.ms().size());
        System.out.printf("start %d, %s: first %.1f ms, steady median %.1f ms (min %.1f, p90 %.1f), first/median "
                        + "%.2f; first 5 %s%n", start, what, run.first(), run.steady(), Stats.quantile(rest, 0),
                Stats.quantile(rest, 0.9), run.first() / run.steady(),
                run.ms().subList(0, Math.min(5, run.ms().size())).stream().map(Stats::fmt).toList());
    }

    private static void report(String name, String what, List<Run> runs) {
        List<Double> firsts = runs.stream().map(Run::first).toList();
        List<Double> ratios = runs.stream().map(r -> r.first() / r.steady()).toList();
        List<Double> idle = runs.stream().map(Run::idleRatio).toList();
        System.out.printf("RESULT %s (%s) starts=%d first median=%.1f ms (%s) steady median=%.1f ms; first/steady "
                        + "median=%.2f (starts %s); after %d s idle / steady median=%.2f (starts %s)%n", name, what,
                runs.size(), Stats.median(firsts), firsts.stream().map(Stats::fmt).toList(),
                Stats.median(runs.stream().map(Run::steady).toList()), Stats.median(ratios),
                ratios.stream().map(Stats::fmt).toList(), IDLE.toSeconds(), Stats.median(idle),
                idle.stream().map(Stats::fmt).toList());
        List<Double> control = runs.stream().flatMap(r -> r.steadyRatios().stream()).toList();
        double[] nullMedian = nullMedian(control, runs.size(), Stats.median(ratios));
        System.out.printf("CONTROL %s: a steady call / the median of the other steady calls: median %.2f, p90 %.2f "
                        + "(%d calls); a median over %d starts of such calls: p90 %.2f, at or above the first calls' "
                        + "%.2f in %.0f%% of draws%n", name, Stats.median(control), Stats.quantile(control, 0.9),
                control.size(), runs.size(), nullMedian[0], Stats.median(ratios), 100 * nullMedian[1]);
    }

    /**
     * One fresh stack: start, wait until ready, time {@code 1 + calls} sequential calls; then restart the services
     * (new JVMs, the broker and S3 server as they are), wait until ready, time as many again; stop.
     */
    private static void coldRun(Call call, int calls, int start, List<Run> stackRuns, List<Run> serviceRuns)
            throws Exception {
        Path data = Files.createTempDirectory("csm-cold-start");
        Map<String, String> env = new HashMap<>();
        env.put("LOCAL_STACK_HOME", System.getenv().getOrDefault("LOCAL_STACK_HOME",
                Path.of("").toAbsolutePath().toString()));
        env.put("LOCAL_STACK_DATA_DIR", data.toString());
        env.put("LOCAL_STACK_SERVICES", "inference-worker,ingest-api");
        int ingestPort = Ports.freePort();
        env.put("INGEST_API_PORT", Integer.toString(ingestPort));
        env.put("INFERENCE_WORKER_PORT", Integer.toString(Ports.freePort()));
        env.put("STORAGE_SERVICE_PORT", Integer.toString(Ports.freePort()));
        env.put("KAFKA_PORT", Integer.toString(Ports.freePort()));
        env.put("KAFKA_CONTROLLER_PORT", Integer.toString(Ports.freePort()));
        env.put("S3_PORT", Integer.toString(Ports.freePort()));
        long t0 = System.nanoTime();
        try (PrintStream log = new PrintStream(Files.newOutputStream(data.resolve("stack.log")), true);
             LocalStack stack = new LocalStack(LocalStackConfig.fromEnvironment(env), log)) {
            stack.start();
            System.out.printf("  stack ready in %.1f s (%s)%n", (System.nanoTime() - t0) / 1e9, data);
            URI base = URI.create("http://" + Ports.LOOPBACK + ":" + ingestPort);
            // This process's own HTTP client and JSON parser are warmed against a server of its own: requests to the
            // services here (even their readiness) would run code in them just before the measured call.
            warmThisClient(call);
            String bootstrap = "127.0.0.1:" + env.get("KAFKA_PORT");
            Run stack0 = timeCalls(call, base, calls, bootstrap, "new stack");
            print("new stack", start, stack0);
            stackRuns.add(stack0);
            long t1 = System.nanoTime();
            stack.restartServices();
            System.out.printf("  services ready again in %.1f s%n", (System.nanoTime() - t1) / 1e9);
            Run services = timeCalls(call, base, calls, bootstrap, "new services");
            print("new services", start, services);
            serviceRuns.add(services);
        }
        if (System.getenv("COLD_START_KEEP_LOGS") == null) {
            deleteTree(data);
        }
    }

    /**
     * {@code 1 + calls} sequential calls, each with what every JVM's threads spent on the CPU during it; prints where
     * the first call's time went against the others'.
     */
    private static Run timeCalls(Call call, URI base, int calls, String bootstrap, String what) {
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        pids.put("ingest-api", ThreadCpu.childPid("ingest-api-exec.jar"));
        pids.put("worker", ThreadCpu.childPid("inference-worker-exec.jar"));
        pids.put("broker", ThreadCpu.childPid("kafka.Kafka"));
        pids.put("bench+S3", ProcessHandle.current().pid());
        Map<String, List<ThreadCpu.Snapshot>> cpu = new java.util.LinkedHashMap<>();
        List<SyncOverhead.Call> made = new ArrayList<>();
        for (int i = 0; i <= calls; i++) {
            Map<String, ThreadCpu.Snapshot> before = new HashMap<>();
            pids.forEach((name, pid) -> before.put(name, ThreadCpu.snapshot(pid)));
            made.add(SyncOverhead.generate(base.resolve("/generate"), call.text(i), call.maxAudioMs));
            pids.forEach((name, pid) -> cpu.computeIfAbsent(name, n -> new ArrayList<>())
                    .add(ThreadCpu.snapshot(pid).minus(before.get(name))));
        }
        System.out.printf("  %s, first call: job %s, sent at %d ms since the epoch, %.1f ms%n", what,
                made.get(0).jobId(), made.get(0).sentAtMs(), made.get(0).ms());
        printWhereTheTimeGoes(made, bootstrap);
        cpu.forEach((name, perCall) -> System.out.printf("  CPU by thread, %s (first / median of the rest): %s%n",
                name, ThreadCpu.compare(perCall.get(0), perCall.subList(1, perCall.size()), 6)));
        List<Double> idle = new ArrayList<>();
        for (int i = 0; i < IDLE_CALLS; i++) {
            pause(IDLE);
            idle.add(SyncOverhead.generate(base.resolve("/generate"), call.text(calls + 1 + i), call.maxAudioMs)
                    .ms());
        }
        Run run = new Run(made.stream().map(SyncOverhead.Call::ms).toList(), idle);
        System.out.printf("  %s, after %d s idle: %s ms, median / steady median %.2f%n", what, IDLE.toSeconds(),
                idle.stream().map(Stats::fmt).toList(), run.idleRatio());
        return run;
    }

    private static void pause(java.time.Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs this process's side of a call (the POST, reading a body the size of the call's answer, with and without
     * chunked transfer encoding, its headers) against a server of its own, so that what the first call measures is
     * the services' cold start, not this harness's.
     */
    private static void warmThisClient(Call call) throws Exception {
        int base64Chars = (44 + call.maxAudioMs * 48) / 3 * 4; // a 24 kHz 16-bit mono WAV, base64
        byte[] answer = ("{\"success\":true,\"audio_data\":\"" + "A".repeat(base64Chars)
                + "\",\"sample_rate\":24000,\"duration_ms\":" + call.maxAudioMs + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(Ports.LOOPBACK, 0), 0);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/generate", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Synthesis-Ms", "1");
            exchange.getResponseHeaders().add("X-Job-Id", "harness-warm-up");
            // Every other answer chunked, in 8 KB pieces, as Tomcat sends a body larger than its buffer.
            boolean chunked = calls.getAndIncrement() % 2 == 0;
            exchange.sendResponseHeaders(200, chunked ? 0 : answer.length);
            for (int at = 0; at < answer.length; at += 8_192) {
                exchange.getResponseBody().write(answer, at, Math.min(8_192, answer.length - at));
                exchange.getResponseBody().flush();
            }
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://" + Ports.LOOPBACK + ":" + server.getAddress().getPort() + "/generate");
            for (int i = 0; i < 20; i++) {
                SyncOverhead.generate(url, "Harness warm-up " + i + ".", call.maxAudioMs);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * Splits each call at the timestamps its request and reply records got from their producers: caller to request
     * written (HTTP, the API, its producer), request to reply written less the engine's time (the worker's consumer,
     * slot, storage lookup, reply producer), the engine, reply to the caller (the API's reply consumer, HTTP). The
     * first call against the median of the others.
     */
    private static void printWhereTheTimeGoes(List<SyncOverhead.Call> made, String bootstrap) {
        Map<String, Long> requests = new HashMap<>();
        TopicRecords.read(bootstrap, Topics.REQUESTS_INTERACTIVE).forEach(r -> requests.put(r.key(), r.timestamp()));
        Map<String, Long> replies = new HashMap<>();
        TopicRecords.read(bootstrap, Topics.REPLIES).forEach(r -> replies.put(r.key(), r.timestamp()));
        List<double[]> parts = new ArrayList<>();
        for (SyncOverhead.Call c : made) {
            Long req = requests.get(c.jobId());
            Long rep = replies.get(c.jobId());
            if (req == null || rep == null) {
                return; // cannot split: say nothing rather than something wrong
            }
            double received = c.sentAtMs() + c.ms();
            parts.add(new double[] {req - c.sentAtMs(), rep - req - c.synthesisMs(), c.synthesisMs(), received - rep});
        }
        String[] names = {"caller->request", "request->reply less engine", "engine", "reply->caller"};
        StringBuilder line = new StringBuilder("  where the time goes (first call / median of the rest, ms):");
        for (int i = 0; i < names.length; i++) {
            int part = i;
            line.append(String.format(" %s %.0f / %.0f;", names[i], parts.get(0)[i],
                    Stats.median(parts.subList(1, parts.size()).stream().map(p -> p[part]).toList())));
        }
        System.out.println(line);
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

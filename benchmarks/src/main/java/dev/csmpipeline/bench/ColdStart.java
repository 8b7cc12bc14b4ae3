package dev.csmpipeline.bench;

import dev.csmpipeline.localstack.LocalStack;
import dev.csmpipeline.localstack.LocalStackConfig;
import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.testsupport.Http;
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
 * load balancer would send it traffic), sequential 5-frame calls: the first, then {@code calls} more. Reported per
 * start and over all starts: first / median of the rest. The worker's settings come from this process's environment
 * (e.g. {@code WORKER_BATCH=4}), which the services inherit. Service output goes to {@code stack.log} in each start's
 * data folder, kept when {@code COLD_START_KEEP_LOGS} is set.
 *
 * <p>Arguments: starts (default 3), steady calls after the first (20). Run from the repository root (or with
 * LOCAL_STACK_HOME naming it) with the services' executable jars built ({@code ./mvnw -DskipTests package}).
 */
public final class ColdStart {

    private static final int SYNC_MS = 400; // 5 frames

    public static void main(String[] args) throws Exception {
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.printf("worker: WORKER_BATCH=%s TTS_THREADS=%s CSM_MODEL_DIR=%s%n",
                System.getenv().getOrDefault("WORKER_BATCH", "(default)"),
                System.getenv().getOrDefault("TTS_THREADS", "(default)"),
                System.getenv().getOrDefault("CSM_MODEL_DIR", "(tiny bundled)"));
        List<Double> ratios = new ArrayList<>();
        List<Double> firsts = new ArrayList<>();
        List<Double> medians = new ArrayList<>();
        for (int s = 0; s < starts; s++) {
            List<Double> ms = coldRun(calls);
            double first = ms.get(0);
            double median = Stats.median(ms.subList(1, ms.size()));
            System.out.printf("start %d: first %.1f ms, steady median %.1f ms (min %.1f, p90 %.1f), first/median "
                            + "%.2f; first 5 %s%n", s + 1, first, median, Stats.quantile(ms.subList(1, ms.size()), 0),
                    Stats.quantile(ms.subList(1, ms.size()), 0.9), first / median,
                    ms.subList(0, Math.min(5, ms.size())).stream().map(Stats::fmt).toList());
            firsts.add(first);
            medians.add(median);
            ratios.add(first / median);
        }
        System.out.printf("RESULT cold-start starts=%d first median=%.1f ms (%s) steady median=%.1f ms; first/steady "
                        + "median=%.2f (starts %s)%n", starts, Stats.median(firsts),
                firsts.stream().map(Stats::fmt).toList(), Stats.median(medians), Stats.median(ratios),
                ratios.stream().map(Stats::fmt).toList());
        System.exit(0);
    }

    /** One fresh stack: start, wait until ready, time {@code 1 + calls} sequential calls, stop. */
    private static List<Double> coldRun(int calls) throws Exception {
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
        List<SyncOverhead.Call> made = new ArrayList<>();
        long t0 = System.nanoTime();
        try (PrintStream log = new PrintStream(Files.newOutputStream(data.resolve("stack.log")), true);
             LocalStack stack = new LocalStack(LocalStackConfig.fromEnvironment(env), log)) {
            stack.start();
            System.out.printf("  stack ready in %.1f s (%s)%n", (System.nanoTime() - t0) / 1e9, data);
            URI base = URI.create("http://" + Ports.LOOPBACK + ":" + ingestPort);
            // Warm this process's own HTTP client and JSON parser on a request that does no synthesis.
            for (int i = 0; i < 5; i++) {
                Http.get(base.resolve("/actuator/health/readiness")).json();
            }
            warmThisClient();
            for (int i = 0; i <= calls; i++) {
                made.add(SyncOverhead.generate(base.resolve("/generate"), "Cold start call " + i + ".", SYNC_MS));
            }
            printWhereTheTimeGoes(made, "127.0.0.1:" + env.get("KAFKA_PORT"));
        }
        if (System.getenv("COLD_START_KEEP_LOGS") == null) {
            deleteTree(data);
        }
        return made.stream().map(SyncOverhead.Call::ms).toList();
    }

    /**
     * Runs this process's side of a call (the POST, reading a body the size of a 5-frame answer, with and without
     * chunked transfer encoding, its headers) against a server of its own, so that what the first call measures is
     * the services' cold start, not this harness's.
     */
    private static void warmThisClient() throws Exception {
        byte[] answer = ("{\"success\":true,\"audio_data\":\"" + "A".repeat(25_700)
                + "\",\"sample_rate\":24000,\"duration_ms\":400}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
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
                SyncOverhead.generate(url, "Harness warm-up " + i + ".", SYNC_MS);
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

package dev.csmpipeline.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load on a running ingest API from its own process: submits (POST /v1/jobs, each acknowledged by Kafka
 * with acks=all in a transaction) and, as the baseline in the same run, status reads of an unknown job (the HTTP and
 * status-table path without a Kafka write). For each level of concurrent clients (closed loop: each client sends
 * its next request when the last is answered): warm-up, then repeated runs; accepted jobs/s, p50/p99 latency, and
 * the CPU the named processes used while submits ran, which says where the load saturates.
 *
 * <p>Arguments: base URL (default http://127.0.0.1:8000), requests per run (2000), concurrent clients, one level
 * or a comma-separated list (16), runs per level (5). Environment {@code BENCH_PIDS=name:pid,...}: processes whose
 * CPU time ({@code /proc/<pid>/stat}) is reported beside this load generator's own.
 */
public final class SubmitLoad {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ, 100 on every common build). */
    private static final double TICKS_PER_SECOND = 100;

    public static void main(String[] args) throws Exception {
        String base = args.length > 0 ? args[0] : "http://127.0.0.1:8000";
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        List<Integer> levels = Arrays.stream((args.length > 2 ? args[2] : "16").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String entry : System.getenv().getOrDefault("BENCH_PIDS", "").split(",")) {
            if (entry.contains(":")) {
                pids.put(entry.substring(0, entry.indexOf(':')), Long.parseLong(entry.substring(entry.indexOf(':') + 1)));
            }
        }
        HttpRequest submit = HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"Load test.\",\"max_audio_length_ms\":80}"))
                .build();
        HttpRequest read = HttpRequest.newBuilder(URI.create(base + "/v1/jobs/00000000-0000-4000-8000-000000000000"))
                .GET().build();
        Double first = null;
        for (int concurrency : levels) {
            // A full run of each first: the JIT of the API and the broker, and the connections, at this level.
            run("warm-up", submit, 202, requests, concurrency);
            run("warm-up", read, 404, requests, concurrency);
            List<Double> submitRates = new ArrayList<>();
            List<Double> readRates = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            Map<String, List<Double>> cores = new LinkedHashMap<>();
            for (int r = 0; r < runs; r++) {
                Map<String, Double> cpu0 = cpuSeconds(pids);
                long t0 = System.nanoTime();
                Result s = run("submit", submit, 202, requests, concurrency);
                double wall = (System.nanoTime() - t0) / 1e9;
                Map<String, Double> cpu1 = cpuSeconds(pids);
                cpu1.forEach((name, v) -> cores.computeIfAbsent(name, k -> new ArrayList<>())
                        .add((v - cpu0.get(name)) / wall));
                Result b = run("baseline", read, 404, requests, concurrency);
                submitRates.add(s.perSecond);
                readRates.add(b.perSecond);
                p50.add(s.p50);
                p99.add(s.p99);
            }
            double submitMedian = Stats.median(submitRates);
            double readMedian = Stats.median(readRates);
            first = first == null ? submitMedian : first;
            StringBuilder cpu = new StringBuilder();
            cores.forEach((name, v) -> cpu.append(cpu.isEmpty() ? "" : ", ").append(name).append(' ')
                    .append(Stats.fmt(Stats.median(v))));
            System.out.printf("RESULT clients=%d submit accepted/s median=%s (runs %s); latency p50 median=%s ms,"
                            + " p99 median=%s ms; baseline status-read/s median=%s; submit/baseline=%s;"
                            + " vs first level=%s; CPU cores busy during submits (median): %s%n", concurrency,
                    Stats.fmt(submitMedian), submitRates.stream().map(Stats::fmt).toList(), Stats.fmt(Stats.median(p50)),
                    Stats.fmt(Stats.median(p99)), Stats.fmt(readMedian), Stats.fmt(submitMedian / readMedian),
                    Stats.fmt(submitMedian / first), cpu);
        }
    }

    /** CPU seconds so far: this process ("loadgen"), each named process, and the whole machine ("machine"). */
    private static Map<String, Double> cpuSeconds(Map<String, Long> pids) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            String stat = Files.readString(Path.of("/proc/" + e.getValue() + "/stat"));
            // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            out.put(e.getKey(), (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND);
        }
        out.put("loadgen", ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9);
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < cpu.length; i++) {
            if (i != 4 && i != 5) { // idle and iowait
                busy += Long.parseLong(cpu[i]);
            }
        }
        out.put("machine", busy / TICKS_PER_SECOND);
        return out;
    }

    private record Result(double perSecond, double p50, double p99) {
    }

    private static Result run(String name, HttpRequest request, int expected, int count, int concurrency)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger wrong = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            done.add(pool.submit(() -> {
                long s = System.nanoTime();
                try {
                    int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != expected) {
                        wrong.incrementAndGet();
                    }
                } catch (Exception e) {
                    wrong.incrementAndGet();
                }
                latencies.add((System.nanoTime() - s) / 1e6);
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        if (wrong.get() > 0) {
            throw new IllegalStateException(name + ": " + wrong.get() + " of " + count + " answers were not "
                    + expected);
        }
        return new Result(count / seconds, Stats.quantile(latencies, 0.5), Stats.quantile(latencies, 0.99));
    }
}

package dev.csmpipeline.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load on a running ingest API from its own process: submits (POST /v1/jobs, each acknowledged by Kafka
 * with acks=all in a transaction) and, as the baseline in the same run, status reads of an unknown job (the HTTP and
 * status-table path without a Kafka write). Warm-up, then repeated runs; accepted jobs/s and p50/p99 latency.
 *
 * <p>Arguments: base URL (default http://127.0.0.1:8000), requests per run (2000), concurrency (16), runs (5).
 */
public final class SubmitLoad {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String base = args.length > 0 ? args[0] : "http://127.0.0.1:8000";
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        HttpRequest submit = HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"Load test.\",\"max_audio_length_ms\":80}"))
                .build();
        HttpRequest read = HttpRequest.newBuilder(URI.create(base + "/v1/jobs/00000000-0000-4000-8000-000000000000"))
                .GET().build();
        run("warm-up", submit, 202, requests / 2, concurrency);
        run("warm-up", read, 404, requests / 2, concurrency);
        List<Double> submitRates = new ArrayList<>();
        List<Double> readRates = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Result s = run("submit", submit, 202, requests, concurrency);
            Result b = run("baseline", read, 404, requests, concurrency);
            submitRates.add(s.perSecond);
            readRates.add(b.perSecond);
            p50.add(s.p50);
            p99.add(s.p99);
        }
        double submitMedian = Stats.median(submitRates);
        double readMedian = Stats.median(readRates);
        System.out.printf("RESULT submit accepted/s median=%s (runs %s); latency p50 median=%s ms, p99 median=%s ms;"
                        + " baseline status-read/s median=%s; submit/baseline=%s%n", Stats.fmt(submitMedian),
                submitRates.stream().map(Stats::fmt).toList(), Stats.fmt(Stats.median(p50)),
                Stats.fmt(Stats.median(p99)), Stats.fmt(readMedian), Stats.fmt(submitMedian / readMedian));
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

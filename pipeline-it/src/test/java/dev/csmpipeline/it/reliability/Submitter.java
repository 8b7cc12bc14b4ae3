package dev.csmpipeline.it.reliability;

import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.RunningService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Submits async jobs at a steady pace for a bounded time, in the background, keeping the books: which jobs were
 * accepted (202), how many submits were refused and with what status.
 */
final class Submitter implements AutoCloseable {

    final Set<String> accepted = ConcurrentHashMap.newKeySet();
    final Map<Integer, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stop;

    Submitter(RunningService ingest, Duration every, Duration total, int maxAudioMs) {
        thread = new Thread(() -> {
            long end = System.nanoTime() + total.toNanos();
            int n = 0;
            while (!stop && System.nanoTime() < end) {
                try {
                    Http.Response r = Http.postJson(ingest.url("/v1/jobs"), "{\"text\":\"Fault test job " + n++
                            + ".\",\"max_audio_length_ms\":" + maxAudioMs + "}");
                    if (r.status() == 202) {
                        accepted.add(r.json().get("id").asText());
                    } else {
                        refused.computeIfAbsent(r.status(), s -> new AtomicInteger()).incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    refused.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                }
                try {
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fault-submitter");
        thread.start();
    }

    void awaitDone() throws InterruptedException {
        thread.join();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(30_000);
    }
}

package dev.csmpipeline.ingest.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Group commit of accepted work: submits that arrive while a transaction is committing wait for the next one and
 * share it. Each submit still hears back only after the transaction holding its records committed (or aborted), so a
 * 202 keeps its meaning; under load, one transaction (its commit markers, its round trips to the coordinator) serves
 * many submits instead of one each. A lone submit goes at once, with no added wait.
 */
public class AcceptBatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AcceptBatcher.class);
    /** Submits in one transaction at most; a narration's many records count as one submit. */
    static final int MAX_SUBMITS_PER_TRANSACTION = 64;
    /**
     * Transactions in flight at once. Two measured best on the local stack (208 accepted/s against 180 with one and
     * 196 with four, docs/BENCHMARKS.md): one commits while the other collects.
     */
    public static final int LANES = 2;

    /** One submit: its records, and the caller waiting for their commit. */
    record Submit(List<ProducerRecord<String, Object>> records, CompletableFuture<Void> committed) {
    }

    private final KafkaTemplate<String, Object> transactional;
    private final BlockingQueue<Submit> queue = new LinkedBlockingQueue<>();
    private final int lanes;
    private final List<Thread> committers = new ArrayList<>();
    private volatile boolean running;

    /**
     * @param transactional template of a transactional producer
     * @param lanes         transactions in flight at once, each on its own producer: while one commits, the next
     *                      collects and sends
     */
    public AcceptBatcher(KafkaTemplate<String, Object> transactional, int lanes) {
        this.transactional = transactional;
        this.lanes = lanes;
    }

    /** Queues {@code records} for the next transaction; the future completes when it has committed. */
    public CompletableFuture<Void> submit(List<ProducerRecord<String, Object>> records) {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        if (!running) {
            committed.completeExceptionally(new IllegalStateException("the API is stopping; retry"));
            return committed;
        }
        queue.add(new Submit(records, committed));
        return committed;
    }

    private void commitLoop() {
        while (running || !queue.isEmpty()) {
            Submit first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (first == null) {
                continue;
            }
            List<Submit> batch = new ArrayList<>();
            batch.add(first);
            queue.drainTo(batch, MAX_SUBMITS_PER_TRANSACTION - 1);
            commit(batch, transactional);
        }
        failRemaining();
    }

    /** Writes every submit of {@code batch} in one transaction and tells each caller how it went. */
    static void commit(List<Submit> batch, KafkaTemplate<String, Object> transactional) {
        try {
            transactional.executeInTransaction(t -> {
                batch.forEach(s -> s.records().forEach(t::send));
                return null;
            });
            batch.forEach(s -> s.committed().complete(null));
        } catch (RuntimeException e) {
            log.warn("event=accept_transaction_failed submits={} reason={}", batch.size(), e.toString());
            batch.forEach(s -> s.committed().completeExceptionally(e));
        }
    }

    private void failRemaining() {
        List<Submit> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(s -> s.committed().completeExceptionally(
                new IllegalStateException("the API stopped before the job was written; retry")));
    }

    @Override
    public void start() {
        running = true;
        for (int i = 0; i < lanes; i++) {
            Thread t = new Thread(this::commitLoop, "accept-committer-" + i);
            t.setDaemon(true);
            t.start();
            committers.add(t);
        }
    }

    @Override
    public void stop() {
        running = false;
        for (Thread t : committers) {
            try {
                t.join(30_000); // what is queued is still committed (or refused) before the producer closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        committers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Stops after the web server has drained its requests (they may be waiting here) and stopped, and before the
     * producers close.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}

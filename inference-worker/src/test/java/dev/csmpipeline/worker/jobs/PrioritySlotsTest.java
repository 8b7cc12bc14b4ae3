package dev.csmpipeline.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.worker.jobs.PrioritySlots.Priority;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrioritySlotsTest {

    private final PrioritySlots slots = new PrioritySlots(1);

    private CompletableFuture<Boolean> acquireLater(Priority priority, List<Priority> order) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                boolean got = slots.acquire(priority);
                if (got) {
                    order.add(priority);
                    slots.release(priority);
                }
                return got;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void awaitWaiting(int callers) {
        await().atMost(Duration.ofSeconds(5)).until(slots::waiting, n -> n == callers);
    }

    @Test
    void aFreeSlotIsTakenAtOnce() throws Exception {
        assertThat(slots.acquire(Priority.BULK)).isTrue();
        assertThat(slots.busy()).isEqualTo(1);
    }

    @Test
    void aWaitingInteractiveRequestGoesBeforeAWaitingBulkJob() throws Exception {
        List<Priority> order = new CopyOnWriteArrayList<>();
        slots.acquire(Priority.BULK);
        CompletableFuture<Boolean> bulk = acquireLater(Priority.BULK, order);
        awaitWaiting(1);
        CompletableFuture<Boolean> interactive = acquireLater(Priority.INTERACTIVE, order);
        awaitWaiting(2);
        slots.release(Priority.BULK);
        assertThat(interactive.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(bulk.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly(Priority.INTERACTIVE, Priority.BULK);
    }

    @Test
    void drainingHandsBackAWaitingJobInsteadOfStartingIt() throws Exception {
        slots.acquire(Priority.BULK);
        CompletableFuture<Boolean> prefetched = acquireLater(Priority.BULK, new CopyOnWriteArrayList<>());
        awaitWaiting(1);
        slots.drain();
        assertThat(prefetched.get(5, TimeUnit.SECONDS)).isFalse();
        assertThat(slots.busy()).isEqualTo(1);
    }

    @Test
    void afterDrainingNoJobStarts() throws Exception {
        slots.drain();
        assertThat(slots.acquire(Priority.INTERACTIVE)).isFalse();
        assertThat(slots.busy()).isZero();
    }

    @Test
    void bulkJobsLeaveTheReservedSlotToInteractiveRequests() throws Exception {
        PrioritySlots batch = new PrioritySlots(3, 2);
        assertThat(batch.acquire(Priority.BULK)).isTrue();
        assertThat(batch.acquire(Priority.BULK)).isTrue();
        CompletableFuture<Boolean> thirdBulk = CompletableFuture.supplyAsync(() -> acquireQuietly(batch, Priority.BULK));
        await().atMost(Duration.ofSeconds(5)).until(batch::waiting, n -> n == 1);
        // The bulk job waits although a slot is free; a sync call takes that slot at once.
        assertThat(batch.acquire(Priority.INTERACTIVE)).isTrue();
        assertThat(batch.busy()).isEqualTo(3);
        assertThat(thirdBulk).isNotDone();
        batch.release(Priority.INTERACTIVE);
        batch.release(Priority.BULK);
        assertThat(thirdBulk.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anInteractiveRequestMayUseAFreeBulkSlot() throws Exception {
        PrioritySlots batch = new PrioritySlots(2, 1);
        assertThat(batch.acquire(Priority.INTERACTIVE)).isTrue();
        assertThat(batch.acquire(Priority.INTERACTIVE)).isTrue();
        assertThat(batch.busy()).isEqualTo(2);
    }

    private static boolean acquireQuietly(PrioritySlots s, Priority priority) {
        try {
            return s.acquire(priority);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

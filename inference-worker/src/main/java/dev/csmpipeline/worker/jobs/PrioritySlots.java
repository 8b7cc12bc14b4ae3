package dev.csmpipeline.worker.jobs;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's synthesis slots, handed to interactive (sync) requests before bulk ones: a bulk job waits while any
 * interactive request waits, so a sync call waits at most for the job already running, never for the backlog.
 *
 * <p>Bulk jobs may hold at most {@code bulkSlots} of the {@code totalSlots}; the rest are kept for interactive
 * requests. A batching worker has one such reserved row beside its batch, so a sync call joins the running batch at
 * the next frame instead of waiting for a bulk row to finish.
 */
public final class PrioritySlots {

    public enum Priority { INTERACTIVE, BULK }

    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    private final int totalSlots;
    private final int bulkSlots;
    private int busy;
    private int bulkBusy;
    private int interactiveWaiting;
    private boolean draining;
    private int waiting;

    /** {@code slots} slots, none reserved: a sync call waits for the job running when it came. */
    public PrioritySlots(int slots) {
        this(slots, slots);
    }

    /** {@code totalSlots} slots, of which bulk jobs may hold {@code bulkSlots}. */
    public PrioritySlots(int totalSlots, int bulkSlots) {
        if (bulkSlots < 1 || totalSlots < bulkSlots) {
            throw new IllegalArgumentException("need 1 <= bulk slots <= total slots, got bulk " + bulkSlots
                    + " of " + totalSlots);
        }
        this.totalSlots = totalSlots;
        this.bulkSlots = bulkSlots;
    }

    /**
     * Blocks until a slot is free for {@code priority}; returns false, at once or while waiting, once the worker
     * drains: a job not yet started is then handed back rather than begun.
     */
    public boolean acquire(Priority priority) throws InterruptedException {
        lock.lock();
        waiting++;
        try {
            if (priority == Priority.INTERACTIVE) {
                interactiveWaiting++;
                try {
                    while (busy >= totalSlots && !draining) {
                        changed.await();
                    }
                } finally {
                    interactiveWaiting--;
                    changed.signalAll(); // bulk waiters may go once no interactive request waits
                }
            } else {
                while ((busy >= totalSlots || bulkBusy >= bulkSlots || interactiveWaiting > 0) && !draining) {
                    changed.await();
                }
            }
            if (draining) {
                return false;
            }
            busy++;
            if (priority == Priority.BULK) {
                bulkBusy++;
            }
            return true;
        } finally {
            waiting--;
            lock.unlock();
        }
    }

    /** Callers in {@link #acquire} now: prefetched jobs waiting for the engine. */
    public int waiting() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** From now on no job starts: waiting and later {@link #acquire} calls return false. */
    public void drain() {
        lock.lock();
        try {
            draining = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a slot taken by {@link #acquire} with the same {@code priority}. */
    public void release(Priority priority) {
        lock.lock();
        try {
            busy--;
            if (priority == Priority.BULK) {
                bulkBusy--;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Slots in use now. */
    public int busy() {
        lock.lock();
        try {
            return busy;
        } finally {
            lock.unlock();
        }
    }
}

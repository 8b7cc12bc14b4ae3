package dev.csmpipeline.worker.jobs;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's synthesis slots, handed to interactive (sync) requests before bulk ones: a bulk job waits while any
 * interactive request waits, so a sync call waits at most for the job already running, never for the backlog.
 */
public final class PrioritySlots {

    public enum Priority { INTERACTIVE, BULK }

    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition changed = lock.newCondition();
    private final int slots;
    private int busy;
    private int interactiveWaiting;
    private boolean draining;
    private int waiting;

    public PrioritySlots(int slots) {
        this.slots = slots;
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
                    while (busy >= slots && !draining) {
                        changed.await();
                    }
                } finally {
                    interactiveWaiting--;
                    changed.signalAll(); // bulk waiters may go once no interactive request waits
                }
            } else {
                while ((busy >= slots || interactiveWaiting > 0) && !draining) {
                    changed.await();
                }
            }
            if (draining) {
                return false;
            }
            busy++;
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

    public void release() {
        lock.lock();
        try {
            busy--;
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

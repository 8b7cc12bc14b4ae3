package dev.csmpipeline.ingest.jobs;

import dev.csmpipeline.model.JobState;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-Sent Events of a job or narration: its status is read from the status table a few times a second and
 * sent whenever it changed ({@code progress} while running, then an event named after the final state), and the
 * stream ends with the job. Reading the table, rather than a subscription, works whichever instance owns the job.
 */
public class JobEventStreams implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobEventStreams.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration MAX_STREAM = Duration.ofHours(2);

    /** What a stream needs to know of the followed resource. */
    public interface Followed {
        String state();

        boolean terminal();

        Object view();
    }

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "sse-poller");
        t.setDaemon(true);
        return t;
    });

    /** Follows a job by its view. */
    public SseEmitter follow(Supplier<JobView> view) {
        return followAny(() -> {
            JobView v = view.get();
            return new Followed() {
                public String state() {
                    return v.state().name();
                }

                public boolean terminal() {
                    return v.state() != JobState.QUEUED && v.state() != JobState.RUNNING;
                }

                public Object view() {
                    return v;
                }
            };
        });
    }

    /** Follows anything with a state. */
    public SseEmitter followAny(Supplier<Followed> source) {
        SseEmitter emitter = new SseEmitter(MAX_STREAM.toMillis());
        AtomicReference<Object> last = new AtomicReference<>();
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        Runnable poll = () -> {
            try {
                Followed now = source.get();
                if (!Objects.equals(last.get(), now.view())) {
                    last.set(now.view());
                    String name = now.terminal() ? now.state().toLowerCase(Locale.ROOT) : "progress";
                    emitter.send(SseEmitter.event().name(name).data(now.view(), MediaType.APPLICATION_JSON));
                }
                if (now.terminal()) {
                    emitter.complete();
                    cancel(task);
                }
            } catch (IOException | IllegalStateException e) {
                cancel(task); // the client went away
            } catch (RuntimeException e) {
                log.debug("event=sse_poll_failed reason={}", e.toString());
                emitter.completeWithError(e);
                cancel(task);
            }
        };
        task.set(scheduler.scheduleWithFixedDelay(poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS));
        emitter.onCompletion(() -> cancel(task));
        emitter.onTimeout(() -> cancel(task));
        emitter.onError(e -> cancel(task));
        return emitter;
    }

    private static void cancel(AtomicReference<ScheduledFuture<?>> task) {
        ScheduledFuture<?> f = task.get();
        if (f != null) {
            f.cancel(false);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}

package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.it.Pipeline;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The course of a fault test and the assertions every one ends with. */
final class FaultTests {

    private FaultTests() {
    }

    /**
     * An outage while jobs flow: once the pipeline is working (a job submitted by {@code submitter} has succeeded
     * while it keeps submitting), runs {@code fault}, keeps it for {@code outage}, runs {@code repair}, lets the
     * submitter finish, and settles the books.
     */
    static Accounting.Books outage(String name, Pipeline pipeline, Submitter submitter, Runnable fault,
                                   Duration outage, Runnable repair) throws InterruptedException {
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250)).until(() ->
                List.copyOf(submitter.accepted).stream()
                        .anyMatch(id -> "SUCCEEDED".equals(pipeline.status(id).path("state").asText())));
        fault.run();
        Thread.sleep(outage.toMillis()); // the outage itself, not a wait for a condition
        repair.run();
        submitter.awaitDone();
        return settle(name, pipeline.infra().kafkaBootstrapServers(), submitter.accepted, Duration.ofMinutes(5));
    }

    /**
     * Waits until every accepted job is terminal and the workers have consumed every request, then checks the
     * books: accepted = terminal, no job with two different results, no partition stuck. Prints the counts.
     */
    static Accounting.Books settle(String name, String bootstrap, Set<String> accepted, Duration limit) {
        Accounting.Books[] books = new Accounting.Books[1];
        await().atMost(limit).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().until(() -> {
            books[0] = Accounting.of(bootstrap, accepted);
            return books[0].open().isEmpty() && books[0].lag() == 0;
        });
        Accounting.Books b = books[0];
        System.out.println("[reliability] " + name + ": " + b);
        assertThat(b.accepted()).as("jobs accepted").isPositive();
        assertThat(b.terminal()).as("accepted = terminal").isEqualTo(b.accepted());
        assertThat(b.twoResults()).as("jobs announced with two different results").isEmpty();
        assertThat(b.lag()).as("requests left unconsumed (a stuck partition)").isZero();
        return b;
    }
}

package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;

/** The assertions every fault test ends with. */
final class FaultTests {

    private FaultTests() {
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

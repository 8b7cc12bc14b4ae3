package dev.csmpipeline.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class CompileQueueTest {

    @Test
    void anAnswerListingACompilationUnderWayAndOneQueuedCountsTwo() {
        String answer = """
                Current compiles:\s
                C2 CompilerThread0  1307   !   4       com.example.Reader::read (497 bytes)

                C1 compile queue:
                Empty

                C2 compile queue:
                1211       4       java.util.HashMap::hash (20 bytes)

                """;

        assertThat(CompileQueue.compilationsIn(answer)).isEqualTo(2);
    }

    @Test
    void anAnswerWithEveryQueueEmptyCountsNone() {
        String answer = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n\n";

        assertThat(CompileQueue.compilationsIn(answer)).isZero();
    }

    @Test
    void onHotSpotTheQueueIsReadAndGoesIdleOnceTheWorkThatFilledItStops() {
        CompileQueue queue = CompileQueue.ofThisJvm();
        long sum = 0;
        for (int i = 0; i < 200_000; i++) {
            sum += Integer.toString(i).hashCode();
        }

        assertThat(queue.exact()).as("read from HotSpot's Compiler.queue (sum %d)", sum).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(queue::idle);
    }

    @Test
    void settlingReturnsOnceTheCompilerIsIdleRatherThanFailingAtItsLimit() {
        assertThatCode(() -> StartupWarmUp.compilerSettled(Duration.ofSeconds(30)).action().run())
                .doesNotThrowAnyException();
    }
}

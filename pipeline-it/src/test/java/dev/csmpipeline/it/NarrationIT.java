package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.NarrationManifest;
import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** Narrations end to end: ingest, two workers with the tiny model, the storage service assembling. */
@WithPipelineInfra
class NarrationIT {

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startStorage();
        p.startWorker(Map.of());
        p.startWorker(Map.of());
    });

    private static String narrate(String json) {
        Http.Response r = Http.postJson(pipeline.ingest().url("/v1/narrations"), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    @Test
    void fiftySentencesOverTwoWorkersAssembleInOrderWithPauses() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 50; i++) {
            text.append("Sentence number ").append(i).append(" ends here, Dr. Smith said. ");
        }
        String id = narrate(Http.json(Map.of("text", text.toString(), "speaker_id", 0, "pause_ms", 200,
                "max_segment_chars", 100)));
        JsonNode done = pipeline.awaitEnd("/v1/narrations/" + id, Duration.ofMinutes(5));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("segments").get("done").asInt()).isEqualTo(done.get("segments").get("total").asInt());

        byte[] wav = Http.get(pipeline.ingest().url("/v1/narrations/" + id + "/audio")).body();
        NarrationManifest m = WireJson.mapper().readValue(
                Http.get(pipeline.ingest().url("/v1/narrations/" + id + "/manifest")).body(), NarrationManifest.class);
        Wav.Info info = Wav.read(wav);
        long segmentsMs = m.segments().stream().mapToLong(NarrationManifest.Entry::durationMs).sum();
        assertThat(info.durationMs()).isEqualTo(m.durationMs())
                .isBetween(segmentsMs + 200L * (m.segments().size() - 1) - m.segments().size(),
                        segmentsMs + 200L * (m.segments().size() - 1) + m.segments().size());
        assertThat(m.segments()).extracting(NarrationManifest.Entry::index)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, m.segments().size()).boxed().toList());
        for (int i = 1; i < m.segments().size(); i++) {
            assertThat(m.segments().get(i).startMs()).isEqualTo(m.segments().get(i - 1).endMs() + 200);
        }
        String joined = String.join(" ", m.segments().stream().map(NarrationManifest.Entry::text).toList());
        assertThat(joined.split("Sentence number", -1)).hasSize(51);
        assertThat(m.segments()).as("no segment was cut after \"Dr.\"")
                .allSatisfy(e -> assertThat(e.text()).startsWith("Sentence number").endsWith("Dr. Smith said."));
    }

    @Test
    void aNarrationAskedForInOpusIsEncodedOnceKeptBesideItsWavAndServedWithRange() throws Exception {
        String id = narrate(Http.json(Map.of("paragraphs", List.of("The first part.", "The second part."),
                "format", "opus")));
        JsonNode done = pipeline.awaitEnd("/v1/narrations/" + id, Duration.ofMinutes(3));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        String url = done.get("audio_url").asText();
        assertThat(url).isEqualTo("/v1/narrations/" + id + "/audio?format=opus");
        Http.Response first = Http.get(pipeline.ingest().url(url), "Accept", "application/octet-stream");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.header("Content-Type")).contains("audio/ogg");
        assertThat(new String(first.body(), 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("OggS");
        try (var storage = pipeline.infra().newStorage()) {
            assertThat(storage.stat("narrations/" + id + "/final.opus")).as("the kept copy").isPresent()
                    .hasValueSatisfying(o -> assertThat(o.size()).isEqualTo(first.body().length));
        }
        Http.Response part = Http.get(pipeline.ingest().url(url), "Range", "bytes=0-3");
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOf(first.body(), 4));
        Http.Response wav = Http.get(pipeline.ingest().url("/v1/narrations/" + id + "/audio?format=wav"));
        assertThat(Wav.read(wav.body()).durationMs()).isEqualTo(done.get("result").get("duration_ms").asLong());
    }

    @Test
    void aPoisonedSegmentFailsTheNarrationNamingIt() {
        // Segment 1 is one unbroken run of 1,000 CJK characters: ~3,000 byte-level tokens, longer than the tiny
        // model's 2,048-position context, so the engine rejects it.
        String poison = "語".repeat(1_000);
        String id = narrate(Http.json(Map.of("paragraphs", List.of("A fine first segment.", poison,
                "A third one."), "max_segment_chars", 1000)));
        JsonNode done = pipeline.awaitEnd("/v1/narrations/" + id, Duration.ofMinutes(3));
        assertThat(done.get("state").asText()).isEqualTo("FAILED");
        assertThat(done.get("error").get("segment").asInt()).isEqualTo(1);
        assertThat(done.get("error").get("message").asText()).contains("segment 1");
    }

    @Test
    void cancellingHalfwayRunsNoFurtherSegment() {
        List<String> paragraphs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            paragraphs.add("Paragraph " + i + " is a little longer so that it takes a moment to say out loud.");
        }
        String id = narrate(Http.json(Map.of("paragraphs", paragraphs)));
        await().atMost(Duration.ofMinutes(2)).until(() -> Http.get(pipeline.ingest().url("/v1/narrations/" + id))
                .json().get("segments").get("done").asInt() >= 2);
        Http.Response cancel = Http.delete(pipeline.ingest().url("/v1/narrations/" + id));
        assertThat(cancel.json().get("state").asText()).isEqualTo("CANCELLED");
        Instant cancelledAt = Instant.now();
        Set<String> segments = new HashSet<>();
        for (int i = 0; i < paragraphs.size(); i++) {
            segments.add(NarrationPlan.segmentJobId(id, i));
        }
        // Every segment has been through a worker by now (done, stopped, or skipped as cancelled), so one that
        // was going to run after the cancel would have started.
        AtomicReference<List<JobEvent>> events = new AtomicReference<>();
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            events.set(TopicRecords.events(pipeline.infra().kafkaBootstrapServers(), segments::contains));
            assertThat(events.get().stream().filter(e -> e.type().isTerminal() && e.workerId() != null)
                    .map(JobEvent::jobId)).as("segments ended by a worker").containsAll(segments);
        });
        List<JobEvent> starts = events.get().stream().filter(e -> e.type() == EventType.STARTED).toList();
        assertThat(starts).as("segments started after the cancel (1 s grace for one in flight)")
                .filteredOn(e -> e.at().isAfter(cancelledAt.plusSeconds(1))).isEmpty();
        assertThat(starts.size()).isLessThan(12);
    }
}

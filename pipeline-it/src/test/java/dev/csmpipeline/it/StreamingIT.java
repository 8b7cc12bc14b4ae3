package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Audio streamed as it is generated, through the real broker: {@code /v1/audio/speech} as chunked PCM or WAV and as
 * OpenAI's SSE events, and an async job's {@code /audio/stream}. The first bytes arrive before the worker has
 * finished (ordered against the job's SUCCEEDED event), the streamed samples are exactly the stored WAV's, and a job
 * cancelled mid-stream cuts the stream off instead of ending it as if complete.
 */
@WithPipelineInfra
class StreamingIT {

    /** About 12 s of audio (the OpenAI endpoint allows 3 s + 90 ms a character): 150 frames of the tiny model. */
    private static final String LONG_TEXT = "This sentence is long enough that the model has to generate many frames "
            + "before it is done.";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of("worker.batch", 2));
    });

    private static String speech(String format, String streamFormat) {
        return "{\"model\":\"csm-1b\",\"input\":\"" + LONG_TEXT + "\",\"voice\":\"alloy\",\"response_format\":\""
                + format + "\"" + (streamFormat == null ? "" : ",\"stream_format\":\"" + streamFormat + "\"") + "}";
    }

    /** The 16-bit samples of the job's stored WAV. */
    private static byte[] storedSamples(String jobId) {
        JsonNode done = pipeline.awaitJob(jobId);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        try (ObjectStorage storage = pipeline.infra().newStorage()) {
            byte[] wav = storage.get("audio/" + jobId + ".wav").orElseThrow();
            Wav.Info info = Wav.read(wav);
            return Arrays.copyOfRange(wav, info.dataOffset(), (int) (info.dataOffset() + info.dataBytes()));
        }
    }

    /** When the worker announced the job SUCCEEDED (the stream may end a moment before it does). */
    private static Instant succeededAt(String jobId) {
        pipeline.awaitJob(jobId);
        return TopicRecords.events(pipeline.infra().kafkaBootstrapServers(), jobId::equals).stream()
                .filter(e -> e.type() == EventType.SUCCEEDED).map(JobEvent::at).findFirst().orElseThrow();
    }

    /** Reads {@code n} bytes (or to the end); returns them. */
    private static byte[] readSome(InputStream in, int n) throws IOException {
        return in.readNBytes(n);
    }

    @Test
    void streamedPcmArrivesBeforeTheJobEndsAndEqualsTheStoredAudio() throws Exception {
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/audio/speech"), speech("pcm", null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("audio/pcm"));
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            body.write(readSome(in, 3840)); // one frame of audio
            Instant firstAudio = Instant.now();
            in.transferTo(body);
            assertThat(firstAudio).as("first audio received vs the job's SUCCEEDED").isBefore(succeededAt(jobId));
        }
        assertThat(body.toByteArray()).isEqualTo(storedSamples(jobId));
    }

    @Test
    void streamedWavHasAnOpenEndedHeaderThenTheStoredSamples() throws Exception {
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/audio/speech"), speech("wav", "audio"));
        assertThat(r.statusCode()).isEqualTo(200);
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        byte[] wav;
        try (InputStream in = r.body()) {
            wav = in.readAllBytes();
        }
        Wav.Info info = Wav.read(wav);
        assertThat(info.sampleRate()).isEqualTo(24_000);
        assertThat(Arrays.copyOfRange(wav, info.dataOffset(), wav.length)).isEqualTo(storedSamples(jobId));
    }

    @Test
    void sseDeltasDecodeToTheStoredAudioAndEndWithDone() throws Exception {
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/audio/speech"), speech("pcm", "sse"));
        assertThat(r.statusCode()).isEqualTo(200);
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        List<JsonNode> events = new ArrayList<>();
        try (InputStream in = r.body()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("data:")) {
                    events.add(JSON.readTree(line.substring(5).trim()));
                }
            }
        }
        assertThat(events.size()).isGreaterThan(2);
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("type").asText()).isEqualTo("speech.audio.done");
        assertThat(last.at("/usage/output_tokens").asLong()).isPositive();
        ByteArrayOutputStream audio = new ByteArrayOutputStream();
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertThat(e.get("type").asText()).isEqualTo("speech.audio.delta");
            audio.write(Base64.getDecoder().decode(e.get("audio").asText()));
        }
        assertThat(audio.toByteArray()).isEqualTo(storedSamples(jobId));
    }

    @Test
    void sseRefusesAFormatItCannotSendAsRawDeltas() {
        Http.Response r = Http.postJson(pipeline.ingest().url("/v1/audio/speech"), speech("mp3", "sse"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo("response_format");
    }

    @Test
    void anAsyncStreamingJobCanBeHeardWhileItRuns() throws Exception {
        String jobId = pipeline.submit("{\"text\":\"" + LONG_TEXT + "\",\"stream\":true,\"max_audio_length_ms\":12000}");
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/jobs/" + jobId + "/audio/stream?format=pcm"),
                null);
        assertThat(r.statusCode()).isEqualTo(200);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            body.write(readSome(in, 3840));
            Instant firstAudio = Instant.now();
            in.transferTo(body);
            assertThat(firstAudio).isBefore(succeededAt(jobId));
        }
        assertThat(body.toByteArray()).isEqualTo(storedSamples(jobId));
    }

    @Test
    void aJobThatDoesNotStreamIsServedWholeOnceItEnds() throws Exception {
        String jobId = pipeline.submit("{\"text\":\"Not streamed.\",\"max_audio_length_ms\":2000}");
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/jobs/" + jobId + "/audio/stream?format=pcm"),
                null);
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readAllBytes();
        }
        assertThat(body).isEqualTo(storedSamples(jobId));
    }

    @Test
    void aListenerThatHangsUpStopsNothingButItsOwnStream() throws Exception {
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/audio/speech"), speech("pcm", null));
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        try (InputStream in = r.body()) {
            assertThat(readSome(in, 3840)).hasSize(3840);
        } // hung up after the first frame
        assertThat(storedSamples(jobId)).as("the job went on to store its whole audio").hasSizeGreaterThan(3840 * 100);
    }

    @Test
    void aSpeechCallWhoseJobIsCancelledMidStreamIsCutOffInsteadOfEnded() throws Exception {
        String longer = speech("pcm", null).replace(LONG_TEXT, LONG_TEXT + " " + LONG_TEXT + " " + LONG_TEXT);
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/audio/speech"), longer);
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        try (InputStream in = r.body()) {
            assertThat(readSome(in, 3840)).hasSize(3840);
            Http.delete(pipeline.ingest().url("/v1/jobs/" + jobId));
            assertThatThrownBy(in::readAllBytes).as("a stream of a cancelled call must not end cleanly")
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void cancellingAJobMidStreamCutsTheStreamOffInsteadOfEndingIt() throws Exception {
        String jobId = pipeline.submit("{\"text\":\"" + LONG_TEXT + "\",\"stream\":true,\"max_audio_length_ms\":60000}");
        HttpResponse<InputStream> r = Http.open(pipeline.ingest().url("/v1/jobs/" + jobId + "/audio/stream?format=pcm"),
                null);
        try (InputStream in = r.body()) {
            assertThat(readSome(in, 3840)).hasSize(3840);
            Http.delete(pipeline.ingest().url("/v1/jobs/" + jobId));
            assertThatThrownBy(in::readAllBytes).as("a stream of a cancelled job must not end cleanly")
                    .isInstanceOf(IOException.class);
        }
        assertThat(pipeline.awaitJob(jobId).get("state").asText()).isEqualTo("CANCELLED");
    }
}

package dev.csmpipeline.model;

import static dev.csmpipeline.model.Fixtures.T0;
import static dev.csmpipeline.model.Fixtures.t;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireJsonTest {

    @Test
    void synthesisRequestSurvivesARoundTrip() {
        SynthesisRequest request = Fixtures.segmentRequest();
        assertThat(WireJson.decode(WireJson.encode(request), SynthesisRequest.class)).isEqualTo(request);
    }

    @Test
    void everyEventFactorySurvivesARoundTrip() {
        SynthesisRequest r = Fixtures.segmentRequest();
        AudioResult audio = new AudioResult("audio/nar-1-s0003.wav", 1280, 24_000, 61_484, "ab".repeat(32), 16);
        JobEvent[] events = {
                JobEvent.accepted(r, T0),
                JobEvent.cancelRequested(r.jobId(), r.narration(), t(1)),
                JobEvent.started(r, "worker-a", "tiny-random", "cpu", t(2)),
                JobEvent.progress(r, "worker-a", 7, t(3)),
                JobEvent.succeeded(r, "worker-a", "tiny-random", audio, t(4)),
                JobEvent.failed(r.jobId(), r.narration(), "worker-a", new JobError("ENGINE_ERROR", "boom"), t(5)),
                JobEvent.cancelled(r.jobId(), r.narration(), null, t(6)),
                JobEvent.expired(r.jobId(), r.narration(), t(7)),
        };
        for (JobEvent event : events) {
            assertThat(WireJson.decode(WireJson.encode(event), JobEvent.class)).isEqualTo(event);
        }
    }

    @Test
    void jobStatusSurvivesARoundTrip() {
        JobStatus status = JobStatusFold.apply(null, JobEvent.accepted(Fixtures.validRequest(), T0));
        assertThat(WireJson.decode(WireJson.encode(status), JobStatus.class)).isEqualTo(status);
    }

    @Test
    void replyCarriesWavBytesAsBase64() {
        byte[] wav = {82, 73, 70, 70, 0, -1};
        SynthesisReply reply = SynthesisReply.succeeded("job-1",
                new AudioResult("audio/job-1.wav", 80, 24_000, 6, "00", 1), wav, "m");
        SynthesisReply back = WireJson.decode(WireJson.encode(reply), SynthesisReply.class);
        assertThat(back.wav()).containsExactly(wav);
        assertThat(back.isClaimCheck()).isFalse();
        assertThat(new String(WireJson.encode(reply), StandardCharsets.UTF_8)).contains("\"wav\":\"UklGRgD/\"");
    }

    @Test
    void controlCommandSurvivesARoundTrip() {
        ControlCommand c = ControlCommand.cancelNarration("nar-1", "acme", T0);
        assertThat(WireJson.decode(WireJson.encode(c), ControlCommand.class)).isEqualTo(c);
    }

    @Test
    void namesAreSnakeCaseAndInstantsIso8601() {
        String json = new String(WireJson.encode(Fixtures.validRequest()), StandardCharsets.UTF_8);
        assertThat(json).contains("\"job_id\":\"job-1\"", "\"max_audio_length_ms\":10000",
                "\"requested_at\":\"2026-11-25T10:00:00Z\"", "\"top_k\":50");
    }

    @Test
    void nullFieldsAreOmitted() {
        String json = new String(WireJson.encode(Fixtures.validRequest()), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("deadline", "narration", "null");
    }

    @Test
    void unknownFieldsAreTolerated() {
        String json = "{\"job_id\":\"j\",\"type\":\"STARTED\",\"at\":\"2026-11-25T10:00:00Z\","
                + "\"added_in_a_later_version\":{\"x\":[1,2]},\"worker_id\":\"w\"}";
        JobEvent event = WireJson.decode(json.getBytes(StandardCharsets.UTF_8), JobEvent.class);
        assertThat(event.type()).isEqualTo(EventType.STARTED);
        assertThat(event.workerId()).isEqualTo("w");
    }

    @Test
    void malformedJsonRaisesASerializationExceptionNamingTheTopic() {
        WireSerde<SynthesisRequest> serde = WireSerde.of(SynthesisRequest.class);
        assertThatThrownBy(() -> serde.deserialize("tts.requests", "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("tts.requests")
                .hasMessageContaining("SynthesisRequest");
    }

    @Test
    void jsonNullIsAFormatErrorNotANullMessage() {
        assertThatThrownBy(() -> WireJson.decode("null".getBytes(StandardCharsets.UTF_8), JobEvent.class))
                .isInstanceOf(WireJson.WireFormatException.class);
    }

    @Test
    void unknownEnumValueIsAFormatError() {
        byte[] json = "{\"job_id\":\"j\",\"type\":\"EXPLODED\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> WireJson.decode(json, JobEvent.class))
                .isInstanceOf(WireJson.WireFormatException.class);
    }

    @Test
    void anEventWithoutTypeIsAFormatError() {
        byte[] json = "{\"job_id\":\"j\",\"at\":\"2026-11-25T10:00:00Z\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> WireJson.decode(json, JobEvent.class))
                .isInstanceOf(WireJson.WireFormatException.class).hasMessageContaining("type");
    }

    @Test
    void anEventWithoutJobIdIsAFormatError() {
        byte[] json = "{\"type\":\"STARTED\",\"at\":\"2026-11-25T10:00:00Z\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> WireJson.decode(json, JobEvent.class))
                .isInstanceOf(WireJson.WireFormatException.class).hasMessageContaining("job_id");
    }

    @Test
    void tombstoneDeserializesToNull() {
        assertThat(WireSerde.of(ControlCommand.class).deserialize("tts.control", null)).isNull();
    }
}

package dev.csmpipeline.storage.service.narration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.NarrationManifest;
import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.NarrationReady;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithPipelineInfra
class NarrationAssemblerTest {

    private static final int RATE = 24_000;
    private static ObjectStorage storage;
    private static NarrationAssembler assembler;

    @BeforeAll
    static void start(PipelineInfra infra) {
        storage = infra.newStorage();
        assembler = new NarrationAssembler(storage);
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    /** A segment whose every sample is {@code value}, {@code samples} long. */
    private static float[] constant(float value, int samples) {
        float[] pcm = new float[samples];
        java.util.Arrays.fill(pcm, value);
        return pcm;
    }

    private static String narration(List<float[]> segments, int pauseMs) {
        String id = UUID.randomUUID().toString();
        List<NarrationPlan.Segment> plan = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            plan.add(new NarrationPlan.Segment(i, NarrationPlan.segmentJobId(id, i), "Segment " + i + ".", 5000));
            if (segments.get(i) != null) {
                storage.put(ObjectKeys.narrationSegment(id, i), Wav.encode(segments.get(i), RATE), Wav.CONTENT_TYPE);
            }
        }
        storage.put(ObjectKeys.narrationPlan(id), WireJson.encode(new NarrationPlan(id, "default", 0, null, pauseMs,
                false, Instant.now(), plan)), ObjectStorage.JSON_CONTENT_TYPE);
        return id;
    }

    private static short[] samplesOf(byte[] wav) {
        Wav.Info info = Wav.read(wav);
        short[] out = new short[(int) info.samples()];
        java.nio.ByteBuffer.wrap(wav, info.dataOffset(), (int) info.dataBytes())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }

    @Test
    void finalAudioIsTheSegmentsInOrderWithPausesBetween() {
        String id = narration(List.of(constant(0.5f, 2400), constant(-0.5f, 4800), constant(0.25f, 1200)), 100);
        AudioResult result = assembler.assemble(new NarrationReady(id, "default", 3, List.of(), Instant.now()));
        byte[] wav = storage.get(ObjectKeys.narrationFinal(id)).orElseThrow();
        short[] s = samplesOf(wav);
        assertThat(s).hasSize(2400 + 2400 + 4800 + 2400 + 1200);
        assertThat(s[0]).isEqualTo(Wav.toPcm16(0.5f));
        assertThat(s[2400]).isZero();
        assertThat(s[4799]).isZero();
        assertThat(s[4800]).isEqualTo(Wav.toPcm16(-0.5f));
        assertThat(s[s.length - 1]).isEqualTo(Wav.toPcm16(0.25f));
        assertThat(result.durationMs()).isEqualTo(Wav.read(wav).durationMs()).isEqualTo(550);
        assertThat(result.sha256()).isEqualTo(ObjectStorage.sha256Hex(wav));
        assertThat(result.byteSize()).isEqualTo(wav.length);
    }

    @Test
    void manifestTimesMatchTheAudio() {
        String id = narration(List.of(constant(0.5f, 2400), constant(-0.5f, 4800)), 250);
        assembler.assemble(new NarrationReady(id, "default", 2, List.of(), Instant.now()));
        NarrationManifest m = WireJson.decode(storage.get(ObjectKeys.narrationManifest(id)).orElseThrow(),
                NarrationManifest.class);
        assertThat(m.segments()).extracting(NarrationManifest.Entry::startMs).containsExactly(0L, 350L);
        assertThat(m.segments()).extracting(NarrationManifest.Entry::endMs).containsExactly(100L, 550L);
        assertThat(m.segments()).extracting(NarrationManifest.Entry::text).containsExactly("Segment 0.", "Segment 1.");
        assertThat(m.durationMs()).isEqualTo(550);
        assertThat(m.sha256()).isEqualTo(ObjectStorage.sha256Hex(storage.get(ObjectKeys.narrationFinal(id))
                .orElseThrow()));
    }

    @Test
    void failedSegmentsAreGapsTheManifestRecords() {
        List<float[]> segments = new ArrayList<>();
        segments.add(constant(0.5f, 2400));
        segments.add(null);
        segments.add(constant(0.5f, 2400));
        String id = narration(segments, 100);
        AudioResult r = assembler.assemble(new NarrationReady(id, "default", 3, List.of(1), Instant.now()));
        NarrationManifest m = WireJson.decode(storage.get(ObjectKeys.narrationManifest(id)).orElseThrow(),
                NarrationManifest.class);
        assertThat(m.segments().get(1).gap()).isTrue();
        assertThat(m.segments().get(1).durationMs()).isZero();
        assertThat(m.segments().get(2).startMs()).isEqualTo(200);
        assertThat(r.durationMs()).isEqualTo(300);
    }

    @Test
    void aMissingSegmentFailsAssemblyNamingIt() {
        List<float[]> segments = new ArrayList<>();
        segments.add(constant(0.5f, 2400));
        segments.add(null);
        String id = narration(segments, 100);
        assertThatThrownBy(() -> assembler.assemble(new NarrationReady(id, "default", 2, List.of(), Instant.now())))
                .isInstanceOf(NarrationAssembler.AssemblyException.class)
                .hasMessageContaining("segments/00001.wav");
    }

    @Test
    void largeNarrationsStreamThroughAMultipartUpload() {
        List<float[]> segments = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            segments.add(constant(0.1f * (i % 3), 24_000 * 45)); // 45 s each: 8.6 MB of audio in all... x2 bytes
        }
        String id = narration(segments, 500);
        AudioResult r = assembler.assemble(new NarrationReady(id, "default", 8, List.of(), Instant.now()));
        assertThat(r.byteSize()).isGreaterThan(16L * 1024 * 1024);
        assertThat(storage.stat(ObjectKeys.narrationFinal(id)).orElseThrow().size()).isEqualTo(r.byteSize());
        assertThat(r.durationMs()).isEqualTo(8 * 45_000 + 7 * 500);
    }
}

package dev.csmpipeline.audio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.audio.SyntheticSpeech;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A second opinion from ffmpeg (libmp3lame's sibling decoder, libopus, libavcodec's FLAC): where the machine has
 * ffmpeg and ffprobe, each format decodes to the WAV's duration within one codec frame, sounds like it, and its tags
 * name it synthetic speech. Skipped, with a message, where ffmpeg is absent (CI installs none; the Java decoders in
 * {@link DeliveryFormatsTest} always run).
 */
class FfmpegCrossCheckTest {

    private static final float[] VOICE = Signals.voiceLike(3.0, 11);
    private static final byte[] WAV = Signals.wav(VOICE);
    private static final short[] REFERENCE = Signals.pcm16(VOICE);

    @BeforeAll
    static void needsFfmpeg() {
        if (!IndependentDecoders.hasFfmpeg()) {
            System.out.println("event=test_skipped test=FfmpegCrossCheckTest reason=\"ffmpeg/ffprobe not on PATH; "
                    + "the Java decoders still checked every format\"");
        }
        Assumptions.assumeTrue(IndependentDecoders.hasFfmpeg(), "ffmpeg and ffprobe are not on the PATH");
    }

    @ParameterizedTest
    @EnumSource(value = DeliveryFormat.class, names = {"MP3", "OPUS", "FLAC", "WAV"})
    void ffmpegDecodesEachFormatToTheWavsDurationAndReadsItsTags(DeliveryFormat format) throws Exception {
        byte[] file = AudioEncoders.encode(WAV, format);
        IndependentDecoders.Decoded d = IndependentDecoders.ffmpeg(file, format.extension(), Signals.RATE);
        int frame = switch (format) {
            case MP3 -> 576;          // MPEG-2 Layer III frame at 24 kHz
            case OPUS -> 480;         // 20 ms
            default -> 0;
        };
        int lag = format == DeliveryFormat.MP3 ? Signals.lag(REFERENCE, d.samples(), 3 * frame) : 0;
        int audible = d.samples().length - lag;
        assertThat(audible).as("decoded samples after the codec delay").isBetween(REFERENCE.length,
                REFERENCE.length + frame);
        double snr = Signals.snrDb(REFERENCE, d.samples(), lag);
        System.out.printf("event=format_quality format=%s decoder=ffmpeg bytes=%d duration_ms=%.1f snr_db=%.1f "
                + "lag_samples=%d%n", format.wireName(), file.length, audible * 1000.0 / Signals.RATE, snr, lag);
        if (format.lossy()) {
            assertThat(snr).isGreaterThan(10);
        } else {
            assertThat(snr).isGreaterThan(90); // lossless: identical samples
        }
        Map<String, String> tags = IndependentDecoders.ffprobeTags(file, format.extension());
        assertThat(tags).containsEntry("comment", SyntheticSpeech.COMMENT);
        if (format != DeliveryFormat.WAV) {
            assertThat(tags).containsEntry(SyntheticSpeech.TAG.toLowerCase(), SyntheticSpeech.MODEL);
        }
    }
}

package dev.csmpipeline.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mpatric.mp3agic.ID3v2;
import com.mpatric.mp3agic.Mp3File;
import dev.csmpipeline.model.audio.SyntheticSpeech;
import dev.csmpipeline.model.audio.Wav;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gagravarr.flac.FlacFile;
import org.gagravarr.ogg.OggFile;
import org.gagravarr.opus.OpusFile;
import org.junit.jupiter.api.Test;

/**
 * Every delivery format, decoded by a decoder that shares no code with its encoder, has the WAV's duration and sounds
 * like it; every file says it is synthetic speech. SNRs are printed ({@code event=format_quality}) for the record.
 */
class DeliveryFormatsTest {

    private static final float[] VOICE = Signals.voiceLike(3.0, 7);
    private static final byte[] WAV = Signals.wav(VOICE);
    private static final short[] REFERENCE = Signals.pcm16(VOICE);
    /** One MPEG-2 Layer III frame at 24 kHz. */
    private static final int MP3_FRAME = 576;

    @Test
    void mp3DecodesWithJLayerToTheWavsDurationAndSoundsLikeIt() throws Exception {
        byte[] mp3 = AudioEncoders.encode(WAV, DeliveryFormat.MP3);
        IndependentDecoders.Decoded d = IndependentDecoders.mp3(mp3);
        assertThat(d.rate()).isEqualTo(Signals.RATE);
        int lag = Signals.lag(REFERENCE, d.samples(), 3 * MP3_FRAME);
        // LAME's encoder delay plus the decoder's: audio starts `lag` samples in and lasts the WAV's length, and the
        // stream ends within one frame after it (the last frame is padded).
        int audible = d.samples().length - lag;
        assertThat(audible).isBetween(REFERENCE.length, REFERENCE.length + MP3_FRAME);
        double snr = Signals.snrDb(REFERENCE, d.samples(), lag);
        report("mp3", "JLayer 1.0.1", mp3.length, audible, snr, lag);
        assertThat(snr).as("MP3 SNR against the WAV").isGreaterThan(10);
    }

    @Test
    void opusDecodesToTheWavsDurationAndSoundsLikeIt() throws Exception {
        byte[] opus = AudioEncoders.encode(WAV, DeliveryFormat.OPUS);
        IndependentDecoders.Decoded at48k = IndependentDecoders.opus(opus);
        assertThat(at48k.samples().length).as("48 kHz samples after pre-skip, trimmed to the last granule")
                .isEqualTo(REFERENCE.length * 2);
        short[] decoded = Signals.decimateBy2(at48k.samples());
        double snr = Signals.snrDb(REFERENCE, decoded, 0);
        report("opus", "Concentus decoder (48 kHz) over vorbis-java-core's Ogg reader", opus.length, decoded.length,
                snr, 0);
        assertThat(snr).as("Opus SNR against the WAV").isGreaterThan(6);
    }

    @Test
    void flacDecodesWithJflacToExactlyTheWavsSamples() throws Exception {
        byte[] flac = AudioEncoders.encode(WAV, DeliveryFormat.FLAC);
        IndependentDecoders.Decoded d = IndependentDecoders.flac(flac);
        assertThat(d.rate()).isEqualTo(Signals.RATE);
        assertThat(d.samples()).isEqualTo(REFERENCE);
        report("flac", "jFLAC 1.5.2", flac.length, d.samples().length, Double.POSITIVE_INFINITY, 0);
        try (FlacFile file = FlacFile.open(new java.io.ByteArrayInputStream(flac))) {
            assertThat(file.getInfo().getNumberOfSamples()).as("STREAMINFO total samples")
                    .isEqualTo(REFERENCE.length);
        }
    }

    @Test
    void wavIsReadByJavaSoundAndPcmIsTheWavsSamples() throws Exception {
        assertThat(AudioEncoders.encode(WAV, DeliveryFormat.WAV)).isEqualTo(WAV);
        IndependentDecoders.Decoded d = IndependentDecoders.wav(WAV);
        assertThat(d.samples()).isEqualTo(REFERENCE);
        byte[] pcm = AudioEncoders.encode(WAV, DeliveryFormat.PCM);
        assertThat(IndependentDecoders.shortsLe(pcm)).isEqualTo(REFERENCE);
    }

    @Test
    void streamingTranscodeOfAnyWavWritesItsOwnHeaderAndSamples() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Wav.Info info = AudioEncoders.transcode(new java.io.ByteArrayInputStream(WAV), DeliveryFormat.WAV, out);
        assertThat(info.samples()).isEqualTo(REFERENCE.length);
        assertThat(out.toByteArray()).isEqualTo(WAV);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} samples")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 4_095, 4_096, 4_097, 8_192, 61_440})
    void flacOfAnyLengthDecodesToItsSamples(int samples) throws Exception {
        float[] voice = Signals.voiceLike(samples / (double) Signals.RATE, 3);
        IndependentDecoders.Decoded d = IndependentDecoders.flac(AudioEncoders.encode(Signals.wav(voice),
                DeliveryFormat.FLAC));
        assertThat(d.samples()).isEqualTo(Signals.pcm16(voice));
    }

    @Test
    void emptyAudioEncodesToAValidFileOfNoDuration() throws Exception {
        byte[] empty = Wav.encode(new float[0], Signals.RATE);
        assertThat(IndependentDecoders.flac(AudioEncoders.encode(empty, DeliveryFormat.FLAC)).samples()).isEmpty();
        assertThat(IndependentDecoders.opus(AudioEncoders.encode(empty, DeliveryFormat.OPUS)).samples()).isEmpty();
        assertThat(AudioEncoders.encode(empty, DeliveryFormat.PCM)).isEmpty();
        assertThat(IndependentDecoders.mp3(AudioEncoders.encode(empty, DeliveryFormat.MP3)).samples().length)
                .isLessThanOrEqualTo(3 * MP3_FRAME);
    }

    @Test
    void mp3CarriesAnId3TagNamingItSyntheticSpeech() throws Exception {
        Path file = Files.createTempFile("csm-tag-", ".mp3");
        try {
            Files.write(file, AudioEncoders.encode(WAV, DeliveryFormat.MP3));
            Mp3File mp3 = new Mp3File(file);
            assertThat(mp3.hasId3v2Tag()).isTrue();
            ID3v2 tag = mp3.getId3v2Tag();
            assertThat(tag.getComment()).isEqualTo(SyntheticSpeech.COMMENT);
            assertThat(tag.getFrameSets()).containsKeys("TSSE", "TCON", "TXXX");
            assertThat(mp3.getSampleRate()).isEqualTo(Signals.RATE);
            assertThat(mp3.getBitrate()).isEqualTo(Mp3Encoder.KBIT_PER_S);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void opusAndFlacCarryVorbisCommentsNamingThemSyntheticSpeech() throws Exception {
        try (OpusFile opus = new OpusFile(new OggFile(new java.io.ByteArrayInputStream(
                AudioEncoders.encode(WAV, DeliveryFormat.OPUS))))) {
            assertThat(opus.getTags().getComments("COMMENT")).containsExactly(SyntheticSpeech.COMMENT);
            assertThat(opus.getTags().getComments(SyntheticSpeech.TAG)).containsExactly(SyntheticSpeech.MODEL);
            assertThat(opus.getInfo().getSampleRate()).isEqualTo(Signals.RATE);
        }
        org.jflac.FLACDecoder flac = new org.jflac.FLACDecoder(new java.io.ByteArrayInputStream(
                AudioEncoders.encode(WAV, DeliveryFormat.FLAC)));
        org.jflac.metadata.VorbisComment comments = java.util.Arrays.stream(flac.readMetadata())
                .filter(m -> m instanceof org.jflac.metadata.VorbisComment)
                .map(m -> (org.jflac.metadata.VorbisComment) m).findFirst().orElseThrow();
        assertThat(comments.getCommentByName("COMMENT")).containsExactly(SyntheticSpeech.COMMENT);
        assertThat(comments.getCommentByName(SyntheticSpeech.TAG)).containsExactly(SyntheticSpeech.MODEL);
    }

    @Test
    void aacIsRefusedWithTheReasonAndUnknownNamesListTheOffer() {
        assertThatThrownBy(() -> DeliveryFormat.parse("aac")).hasMessageContaining("no well-kept pure-Java AAC");
        assertThatThrownBy(() -> DeliveryFormat.parse("ogg")).hasMessageContaining("[mp3, opus, flac, wav, pcm]");
        assertThat(DeliveryFormat.parse("MP3")).isEqualTo(DeliveryFormat.MP3);
    }

    static void report(String format, String decoder, int bytes, int samples, double snr, int lag) {
        System.out.printf("event=format_quality format=%s decoder=\"%s\" bytes=%d duration_ms=%.1f wav_ms=%.1f "
                        + "snr_db=%.1f lag_samples=%d%n", format, decoder, bytes, samples * 1000.0 / Signals.RATE,
                REFERENCE.length * 1000.0 / Signals.RATE, snr, lag);
    }

}

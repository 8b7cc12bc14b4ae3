package dev.csmpipeline.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SayTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int say(Map<String, String> env, String... args) {
        return Say.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    @Test
    void writesAWavOfTheRequestedLength() throws Exception {
        Path wav = tmp.resolve("hello.wav");

        int code = say(Map.of(), "Hello from Maya", "--speaker", "0", "--out", wav.toString(), "--model",
                "src/test/resources/tiny-csm", "--max-ms", "400", "--seed", "42", "--device", "cpu");

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        AudioFileFormat info = AudioSystem.getAudioFileFormat(wav.toFile());
        assertThat(info.getFormat().getSampleRate()).isEqualTo(24_000f);
        assertThat(info.getFormat().getSampleSizeInBits()).isEqualTo(16);
        assertThat(info.getFormat().getChannels()).isEqualTo(1);
        assertThat(info.getFrameLength()).isEqualTo(5 * 1920); // 400 ms = 5 frames, the random model never stops early
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("wrote").contains("seed 42");
    }

    @Test
    void withoutAModelItUsesTheTinyModelAndWarnsThatTheOutputIsNotSpeech() {
        Path wav = tmp.resolve("tiny.wav");

        int code = say(Map.of(), "Hi", "--out", wav.toString(), "--max-ms", "160", "--device", "cpu");

        assertThat(code).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("NOT speech");
        assertThat(wav).exists();
    }

    @Test
    void voiceClipIsEncodedAndSpokenBeforeTheText() throws Exception {
        float[] clip = new float[24_000 + 700]; // 1.03 s: 13 frames
        for (int i = 0; i < clip.length; i++) {
            clip[i] = (float) (0.3 * Math.sin(i * 2 * Math.PI * 150 / 24_000.0));
        }
        Path voice = tmp.resolve("voice.wav");
        WavFile.write(voice, clip, 24_000);
        Path wav = tmp.resolve("voiced.wav");

        int code = say(Map.of(), "Hello again", "--out", wav.toString(), "--model", "src/test/resources/tiny-csm",
                "--max-ms", "160", "--seed", "1", "--device", "cpu", "--voice", voice.toString(), "--transcript",
                "A test tone.");

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("13 frames of context");
        assertThat(AudioSystem.getAudioFileFormat(wav.toFile()).getFrameLength()).isEqualTo(2 * 1920);
    }

    @Test
    void voiceAtAnotherSampleRateIsAUsageErrorSayingHowToConvert() throws Exception {
        Path voice = tmp.resolve("voice16k.wav");
        WavFile.write(voice, new float[32_000], 16_000);

        int code = say(Map.of(), "Hi", "--out", tmp.resolve("x.wav").toString(), "--model",
                "src/test/resources/tiny-csm", "--device", "cpu", "--voice", voice.toString(), "--transcript", "x");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("16000 Hz").contains("24000 Hz");
    }

    @Test
    void voiceWithoutTranscriptIsAUsageError() {
        int code = say(Map.of(), "Hi", "--out", "x.wav", "--voice", "clip.wav");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--transcript");
    }

    @Test
    void missingOutIsAUsageError() {
        int code = say(Map.of(), "Hello");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--out").contains("usage:");
    }

    @Test
    void unknownOptionIsAUsageError() {
        int code = say(Map.of(), "Hello", "--out", "x.wav", "--loud");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --loud");
    }

    @Test
    void aBadModelDirectoryFailsWithItsMessage() {
        int code = say(Map.of(), "Hello", "--out", tmp.resolve("x.wav").toString(), "--model",
                tmp.resolve("nothing").toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("does not exist");
    }
}

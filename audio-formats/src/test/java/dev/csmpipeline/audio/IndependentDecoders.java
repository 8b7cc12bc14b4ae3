package dev.csmpipeline.audio;

import io.github.jaredmdobson.concentus.OpusDecoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;
import org.gagravarr.ogg.OggFile;
import org.gagravarr.opus.OpusAudioData;
import org.gagravarr.opus.OpusFile;
import org.jflac.FLACDecoder;
import org.jflac.PCMProcessor;
import org.jflac.metadata.StreamInfo;
import org.jflac.util.ByteData;

/**
 * Decoders that share no code with the encoders under test: JLayer for MP3, jFLAC for FLAC, Java Sound for WAV; Ogg
 * Opus is read page by page with vorbis-java-core's reader and decoded with Concentus's decoder (the only pure-Java
 * Opus decoder), and, where the machine has it, ffmpeg decodes every format as a second opinion.
 */
final class IndependentDecoders {

    private IndependentDecoders() {
    }

    /** Decoded mono samples at {@code rate}; for Opus, 48 kHz output after pre-skip and end trimming. */
    record Decoded(short[] samples, int rate) {
        double seconds() {
            return samples.length / (double) rate;
        }
    }

    static Decoded mp3(byte[] file) throws Exception {
        Bitstream stream = new Bitstream(new ByteArrayInputStream(file));
        Decoder decoder = new Decoder();
        List<short[]> parts = new ArrayList<>();
        int rate = 0;
        int total = 0;
        for (Header h = stream.readFrame(); h != null; h = stream.readFrame()) {
            SampleBuffer out = (SampleBuffer) decoder.decodeFrame(h, stream);
            rate = out.getSampleFrequency();
            int channels = out.getChannelCount();
            short[] buf = out.getBuffer();
            short[] mono = new short[out.getBufferLength() / channels];
            for (int i = 0; i < mono.length; i++) {
                mono[i] = buf[i * channels];
            }
            parts.add(mono);
            total += mono.length;
            stream.closeFrame();
        }
        stream.close();
        return new Decoded(concat(parts, total), rate);
    }

    static Decoded flac(byte[] file) throws IOException {
        FLACDecoder decoder = new FLACDecoder(new ByteArrayInputStream(file));
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        int[] rate = new int[1];
        decoder.addPCMProcessor(new PCMProcessor() {
            @Override
            public void processStreamInfo(StreamInfo info) {
                rate[0] = info.getSampleRate();
            }

            @Override
            public void processPCM(ByteData data) {
                pcm.write(data.getData(), 0, data.getLen());
            }
        });
        decoder.decode();
        return new Decoded(shortsLe(pcm.toByteArray()), rate[0]);
    }

    /**
     * Reads the Ogg pages and OpusHead with vorbis-java-core, decodes each packet with Concentus at 48 kHz (Opus's
     * own output rate; Concentus 1.0.2 mis-decodes hybrid packets when asked for 24 kHz output), drops pre-skip and
     * trims to the last granule position, as RFC 7845 says a player does.
     */
    static Decoded opus(byte[] file) throws Exception {
        OpusFile ogg = new OpusFile(new OggFile(new ByteArrayInputStream(file)));
        int preSkip = ogg.getInfo().getPreSkip();
        OpusDecoder decoder = new OpusDecoder(48_000, 1);
        short[] frame = new short[5_760]; // the longest Opus packet, 120 ms
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        long lastGranule = 0;
        for (OpusAudioData d = ogg.getNextAudioPacket(); d != null; d = ogg.getNextAudioPacket()) {
            byte[] packet = d.getData();
            int n = decoder.decode(packet, 0, packet.length, frame, 0, frame.length, false);
            ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putShort(frame[i]);
            }
            pcm.writeBytes(b.array());
            if (d.getGranulePosition() > 0) {
                lastGranule = d.getGranulePosition();
            }
        }
        ogg.close();
        short[] all = shortsLe(pcm.toByteArray());
        int end = (int) Math.min(all.length, lastGranule);
        short[] trimmed = new short[Math.max(0, end - preSkip)];
        System.arraycopy(all, Math.min(preSkip, all.length), trimmed, 0, trimmed.length);
        return new Decoded(trimmed, 48_000);
    }

    static Decoded wav(byte[] file) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(file))) {
            return new Decoded(shortsLe(in.readAllBytes()), (int) in.getFormat().getSampleRate());
        }
    }

    static boolean hasFfmpeg() {
        return onPath("ffmpeg") && onPath("ffprobe");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** ffmpeg's decoding of {@code file} as 16-bit mono at {@code rate}. */
    static Decoded ffmpeg(byte[] file, String extension, int rate) throws Exception {
        Path in = Files.createTempFile("csm-fmt-", extension);
        Path out = Files.createTempFile("csm-fmt-", ".raw");
        try {
            Files.write(in, file);
            run("ffmpeg", "-v", "error", "-y", "-i", in.toString(), "-f", "s16le", "-ac", "1", "-ar",
                    String.valueOf(rate), out.toString());
            return new Decoded(shortsLe(Files.readAllBytes(out)), rate);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    /** The container's tags as ffprobe reads them (keys lower-cased). */
    static Map<String, String> ffprobeTags(byte[] file, String extension) throws Exception {
        Path in = Files.createTempFile("csm-fmt-", extension);
        try {
            Files.write(in, file);
            String json = run("ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json",
                    in.toString());
            tools.jackson.databind.JsonNode root = new tools.jackson.databind.ObjectMapper().readTree(json);
            Map<String, String> tags = new java.util.TreeMap<>();
            for (String where : List.of("format", "streams")) {
                root.findValues("tags").forEach(t -> t.properties().forEach(e ->
                        tags.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue().asString())));
            }
            return tags;
        } finally {
            Files.deleteIfExists(in);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    static short[] shortsLe(byte[] bytes) {
        short[] s = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }

    private static short[] concat(List<short[]> parts, int total) {
        short[] all = new short[total];
        int at = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}

package dev.csmpipeline.audio;

import dev.csmpipeline.model.audio.SyntheticSpeech;
import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusSignal;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.gagravarr.opus.OpusAudioData;
import org.gagravarr.opus.OpusFile;
import org.gagravarr.opus.OpusInfo;
import org.gagravarr.opus.OpusTags;

/**
 * Ogg Opus (RFC 7845): Concentus codes the 24 kHz samples directly (24 kHz is one of Opus's own input rates, so
 * nothing is resampled here) in 20 ms frames at 32 kbit/s VBR tuned for voice; vorbis-java-core writes the Ogg
 * pages, the OpusHead header and the OpusTags comments. Granule positions count 48 kHz samples, as RFC 7845
 * requires: players decode at 48 kHz and skip the encoder's look-ahead ({@code pre_skip}); the last page's granule
 * trims the padding of the last frame, so the decoded length is the WAV's.
 */
final class OggOpusEncoder implements AudioEncoder {

    static final int BITS_PER_S = 32_000;
    private static final int GRANULE_RATE = 48_000;
    private static final int FRAME_MS = 20;
    private static final int MAX_PACKET = 4_000;

    private final OpusFile ogg;
    private final OpusEncoder opus;
    private final int frameSamples;   // input samples per Opus frame
    private final int granulePerSample;
    private final int preSkip;        // in 48 kHz samples
    private final short[] frame;
    private final byte[] packet = new byte[MAX_PACKET];
    private int filled;
    private long samplesIn;
    private long framesOut;

    OggOpusEncoder(OutputStream out, int sampleRate) throws IOException {
        if (GRANULE_RATE % sampleRate != 0 || sampleRate < 8_000) {
            throw new IllegalArgumentException("Opus takes 8, 12, 16, 24 or 48 kHz input, not " + sampleRate + " Hz");
        }
        try {
            opus = new OpusEncoder(sampleRate, 1, OpusApplication.OPUS_APPLICATION_AUDIO);
        } catch (OpusException e) {
            throw new IOException("cannot start the Opus encoder: " + e.getMessage(), e);
        }
        opus.setBitrate(BITS_PER_S);
        opus.setUseVBR(true);
        opus.setSignalType(OpusSignal.OPUS_SIGNAL_VOICE);
        opus.setComplexity(5);
        frameSamples = sampleRate * FRAME_MS / 1000;
        granulePerSample = GRANULE_RATE / sampleRate;
        preSkip = opus.getLookahead() * granulePerSample;
        frame = new short[frameSamples];

        OpusInfo info = new OpusInfo();
        info.setNumChannels(1);
        info.setSampleRate(sampleRate); // the input rate, for information; decoding runs at 48 kHz
        info.setPreSkip(preSkip);
        OpusTags tags = new OpusTags();
        tags.setVendor(SyntheticSpeech.SOFTWARE + " (Concentus)");
        tags.addComment("COMMENT", SyntheticSpeech.COMMENT);
        tags.addComment("GENRE", SyntheticSpeech.GENRE);
        tags.addComment("ENCODER", SyntheticSpeech.SOFTWARE);
        tags.addComment(SyntheticSpeech.TAG, SyntheticSpeech.MODEL);
        ogg = new OpusFile(out, info, tags);
    }

    @Override
    public void write(short[] samples, int offset, int length) throws IOException {
        samplesIn += length;
        while (length > 0) {
            int n = Math.min(length, frameSamples - filled);
            System.arraycopy(samples, offset, frame, filled, n);
            filled += n;
            offset += n;
            length -= n;
            if (filled == frameSamples) {
                encodeFrame();
            }
        }
    }

    @Override
    public void finish() throws IOException {
        // The decoder's output lags the input by the look-ahead: feed silence until every real sample is out.
        long needed = samplesIn + opus.getLookahead();
        while (framesOut * frameSamples < needed) {
            Arrays.fill(frame, filled, frameSamples, (short) 0);
            filled = frameSamples;
            encodeFrame();
        }
        ogg.close(); // writes the last page, marked end of stream; does not close the caller's stream
    }

    private void encodeFrame() throws IOException {
        int bytes;
        try {
            bytes = opus.encode(frame, 0, frameSamples, packet, 0, packet.length);
        } catch (OpusException e) {
            throw new IOException("Opus encoding failed: " + e.getMessage(), e);
        }
        framesOut++;
        filled = 0;
        OpusAudioData data = new OpusAudioData(Arrays.copyOf(packet, bytes));
        long end = preSkip + samplesIn * granulePerSample;
        data.setGranulePosition(Math.min(framesOut * frameSamples * granulePerSample, end));
        ogg.writeAudioData(data);
    }
}

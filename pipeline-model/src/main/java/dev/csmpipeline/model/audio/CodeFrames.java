package dev.csmpipeline.model.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of Mimi codes (a voice's reference clip, a narration segment another one continues from):
 * {@code "CSMC"}, format version (int32), frames (int32), codebooks (int32), then {@code frames x codebooks} codes
 * as little-endian uint16, frame-major ({@code codes[f][k]}). 32 codebooks of 2048 take 64 bytes a frame, 800 bytes
 * a second of audio.
 */
public final class CodeFrames {

    public static final String CONTENT_TYPE = "application/vnd.csm.codes";
    private static final byte[] MAGIC = {'C', 'S', 'M', 'C'};
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 16;

    private CodeFrames() {
    }

    public static byte[] encode(List<int[]> frames) {
        int codebooks = frames.isEmpty() ? 0 : frames.get(0).length;
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + frames.size() * codebooks * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(frames.size()).putInt(codebooks);
        for (int[] frame : frames) {
            if (frame.length != codebooks) {
                throw new IllegalArgumentException("every frame needs " + codebooks + " codes, one has "
                        + frame.length);
            }
            for (int code : frame) {
                if (code < 0 || code > 0xffff) {
                    throw new IllegalArgumentException("code " + code + " does not fit the stored form");
                }
                b.putShort((short) code);
            }
        }
        return b.array();
    }

    /** @throws IllegalArgumentException for bytes that are not stored codes */
    public static List<int[]> decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_BYTES || bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1] || bytes[2] != MAGIC[2]
                || bytes[3] != MAGIC[3]) {
            throw new IllegalArgumentException("not stored Mimi codes (no CSMC header)");
        }
        b.position(4);
        int version = b.getInt();
        int frames = b.getInt();
        int codebooks = b.getInt();
        if (version != VERSION || frames < 0 || codebooks < 0
                || (long) frames * codebooks * 2 != bytes.length - HEADER_BYTES) {
            throw new IllegalArgumentException("stored codes are version " + version + " with " + frames + " x "
                    + codebooks + " codes in " + (bytes.length - HEADER_BYTES) + " bytes: corrupt or unknown");
        }
        List<int[]> out = new ArrayList<>(frames);
        for (int f = 0; f < frames; f++) {
            int[] frame = new int[codebooks];
            for (int k = 0; k < codebooks; k++) {
                frame[k] = Short.toUnsignedInt(b.getShort());
            }
            out.add(frame);
        }
        return out;
    }
}

package dev.csmpipeline.audio;

import dev.csmpipeline.model.audio.SyntheticSpeech;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The ID3v2.4 tag at the head of every MP3: {@code TSSE} (software), {@code TCON} (genre), {@code COMM} (the
 * sentence) and {@code TXXX:SYNTHETIC_SPEECH=CSM-1B}, UTF-8 text. jump3r's own ID3 writer is reachable only through
 * LAME's internal flags, so the few fixed frames are written here, following the ID3v2.4 structure document.
 */
final class Id3v2 {

    private static final byte UTF8 = 3;
    private static final byte[] TAG = build();

    private Id3v2() {
    }

    static byte[] syntheticSpeechTag() {
        return TAG.clone();
    }

    private static byte[] build() {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frame(frames, "TSSE", concat(new byte[] {UTF8}, utf8(SyntheticSpeech.SOFTWARE)));
        frame(frames, "TCON", concat(new byte[] {UTF8}, utf8(SyntheticSpeech.GENRE)));
        // COMM: encoding, language, empty description (terminated), text
        frame(frames, "COMM", concat(new byte[] {UTF8, 'e', 'n', 'g', 0}, utf8(SyntheticSpeech.COMMENT)));
        // TXXX: encoding, description (terminated), value
        frame(frames, "TXXX", concat(new byte[] {UTF8}, utf8(SyntheticSpeech.TAG), new byte[] {0},
                utf8(SyntheticSpeech.MODEL)));
        byte[] body = frames.toByteArray();
        ByteArrayOutputStream tag = new ByteArrayOutputStream();
        tag.writeBytes(new byte[] {'I', 'D', '3', 4, 0, 0});
        tag.writeBytes(syncSafe(body.length));
        tag.writeBytes(body);
        return tag.toByteArray();
    }

    private static void frame(ByteArrayOutputStream out, String id, byte[] content) {
        out.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(syncSafe(content.length));
        out.writeBytes(new byte[] {0, 0});
        out.writeBytes(content);
    }

    /** ID3v2.4 sizes: 28 bits in four bytes of seven. */
    private static byte[] syncSafe(int size) {
        return new byte[] {(byte) ((size >> 21) & 0x7F), (byte) ((size >> 14) & 0x7F), (byte) ((size >> 7) & 0x7F),
                (byte) (size & 0x7F)};
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}

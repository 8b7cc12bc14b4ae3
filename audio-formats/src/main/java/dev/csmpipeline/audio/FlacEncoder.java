package dev.csmpipeline.audio;

import dev.csmpipeline.model.audio.SyntheticSpeech;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.sourceforge.javaflacencoder.EncodingConfiguration;
import net.sourceforge.javaflacencoder.FLACOutputStream;
import net.sourceforge.javaflacencoder.StreamConfiguration;

/**
 * FLAC through java-flac-encoder, lossless, 4,096-sample blocks. The library fills in STREAMINFO (total samples,
 * MD5 of the audio) only on a seekable output, so the file is built in a temporary file first; while it is copied
 * to the caller's stream, a VORBIS_COMMENT metadata block (which the library does not write) is inserted after the
 * library's metadata blocks.
 */
final class FlacEncoder implements AudioEncoder {

    static final int BLOCK_SIZE = 4_096;
    private static final int VORBIS_COMMENT = 4;

    private final OutputStream out;
    private final Path temp;
    private final RandomAccessFile file;
    private final net.sourceforge.javaflacencoder.FLACEncoder flac;
    private final int[] block = new int[BLOCK_SIZE];
    private long samplesIn;
    private long samplesEncoded;

    FlacEncoder(OutputStream out, int sampleRate) throws IOException {
        this.out = out;
        this.temp = Files.createTempFile("csm-flac-", ".flac");
        this.file = new RandomAccessFile(temp.toFile(), "rw");
        flac = new net.sourceforge.javaflacencoder.FLACEncoder();
        StreamConfiguration stream = new StreamConfiguration(1, BLOCK_SIZE, BLOCK_SIZE, sampleRate, 16);
        if (!flac.setStreamConfiguration(stream)) {
            close();
            throw new IllegalArgumentException("FLAC cannot take " + sampleRate + " Hz mono 16-bit audio");
        }
        flac.setEncodingConfiguration(new EncodingConfiguration());
        flac.setThreadCount(1);
        flac.setOutputStream(new FileOutput(file));
        flac.openFLACStream();
    }

    @Override
    public void write(short[] samples, int offset, int length) throws IOException {
        while (length > 0) {
            int n = Math.min(length, BLOCK_SIZE);
            for (int i = 0; i < n; i++) {
                block[i] = samples[offset + i];
            }
            flac.addSamples(block, n);
            samplesIn += n;
            samplesEncoded += flac.encodeSamples(flac.fullBlockSamplesAvailableToEncode(), false);
            offset += n;
            length -= n;
        }
    }

    @Override
    public void finish() throws IOException {
        try {
            // The partial last block, counted here: the library's own count of pending samples fails when the
            // samples filled whole blocks exactly. Ending with nothing pending just closes the stream.
            flac.encodeSamples((int) (samplesIn - samplesEncoded), true);
            file.seek(0);
            try (InputStream in = Channels.newInputStream(file.getChannel())) {
                copyWithComments(in, out);
            }
        } finally {
            close();
        }
    }

    private void close() throws IOException {
        file.close();
        Files.deleteIfExists(temp);
    }

    /** Copies a FLAC stream, adding a VORBIS_COMMENT block as the last metadata block. */
    static void copyWithComments(InputStream in, OutputStream out) throws IOException {
        byte[] marker = in.readNBytes(4);
        if (!"fLaC".equals(new String(marker, StandardCharsets.US_ASCII))) {
            throw new IOException("the FLAC encoder wrote no fLaC marker");
        }
        out.write(marker);
        boolean last = false;
        while (!last) {
            byte[] header = in.readNBytes(4);
            if (header.length < 4) {
                throw new IOException("the FLAC encoder's metadata ends early");
            }
            last = (header[0] & 0x80) != 0;
            int size = ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            header[0] &= 0x7F; // no longer the last block
            out.write(header);
            out.write(in.readNBytes(size));
        }
        byte[] comments = vorbisComments();
        out.write(new byte[] {(byte) (0x80 | VORBIS_COMMENT), (byte) (comments.length >> 16),
                (byte) (comments.length >> 8), (byte) comments.length});
        out.write(comments);
        in.transferTo(out);
    }

    /** The comment block's body: vendor string and {@code KEY=value} entries, lengths little-endian. */
    static byte[] vorbisComments() {
        List<String> entries = List.of("COMMENT=" + SyntheticSpeech.COMMENT, "GENRE=" + SyntheticSpeech.GENRE,
                "ENCODER=" + SyntheticSpeech.SOFTWARE, SyntheticSpeech.TAG + "=" + SyntheticSpeech.MODEL);
        byte[] vendor = (SyntheticSpeech.SOFTWARE + " (java-flac-encoder)").getBytes(StandardCharsets.UTF_8);
        int size = 4 + vendor.length + 4;
        for (String e : entries) {
            size += 4 + e.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(vendor.length).put(vendor).putInt(entries.size());
        for (String e : entries) {
            byte[] bytes = e.getBytes(StandardCharsets.UTF_8);
            b.putInt(bytes.length).put(bytes);
        }
        return b.array();
    }

    /** The library's seekable output over a random-access file. */
    private static final class FileOutput implements FLACOutputStream {
        private final RandomAccessFile file;

        FileOutput(RandomAccessFile file) {
            this.file = file;
        }

        @Override
        public long seek(long pos) throws IOException {
            file.seek(pos);
            return pos;
        }

        @Override
        public int write(byte[] data, int offset, int count) throws IOException {
            file.write(data, offset, count);
            return count;
        }

        @Override
        public long size() {
            try {
                return file.length();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void write(byte data) throws IOException {
            file.write(data);
        }

        @Override
        public boolean canSeek() {
            return true;
        }

        @Override
        public long getPos() {
            try {
                return file.getFilePointer();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}

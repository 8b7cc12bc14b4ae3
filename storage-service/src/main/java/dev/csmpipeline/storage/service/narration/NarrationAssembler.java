package dev.csmpipeline.storage.service.narration;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ContextReport;

import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.NarrationManifest;
import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.NarrationReady;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a narration's segment WAVs, in order, with the configured pause between them, into
 * {@code narrations/<id>/final.wav}, and writes the manifest of segment times. The audio streams from the segments
 * to the bucket (a multipart upload above 16 MiB) and is never held in memory whole, so hours of audio assemble in a
 * small heap. Assembling again writes the same keys.
 */
public class NarrationAssembler {

    private static final Logger log = LoggerFactory.getLogger(NarrationAssembler.class);

    /** Thrown when the parts of a narration cannot be assembled (a segment is missing or malformed). */
    public static class AssemblyException extends RuntimeException {
        public AssemblyException(String message) {
            super(message);
        }
    }

    private final ObjectStorage storage;

    public NarrationAssembler(ObjectStorage storage) {
        this.storage = storage;
    }

    private record Part(NarrationPlan.Segment segment, String key, long dataOffset, long dataBytes, boolean gap,
                        ContextReport context) {
    }

    /** Assembles the narration; returns the final audio's metadata. */
    public AudioResult assemble(NarrationReady ready) {
        NarrationPlan plan = storage.get(ObjectKeys.narrationPlan(ready.narrationId()))
                .map(b -> WireJson.decode(b, NarrationPlan.class))
                .orElseThrow(() -> new AssemblyException("narration " + ready.narrationId() + " has no plan.json"));
        Set<Integer> gaps = new HashSet<>(ready.failedSegments() == null ? List.of() : ready.failedSegments());
        Integer sampleRate = null;
        List<Part> parts = new ArrayList<>();
        for (NarrationPlan.Segment s : plan.segments()) {
            String key = ObjectKeys.narrationSegment(plan.narrationId(), s.index());
            if (gaps.contains(s.index())) {
                parts.add(new Part(s, key, 0, 0, true, null));
                continue;
            }
            Wav.Info info = header(key);
            if (sampleRate != null && sampleRate != info.sampleRate()) {
                throw new AssemblyException("segment " + s.index() + " is " + info.sampleRate() + " Hz, others "
                        + sampleRate + " Hz");
            }
            sampleRate = info.sampleRate();
            ContextReport context = plan.voice() == null && !plan.chained() ? null
                    : storage.stat(key).map(o -> ContextReport.fromMetadata(o.metadata())).orElse(null);
            parts.add(new Part(s, key, info.dataOffset(), info.dataBytes(), false, context));
        }
        if (sampleRate == null) {
            throw new AssemblyException("narration " + plan.narrationId() + " has no segment with audio");
        }
        long pauseBytes = (long) plan.pauseMs() * sampleRate / 1000 * Wav.BYTES_PER_SAMPLE;
        List<Part> audible = parts.stream().filter(p -> !p.gap()).toList();
        long dataBytes = audible.stream().mapToLong(Part::dataBytes).sum() + pauseBytes * (audible.size() - 1);

        NarrationManifest manifest = manifestOf(plan, parts, sampleRate, pauseBytes, dataBytes);
        String sha256 = upload(plan.narrationId(), audible, sampleRate, dataBytes, pauseBytes);
        manifest = manifest.withSha256(sha256);
        storage.put(ObjectKeys.narrationManifest(plan.narrationId()), WireJson.encode(manifest),
                ObjectStorage.JSON_CONTENT_TYPE);
        long frames = Math.round(manifest.durationMs() / (double) Limits.MS_PER_FRAME);
        log.info("event=narration_assembled narration={} segments={} gaps={} audio_ms={} bytes={}",
                plan.narrationId(), parts.size(), gaps.size(), manifest.durationMs(), Wav.HEADER_BYTES + dataBytes);
        return new AudioResult(ObjectKeys.narrationFinal(plan.narrationId()), manifest.durationMs(), sampleRate,
                Wav.HEADER_BYTES + dataBytes, sha256, (int) frames);
    }

    private Wav.Info header(String key) {
        try (InputStream in = storage.openRange(key, 0, Wav.HEADER_BYTES)) {
            return Wav.readHeader(in.readAllBytes());
        } catch (StorageException e) {
            if (storage.stat(key).isEmpty()) {
                throw new AssemblyException("segment audio " + key + " is missing");
            }
            throw e;
        } catch (IOException e) {
            throw new StorageException("reading " + key + " failed: " + e, e, true);
        } catch (IllegalArgumentException e) {
            throw new AssemblyException("segment audio " + key + " is not a 16-bit mono WAV: " + e.getMessage());
        }
    }

    /** Segment times in the final audio, counted in samples so rounding never drifts. */
    private static NarrationManifest manifestOf(NarrationPlan plan, List<Part> parts, int sampleRate,
                                                long pauseBytes, long dataBytes) {
        List<NarrationManifest.Entry> entries = new ArrayList<>();
        long cursor = 0; // bytes of audio before the current part
        boolean first = true;
        for (Part p : parts) {
            if (p.gap()) {
                long at = ms(cursor, sampleRate);
                entries.add(new NarrationManifest.Entry(p.segment().index(), p.segment().text(), at, at, 0, true,
                        "segment failed; left out"));
                continue;
            }
            if (!first) {
                cursor += pauseBytes;
            }
            first = false;
            long start = ms(cursor, sampleRate);
            cursor += p.dataBytes();
            long end = ms(cursor, sampleRate);
            entries.add(new NarrationManifest.Entry(p.segment().index(), p.segment().text(), start, end,
                    end - start, false, null, p.context()));
        }
        return new NarrationManifest(plan.narrationId(), sampleRate, plan.pauseMs(), ms(dataBytes, sampleRate),
                null, entries, plan.voiceId(), plan.chained() ? Limits.CONTINUITY_PREVIOUS : Limits.CONTINUITY_NONE);
    }

    private static long ms(long bytes, int sampleRate) {
        return Wav.durationMs(bytes, sampleRate);
    }

    /** Streams header, segments and pauses to the final key; returns the SHA-256 of what was written. */
    private String upload(String narrationId, List<Part> audible, int sampleRate, long dataBytes, long pauseBytes) {
        List<Supplier<InputStream>> pieces = new ArrayList<>();
        byte[] header = Wav.header(dataBytes, sampleRate);
        pieces.add(() -> new ByteArrayInputStream(header));
        for (int i = 0; i < audible.size(); i++) {
            Part p = audible.get(i);
            if (i > 0) {
                pieces.add(() -> new ZeroInputStream(pauseBytes));
            }
            pieces.add(() -> storage.openRange(p.key(), p.dataOffset(), p.dataBytes()));
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(new SequenceInputStream(lazily(pieces)), sha)) {
            storage.putStream(ObjectKeys.narrationFinal(narrationId), in, Wav.HEADER_BYTES + dataBytes,
                    Wav.CONTENT_TYPE, null);
        } catch (IOException e) {
            throw new StorageException("assembling narration " + narrationId + " failed: " + e, e, true);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Opens each piece only when the previous one is used up, so at most one segment download is open. */
    private static Enumeration<InputStream> lazily(List<Supplier<InputStream>> pieces) {
        Iterator<Supplier<InputStream>> it = pieces.iterator();
        return new Enumeration<>() {
            @Override
            public boolean hasMoreElements() {
                return it.hasNext();
            }

            @Override
            public InputStream nextElement() {
                return it.next().get();
            }
        };
    }

    /** {@code length} zero bytes: a pause. */
    private static final class ZeroInputStream extends InputStream {
        private long left;

        ZeroInputStream(long length) {
            this.left = length;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}

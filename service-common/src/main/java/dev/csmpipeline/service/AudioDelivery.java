package dev.csmpipeline.service;

import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Streams an object from the bucket to an HTTP client with single-range support ({@code Range: bytes=a-b} gives
 * 206 and {@code Content-Range}); the bytes are read from storage with a ranged GET, never buffered whole.
 */
public final class AudioDelivery {

    private AudioDelivery() {
    }

    /**
     * The answer for GET of {@code object} honouring {@code rangeHeader} (null for the whole object).
     *
     * @param fileName name offered to the client in Content-Disposition
     */
    public static ResponseEntity<StreamingResponseBody> stream(ObjectStorage storage, StoredObject object,
                                                               String rangeHeader, String fileName) {
        long size = object.size();
        MediaType type = object.contentType() == null ? MediaType.APPLICATION_OCTET_STREAM
                : MediaType.parseMediaType(object.contentType());
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(type);
        headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
        headers.set(HttpHeaders.CONTENT_DISPOSITION, "inline; filename=\"" + fileName + "\"");
        if (object.sha256() != null) {
            headers.setETag("\"" + object.sha256() + "\"");
        }
        Optional<long[]> range = parseRange(rangeHeader, size);
        if (rangeHeader != null && range.isEmpty()) {
            headers.set(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
            return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).headers(headers).build();
        }
        long start = range.map(r -> r[0]).orElse(0L);
        long length = range.map(r -> r[1] - r[0] + 1).orElse(size);
        headers.setContentLength(length);
        StreamingResponseBody body = out -> {
            if (length == 0) {
                return;
            }
            try (InputStream in = storage.openRange(object.key(), start, length)) {
                in.transferTo(out);
            }
        };
        if (range.isPresent()) {
            headers.set(HttpHeaders.CONTENT_RANGE, "bytes " + start + "-" + (start + length - 1) + "/" + size);
            return ResponseEntity.status(HttpStatus.PARTIAL_CONTENT).headers(headers).body(body);
        }
        return ResponseEntity.ok().headers(headers).body(body);
    }

    /** The first range of a {@code Range} header as [first, last] inclusive; empty when unsatisfiable or absent. */
    static Optional<long[]> parseRange(String header, long size) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            List<HttpRange> ranges = HttpRange.parseRanges(header);
            if (ranges.size() != 1 || size == 0) {
                return Optional.empty();
            }
            HttpRange r = ranges.get(0);
            long first = r.getRangeStart(size);
            long last = r.getRangeEnd(size);
            return first > last ? Optional.empty() : Optional.of(new long[] {first, last});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

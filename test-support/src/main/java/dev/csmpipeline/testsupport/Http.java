package dev.csmpipeline.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for tests, speaking JSON. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Http() {
    }

    /** An answer: status, headers, body. */
    public record Response(int status, java.net.http.HttpHeaders headers, byte[] body) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** Status and the start of the body (bodies can be megabytes of base64 audio). */
        @Override
        public String toString() {
            String t = text();
            return status + " " + (t.length() > 300 ? t.substring(0, 300) + "...(" + t.length() + " chars)" : t);
        }
    }

    public static Response get(URI uri, String... headers) {
        return send(HttpRequest.newBuilder(uri).GET(), headers);
    }

    public static Response delete(URI uri, String... headers) {
        return send(HttpRequest.newBuilder(uri).DELETE(), headers);
    }

    /** POSTs {@code json} as application/json. */
    public static Response postJson(URI uri, String json, String... headers) {
        return post(uri, "application/json", json, headers);
    }

    public static Response post(URI uri, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return send(b, headers);
    }

    /**
     * POSTs a multipart/form-data body: each {@code fields} entry is a text field, {@code fileField} a file with
     * {@code fileBytes} (omitted when null), as a browser or {@code curl -F} sends it.
     */
    public static Response postMultipart(URI uri, Map<String, String> fields, String fileField, String fileName,
                                         byte[] fileBytes, String... headers) {
        String boundary = "----csm-test-" + Long.toHexString(System.nanoTime());
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        if (fileBytes != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField
                    + "\"; filename=\"" + fileName + "\"\r\nContent-Type: audio/wav\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(fileBytes);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        return send(b, headers);
    }

    /**
     * Opens a Server-Sent Events stream and reads it in the background, so a test can act on what arrived so far
     * (wait with Awaitility for {@link EventStream#text()} to show an event, then cause the next one).
     */
    public static EventStream events(URI uri, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<InputStream> r = CLIENT.send(b.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            return new EventStream(r);
        } catch (IOException e) {
            throw new IllegalStateException("HTTP call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A Server-Sent Events stream being read: its status, the text received so far, whether the server ended it. */
    public static final class EventStream implements AutoCloseable {
        private final HttpResponse<InputStream> response;
        private final StringBuffer received = new StringBuffer();
        private final Thread reader;
        private volatile boolean ended;

        private EventStream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    received.append(line).append('\n');
                }
            } catch (IOException e) {
                // closed by the test
            } finally {
                ended = true;
            }
        }

        public int status() {
            return response.statusCode();
        }

        /** Everything received so far, line by line. */
        public String text() {
            return received.toString();
        }

        /** True once the server closed the stream. */
        public boolean ended() {
            return ended;
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    /**
     * Sends a request and returns as soon as the response headers are in, with the body still arriving: for tests of
     * streamed responses, which read it as it comes. {@code jsonOrNull} makes it a JSON POST, else a GET.
     */
    public static HttpResponse<InputStream> open(URI uri, String jsonOrNull) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120));
        b = jsonOrNull == null ? b.GET() : b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonOrNull));
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IllegalStateException("HTTP call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** JSON text of an object (maps, lists, records). */
    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private static Response send(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<byte[]> r = CLIENT.send(b.timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException("HTTP call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

package dev.csmpipeline.ingest;

import dev.csmpipeline.ingest.security.WarmUpToken;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.service.StartupWarmUp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * The calls an ingest instance makes to itself once its web server listens and before it reports ready: its health
 * endpoints ({@code /health}, actuator's health, readiness and liveness) three times each, one full-length
 * {@code POST /generate} ({@link WarmUp#FULL_AUDIO_MS} by default), then rounds of a short one and a
 * {@code POST /v1/audio/speech} (mp3, the SDKs' default), over HTTP on loopback as a client makes them, with the
 * instance's {@link WarmUpToken}. They run the filter chain, Spring MVC's first requests,
 * the JSON binding, the sync call's request-reply over Kafka (answered by the instance itself, so no worker needs to
 * be up) and the audio encoding. Each sync call must answer 200.
 */
final class WarmUpCalls {

    private static final Logger log = LoggerFactory.getLogger(WarmUpCalls.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The health endpoints, each asked for JSON; readiness answers 503 until the warm-up is done, which is fine. */
    private static final List<String> HEALTH_PATHS = List.of("/health", "/actuator/health",
            "/actuator/health/readiness", "/actuator/health/liveness");
    private static final int HEALTH_ROUNDS = 3;

    private WarmUpCalls() {
    }

    /**
     * The health endpoints ({@link #HEALTH_ROUNDS} rounds), a {@code /generate} call for {@code fullCallMs} of audio
     * (none if 0), then {@code calls} rounds of one short call to each sync endpoint; nothing to do without a web
     * server (a test's mock MVC).
     */
    static StartupWarmUp.Step step(Environment env, WarmUpToken token, int calls, int fullCallMs) {
        return new StartupWarmUp.Step("self calls " + calls, () -> {
            String port = env.getProperty("local.server.port");
            if (port == null) {
                log.info("event=warm_up_calls_skipped reason=no_web_server");
                return;
            }
            URI base = URI.create("http://" + loopbackHost(env.getProperty("server.address")) + ":" + port);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                    .build();
            // What a newcomer (the README's first line) and a probe call first. Actuator's content negotiation spins
            // method-handle classes on its first JSON request, and their C2 compilations (196 ms of compiler time
            // for ASM's Frame.execute in one recording) ran across the first /generate after it.
            for (int i = 0; i < HEALTH_ROUNDS; i++) {
                for (String path : HEALTH_PATHS) {
                    get(http, base.resolve(path));
                }
            }
            if (fullCallMs > 0) {
                generate(http, base, token, WarmUp.text(0), fullCallMs);
            }
            for (int i = 0; i < calls; i++) {
                generate(http, base, token, WarmUp.text(i), WarmUp.AUDIO_MS);
                post(http, base.resolve(WarmUpToken.SPEECH), token, "{\"model\":\"csm-1b\",\"input\":\""
                        + WarmUp.text(i) + "\",\"voice\":\"alloy\",\"response_format\":\"mp3\"}");
            }
        });
    }

    /** Where this instance listens, as a loopback client reaches it. */
    static String loopbackHost(String serverAddress) {
        if (serverAddress == null || serverAddress.isBlank() || serverAddress.equals("0.0.0.0")
                || serverAddress.equals("::") || serverAddress.equals("[::]")) {
            return "127.0.0.1";
        }
        return serverAddress.contains(":") && !serverAddress.startsWith("[") ? "[" + serverAddress + "]"
                : serverAddress;
    }

    private static void generate(HttpClient http, URI base, WarmUpToken token, String text, int audioMs) {
        post(http, base.resolve(WarmUpToken.GENERATE), token, "{\"text\":\"" + text + "\",\"max_audio_length_ms\":"
                + audioMs + "}");
    }

    /** A GET asking for JSON; any answer will do (the endpoint ran). */
    private static void get(HttpClient http, URI uri) {
        send(http, HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build());
    }

    /** A sync call, which must answer 200. */
    private static void post(HttpClient http, URI uri, WarmUpToken token, String json) {
        HttpResponse<byte[]> response = send(http, HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header(WarmUpToken.HEADER, token.value())
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("warm-up call " + uri.getPath() + " answered " + response.statusCode()
                    + ": " + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static HttpResponse<byte[]> send(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("warm-up call " + request.uri().getPath() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during warm-up call " + request.uri().getPath(), e);
        }
    }
}

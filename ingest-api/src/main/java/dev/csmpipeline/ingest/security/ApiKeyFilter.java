package dev.csmpipeline.ingest.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.service.PayloadTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates API calls and bounds request bodies. With keys on, {@code /v1/**} and {@code /generate} need
 * {@code Authorization: Bearer <key>} (what OpenAI SDKs send) or {@code X-API-Key}; the key's tenant becomes the
 * request's tenant, and a tenant sees only its own jobs. {@code /internal/**} needs the internal token. Health,
 * docs and actuator stay open. A sync call with this instance's {@link WarmUpToken} acts as the warm-up tenant (its
 * own calls while it starts); a wrong token, or the token anywhere else, is a 401. Bodies over the limit are refused with 413 before they are read.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String INTERNAL_TOKEN_HEADER = "X-Internal-Token";
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);

    private final ApiKeys keys;
    private final SecurityProperties props;
    private final WarmUpToken warmUp;

    public ApiKeyFilter(ApiKeys keys, SecurityProperties props, WarmUpToken warmUp) {
        this.keys = keys;
        this.props = props;
        this.warmUp = warmUp;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        long limit = path.startsWith("/v1/narrations") ? props.maxNarrationBodyBytes()
                : path.startsWith("/v1/voices") ? props.maxVoiceBodyBytes() : props.maxBodyBytes();
        if (request.getContentLengthLong() > limit) {
            deny(response, path, 413, "payload_too_large", "the request body is " + request.getContentLengthLong()
                    + " bytes; at most " + limit + " are accepted here");
            return;
        }
        String warmUpToken = request.getHeader(WarmUpToken.HEADER);
        if (warmUpToken != null) {
            if (!WarmUpToken.PATHS.contains(path) || !warmUp.matches(warmUpToken)) {
                log.info("event=auth_rejected path={} reason=unknown_warm_up_token", path);
                deny(response, path, 401, "unauthorized", WarmUpToken.HEADER + " is only for this instance's own "
                        + "warm-up calls to " + String.join(" and ", WarmUpToken.PATHS.stream().sorted().toList())
                        + "; send an API key instead");
                return;
            }
            request.setAttribute(Tenants.ATTRIBUTE, WarmUp.TENANT);
        } else if (path.startsWith("/internal/")) {
            if (!keys.internalAllowed(request.getHeader(INTERNAL_TOKEN_HEADER))) {
                deny(response, path, 403, "forbidden", "internal endpoints need the fleet's internal token");
                return;
            }
        } else if (keys.enabled() && (path.startsWith("/v1/") || path.equals("/generate"))) {
            Optional<String> tenant = keys.tenantOf(presentedKey(request));
            if (tenant.isEmpty()) {
                log.info("event=auth_rejected path={} reason={}", path,
                        presentedKey(request) == null ? "no_key" : "unknown_key");
                response.setHeader("WWW-Authenticate", "Bearer");
                deny(response, path, 401, "unauthorized", "send a valid API key as 'Authorization: Bearer <key>' "
                        + "or 'X-API-Key: <key>'");
                return;
            }
            request.setAttribute(Tenants.ATTRIBUTE, tenant.get());
        }
        chain.doFilter(new BoundedBodyRequest(request, limit), response);
    }

    private static String presentedKey(HttpServletRequest request) {
        String auth = request.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        String header = request.getHeader("X-API-Key");
        return header == null ? null : header.strip();
    }

    /** Answers in the shape the endpoint's clients expect: the seed server's, OpenAI's, or ours. */
    private static void deny(HttpServletResponse response, String path, int status, String code, String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        String text = jsonString(message);
        String body;
        if (path.equals("/generate")) {
            body = "{\"success\":false,\"error\":" + text + "}";
        } else if (path.startsWith("/v1/audio/")) {
            body = "{\"error\":{\"message\":" + text + ",\"type\":\"invalid_request_error\",\"param\":null,"
                    + "\"code\":\"" + code + "\"}}";
        } else {
            body = "{\"error\":\"" + code + "\",\"message\":" + text + ",\"fields\":[]}";
        }
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A request whose body stream fails once more than {@code limit} bytes are read (chunked uploads). */
    private static final class BoundedBodyRequest extends HttpServletRequestWrapper {
        private final long limit;

        BoundedBodyRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            ServletInputStream in = super.getInputStream();
            return new ServletInputStream() {
                private long read;

                private void count(long n) throws IOException {
                    read += n;
                    if (read > limit) {
                        throw new PayloadTooLargeException(limit);
                    }
                }

                @Override
                public int read() throws IOException {
                    int b = in.read();
                    if (b >= 0) {
                        count(1);
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        count(n);
                    }
                    return n;
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    in.setReadListener(listener);
                }
            };
        }
    }
}

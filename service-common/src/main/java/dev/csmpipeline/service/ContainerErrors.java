package dev.csmpipeline.service;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.Container;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Errors Tomcat answers itself, before any controller runs (an encoded slash in a path, a malformed URL, headers
 * too large), are written in the API's JSON shape instead of Tomcat's HTML page: the host's error report valve is
 * replaced by {@link JsonErrorReportValve}. Its text never repeats the request.
 */
@Configuration(proxyBeanMethods = false)
public class ContainerErrors {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonContainerErrors() {
        return factory -> factory.addContextCustomizers(context -> {
            Container parent = context.getParent();
            if (parent instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }

    /** Tomcat's error page as JSON: the OpenAI shape under /v1/audio/, the seed server's under /generate. */
    public static class JsonErrorReportValve extends ErrorReportValve {

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.isCommitted() || response.getContentWritten() > 0) {
                return;
            }
            String uri = request.getRequestURI() == null ? "" : request.getRequestURI();
            String message = messageFor(status);
            String body;
            if (uri.startsWith("/v1/audio/")) {
                body = "{\"error\":{\"message\":" + quote(message) + ",\"type\":\""
                        + (status < 500 ? "invalid_request_error" : "server_error")
                        + "\",\"param\":null,\"code\":null}}";
            } else if (uri.equals("/generate")) {
                body = "{\"success\":false,\"error\":" + quote(message) + "}";
            } else {
                body = "{\"error\":\"" + codeFor(status) + "\",\"message\":" + quote(message) + ",\"fields\":[]}";
            }
            try {
                response.setContentType("application/json");
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                Writer w = response.getReporter();
                if (w != null) {
                    w.write(body);
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the client is gone or the response was taken over; nothing more to say
            }
        }

        static String codeFor(int status) {
            return switch (status) {
                case HttpServletResponse.SC_BAD_REQUEST -> "bad_request";
                case HttpServletResponse.SC_NOT_FOUND -> "not_found";
                case HttpServletResponse.SC_METHOD_NOT_ALLOWED -> "method_not_allowed";
                case 413 -> "payload_too_large";
                case 414 -> "uri_too_long";
                case 431 -> "headers_too_large";
                case HttpServletResponse.SC_SERVICE_UNAVAILABLE -> "unavailable";
                default -> status < 500 ? "bad_request" : "internal_error";
            };
        }

        static String messageFor(int status) {
            return switch (status) {
                case HttpServletResponse.SC_BAD_REQUEST -> "the request could not be read: its URL or headers are "
                        + "malformed (for example an encoded slash %2F or backslash in the path, or a character a URL "
                        + "may not hold); ids are plain path segments";
                case HttpServletResponse.SC_NOT_FOUND -> "no such path";
                case 413 -> "the request body is too large";
                case 414 -> "the URL is too long";
                case 431 -> "the request headers are too large";
                case HttpServletResponse.SC_SERVICE_UNAVAILABLE -> "the server is not ready; retry shortly";
                default -> status < 500 ? "the request was rejected (HTTP " + status + ")"
                        : "the server failed to handle the request (HTTP " + status + ")";
            };
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }
}

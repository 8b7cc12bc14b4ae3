package dev.csmpipeline.service;

import org.springframework.http.HttpStatus;

/** An answer other than success: its HTTP status and its {@link ApiError} body. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final ApiError body;

    public ApiException(HttpStatus status, ApiError body) {
        super(body.message());
        this.status = status;
        this.body = body;
    }

    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, ApiError.of("not_found", what + " not found"));
    }

    /** 404 for {@code kind} with the client's {@code id}, quoted and capped ({@link ApiError#echo}). */
    public static ApiException notFound(String kind, String id) {
        return notFound(kind + " " + ApiError.echo(id));
    }

    public HttpStatus status() {
        return status;
    }

    public ApiError body() {
        return body;
    }
}

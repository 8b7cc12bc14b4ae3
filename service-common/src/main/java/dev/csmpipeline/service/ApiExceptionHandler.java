package dev.csmpipeline.service;

import dev.csmpipeline.model.FieldError;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Turns every failure of a request into a JSON {@link ApiError} with a 4xx or 5xx status, never an HTML page. */
@RestControllerAdvice
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        return respond(e.status(), e.body());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PayloadTooLargeException p) {
                return tooLargeBody(p);
            }
        }
        Optional<FieldError> field = StrictJson.describe(e);
        if (field.isPresent()) {
            return respond(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(field.get())));
        }
        String syntax = StrictJson.syntaxError(e);
        String detail = syntax != null ? syntax : "the request body is empty or not JSON";
        return respond(HttpStatus.BAD_REQUEST, new ApiError("malformed_json", detail + "; send a JSON object",
                List.of(new FieldError("body", syntax != null ? "is not valid JSON" : "is empty or not JSON"))));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return respond(HttpStatus.UNSUPPORTED_MEDIA_TYPE, new ApiError("unsupported_media_type",
                "Content-Type " + e.getContentType() + " is not supported: send application/json",
                List.of(new FieldError("Content-Type", "must be application/json"))));
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ApiError> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return respond(HttpStatus.NOT_ACCEPTABLE, ApiError.of("not_acceptable",
                "cannot answer in the media type the Accept header asks for: " + e.getMessage()));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ApiError> typeMismatch(MethodArgumentTypeMismatchException e) {
        return respond(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(new FieldError(e.getName(),
                "has an invalid value " + ApiError.echo(e.getValue())))));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ApiError> missingParameter(MissingServletRequestParameterException e) {
        return respond(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(new FieldError(e.getParameterName(),
                "is required"))));
    }

    @ExceptionHandler(MissingRequestHeaderException.class)
    ResponseEntity<ApiError> missingHeader(MissingRequestHeaderException e) {
        return respond(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(new FieldError(e.getHeaderName(),
                "header is required"))));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> method(HttpRequestMethodNotSupportedException e) {
        return respond(HttpStatus.METHOD_NOT_ALLOWED, ApiError.of("method_not_allowed",
                e.getMethod() + " is not supported here; allowed: " + e.getSupportedHttpMethods()));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> noResource(NoResourceFoundException e) {
        return respond(HttpStatus.NOT_FOUND, ApiError.of("not_found", "no such path: "
                + ApiError.echo("/" + e.getResourcePath())));
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<ApiError> tooLarge(MaxUploadSizeExceededException e) {
        return respond(HttpStatus.CONTENT_TOO_LARGE, ApiError.of("payload_too_large", e.getMessage()));
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ApiError> tooLargeBody(PayloadTooLargeException e) {
        return respond(HttpStatus.CONTENT_TOO_LARGE, ApiError.of("payload_too_large", e.getMessage()));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ApiError> unexpected(Exception e) {
        log.error("event=request_failed reason={}", e.toString(), e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, ApiError.of("internal_error",
                "the server failed to handle the request; it was logged"));
    }

    static ResponseEntity<ApiError> respond(HttpStatus status, ApiError body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}

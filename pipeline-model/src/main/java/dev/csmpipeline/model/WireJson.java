package dev.csmpipeline.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON codec of every wire message: snake_case names, ISO-8601 instants, nulls omitted, unknown fields tolerated
 * (so an older service reads a newer message).
 */
public final class WireJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private WireJson() {
    }

    /** The shared, thread-safe mapper. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JacksonException e) {
            throw new WireFormatException("cannot encode " + message.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null) {
            throw new WireFormatException("cannot decode " + type.getSimpleName() + ": record has no value", null);
        }
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new WireFormatException("cannot decode " + type.getSimpleName() + ": value is JSON null", null);
            }
            return value;
        } catch (JacksonException e) {
            throw new WireFormatException("cannot decode " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A message that is not valid JSON for its type. */
    public static final class WireFormatException extends RuntimeException {
        public WireFormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

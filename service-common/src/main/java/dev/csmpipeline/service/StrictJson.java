package dev.csmpipeline.service;

import dev.csmpipeline.model.FieldError;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.MutableCoercionConfig;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read as their schema says, without coercion: a string where a string is declared, an integer
 * where an integer is (no quotes, no fraction), a number, a boolean. {@code {"text": 5}} is an error naming
 * {@code text}, not the text "5". {@link #describe} turns Jackson's failures into the API's words: the field, what it
 * must be and what was sent, never a Java type name.
 */
@Configuration(proxyBeanMethods = false)
public class StrictJson {

    @Bean
    JsonMapperBuilderCustomizer strictJsonCustomizer() {
        return StrictJson::apply;
    }

    /** The rules, applied to a mapper under construction. */
    public static void apply(JsonMapper.Builder builder) {
        builder.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .withCoercionConfig(LogicalType.Textual, c -> fail(c, CoercionInputShape.Integer,
                        CoercionInputShape.Float, CoercionInputShape.Boolean))
                .withCoercionConfig(LogicalType.Integer, c -> fail(c, CoercionInputShape.String,
                        CoercionInputShape.EmptyString, CoercionInputShape.Float, CoercionInputShape.Boolean))
                .withCoercionConfig(LogicalType.Float, c -> fail(c, CoercionInputShape.String,
                        CoercionInputShape.EmptyString, CoercionInputShape.Boolean))
                .withCoercionConfig(LogicalType.Boolean, c -> fail(c, CoercionInputShape.String,
                        CoercionInputShape.EmptyString, CoercionInputShape.Integer, CoercionInputShape.Float));
    }

    private static void fail(MutableCoercionConfig config, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) {
            config.setCoercion(shape, CoercionAction.Fail);
        }
    }

    /**
     * What was wrong with a body Jackson could not read, as a field error in the API's words; empty when the body
     * is not JSON at all (see {@link #syntaxError}). Field names are the API's (Jackson applies snake_case).
     */
    public static Optional<FieldError> describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DatabindException de) {
                String field = pathOf(de);
                return Optional.of(new FieldError(field.isEmpty() ? "body" : field, reasonOf(de, field.isEmpty())));
            }
        }
        return Optional.empty();
    }

    /** A sentence about malformed JSON (a syntax error), with its line and column; null when it is no such error. */
    public static String syntaxError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException se && !(t instanceof DatabindException)) {
                String where = se.getLocation() == null ? ""
                        : " at line " + se.getLocation().getLineNr() + ", column " + se.getLocation().getColumnNr();
                String reason = se.getOriginalMessage() == null ? "" : ": " + firstLine(se.getOriginalMessage());
                return "the request body is not valid JSON" + where + reason;
            }
        }
        return null;
    }

    private static String pathOf(JacksonException e) {
        return e.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String reasonOf(DatabindException e, boolean root) {
        Class<?> target = e instanceof MismatchedInputException mi ? mi.getTargetType() : null;
        if (e instanceof InvalidFormatException ife && ife.getTargetType() != null) {
            target = ife.getTargetType();
        }
        String must = root ? "must be a JSON object" : "must be " + expected(target);
        JsonToken token = e instanceof MismatchedInputException mi ? mi.getCurrentToken() : null;
        if (token == null && e.processor() instanceof tools.jackson.core.JsonParser p) {
            token = p.currentToken();
        }
        String found = found(token);
        if (e instanceof InvalidFormatException && target != null && isInteger(target) && "a number".equals(found)) {
            return must + " within its range";
        }
        return found == null ? must : must + ", found " + found;
    }

    private static boolean isInteger(Class<?> t) {
        return t == Integer.class || t == int.class || t == Long.class || t == long.class || t == Short.class
                || t == short.class;
    }

    private static String expected(Class<?> t) {
        if (t == null) {
            return "of the type the API documents";
        }
        if (t == String.class || CharSequence.class.isAssignableFrom(t)) {
            return "a string";
        }
        if (isInteger(t)) {
            return "an integer (a JSON number without quotes or fraction)";
        }
        if (t == Double.class || t == double.class || t == Float.class || t == float.class
                || Number.class.isAssignableFrom(t)) {
            return "a number (without quotes)";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false (without quotes)";
        }
        if (Collection.class.isAssignableFrom(t) || t.isArray()) {
            return "an array";
        }
        if (t.isEnum()) {
            return "one of the documented values";
        }
        if (Map.class.isAssignableFrom(t) || t.isRecord()) {
            return "an object";
        }
        return "of the type the API documents";
    }

    private static String found(JsonToken token) {
        if (token == null) {
            return null;
        }
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_ARRAY, END_ARRAY -> "an array";
            case START_OBJECT, END_OBJECT, PROPERTY_NAME -> "an object";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

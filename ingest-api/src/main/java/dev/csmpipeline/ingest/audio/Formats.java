package dev.csmpipeline.ingest.audio;

import dev.csmpipeline.audio.DeliveryFormat;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.FieldError;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import java.util.List;
import org.springframework.http.HttpStatus;

/** The API's {@code format} values: parsing, and the mapping between the wire enum and the delivery formats. */
public final class Formats {

    private Formats() {
    }

    /** The format named in a submission body; null when absent; a field error in {@code errors} when unknown. */
    public static AudioFormat ofSubmission(String name, List<FieldError> errors) {
        if (name == null) {
            return null;
        }
        try {
            return AudioFormat.valueOf(DeliveryFormat.parse(name).name());
        } catch (DeliveryFormat.UnsupportedFormatException e) {
            errors.add(new FieldError("format", e.getMessage()));
            return null;
        }
    }

    /**
     * The format to deliver: the {@code ?format=} of the download if given, else the one asked for at submission,
     * else WAV.
     *
     * @throws ApiException 400 naming {@code format} when the parameter names no offered format
     */
    public static DeliveryFormat forDownload(String parameter, AudioFormat submitted) {
        if (parameter != null && !parameter.isBlank()) {
            try {
                return DeliveryFormat.parse(parameter);
            } catch (DeliveryFormat.UnsupportedFormatException e) {
                throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.invalid(List.of(
                        new FieldError("format", e.getMessage().replace("'" + parameter + "'",
                                ApiError.echo(parameter))))));
            }
        }
        return submitted == null ? DeliveryFormat.WAV : DeliveryFormat.valueOf(submitted.name());
    }

    /** The query string selecting {@code format} on an audio URL; empty for WAV (what the URL serves bare). */
    public static String query(AudioFormat format) {
        return format == null || format == AudioFormat.WAV ? ""
                : "?format=" + DeliveryFormat.valueOf(format.name()).wireName();
    }
}

package dev.csmpipeline.service;

import dev.csmpipeline.model.WireJson;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes any wire message with {@link WireJson}, and passes raw bytes through unchanged (dead-letter records
 * keep the bytes they arrived with).
 */
public class WireValueSerializer implements Serializer<Object> {

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (data instanceof byte[] bytes) {
            return bytes;
        }
        return WireJson.encode(data);
    }
}

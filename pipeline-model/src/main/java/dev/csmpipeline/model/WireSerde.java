package dev.csmpipeline.model;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer, deserializer and serde of one wire message type, using {@link WireJson}. A value that cannot
 * be read raises {@link SerializationException}, which consumers route to the dead-letter topic.
 */
public final class WireSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Class<T> type;

    public WireSerde(Class<T> type) {
        this.type = type;
    }

    public static <T> WireSerde<T> of(Class<T> type) {
        return new WireSerde<>(type);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : WireJson.encode(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null; // tombstone
        }
        try {
            return WireJson.decode(data, type);
        } catch (WireJson.WireFormatException e) {
            throw new SerializationException(topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the type is fixed at construction
    }

    @Override
    public void close() {
        // holds no resources
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}

package dev.csmpipeline.model;

/** Kafka header names that the pipeline itself writes and reads. */
public final class WireHeaders {

    /** Version of the wire schema of the record's value. */
    public static final String SCHEMA_VERSION = "csm-schema-version";
    /** Tenant that owns the job; lets a consumer filter without decoding the value. */
    public static final String TENANT = "csm-tenant";
    /** The request-reply correlation id of a synchronous call (bytes of the UTF-8 job id). */
    public static final String CORRELATION_ID = "csm-correlation-id";
    /** The topic a synchronous reply must be written to. */
    public static final String REPLY_TOPIC = "csm-reply-topic";
    /** The partition of {@link #REPLY_TOPIC} that the waiting ingest instance reads (4-byte big-endian int). */
    public static final String REPLY_PARTITION = "csm-reply-partition";

    /** Current wire schema version. */
    public static final int CURRENT_SCHEMA_VERSION = 1;

    private WireHeaders() {
    }
}

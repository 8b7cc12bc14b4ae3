package dev.csmpipeline.service;

import java.io.IOException;

/** A request body that grew past its limit while being read; answered 413. */
public class PayloadTooLargeException extends IOException {
    public PayloadTooLargeException(long limit) {
        super("the request body exceeds " + limit + " bytes");
    }
}

package dev.csmpipeline.storage.service.retention;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Runs the retention sweep now (operators, tests); it also runs on its own every STORAGE_SWEEP_INTERVAL. */
@RestController
public class RetentionController {

    private final RetentionSweep sweep;

    public RetentionController(RetentionSweep sweep) {
        this.sweep = sweep;
    }

    @PostMapping("/internal/retention/sweep")
    public RetentionSweep.Result sweepNow() {
        return sweep.sweep();
    }
}

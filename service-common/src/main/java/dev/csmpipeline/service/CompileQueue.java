package dev.csmpipeline.service;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What this JVM's JIT compiler is doing, from HotSpot's {@code Compiler.queue} diagnostic command (what
 * {@code jcmd <pid> Compiler.queue} prints: the compilations under way and those queued for C1 and C2). Where that
 * command is missing, an inexact stand-in: idle when the total compile time has not moved since the last look.
 */
abstract class CompileQueue {

    /** Lines of the command's answer that are headings, not compilations. */
    private static final Set<String> HEADINGS = Set.of("Current compiles:", "C1 compile queue:",
            "C2 compile queue:", "Empty");

    /** Whether nothing is being compiled or waiting to be. */
    abstract boolean idle();

    /** Whether {@link #idle} reads the queue itself. */
    abstract boolean exact();

    /** The compiler's state in words, for a log line. */
    abstract String describe();

    static CompileQueue ofThisJvm() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName diagnostics = new ObjectName("com.sun.management:type=DiagnosticCommand");
            if (server.isRegistered(diagnostics)) {
                HotSpot queue = new HotSpot(server, diagnostics);
                queue.read(); // fails here, not in the loop, where the operation is missing
                return queue;
            }
        } catch (JMException | RuntimeException e) {
            // not HotSpot, or its diagnostic commands are off: fall back below
        }
        return new TotalTime(ManagementFactory.getCompilationMXBean());
    }

    /** The compilations an answer of {@code Compiler.queue} lists: its lines less headings and blank lines. */
    static long compilationsIn(String answer) {
        return answer.lines().map(String::strip).filter(l -> !l.isEmpty() && !HEADINGS.contains(l)).count();
    }

    private static final class HotSpot extends CompileQueue {
        private final MBeanServer server;
        private final ObjectName diagnostics;
        private String last = "";

        HotSpot(MBeanServer server, ObjectName diagnostics) {
            this.server = server;
            this.diagnostics = diagnostics;
        }

        String read() throws JMException {
            last = (String) server.invoke(diagnostics, "compilerQueue", new Object[] {null},
                    new String[] {String[].class.getName()});
            return last;
        }

        @Override
        boolean idle() {
            try {
                return compilationsIn(read()) == 0;
            } catch (JMException e) {
                throw new IllegalStateException("cannot read the compile queue: " + e.getMessage(), e);
            }
        }

        @Override
        boolean exact() {
            return true;
        }

        @Override
        String describe() {
            return compilationsIn(last) + " compilations under way or queued";
        }
    }

    private static final class TotalTime extends CompileQueue {
        private final CompilationMXBean jit;
        private long lastMs = -1;

        TotalTime(CompilationMXBean jit) {
            this.jit = jit;
        }

        @Override
        boolean idle() {
            if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
                return true;
            }
            long now = jit.getTotalCompilationTime();
            boolean unchanged = now == lastMs;
            lastMs = now;
            return unchanged;
        }

        @Override
        boolean exact() {
            return false;
        }

        @Override
        String describe() {
            return "the total compile time still moving (" + lastMs + " ms)";
        }
    }
}

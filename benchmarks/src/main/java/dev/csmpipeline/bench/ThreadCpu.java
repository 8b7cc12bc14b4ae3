package dev.csmpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a process's threads spent on the CPU, from Linux's {@code /proc/<pid>/task/<tid>/schedstat} (nanoseconds on
 * the CPU, per thread) and its minor page faults from {@code /proc/<pid>/stat}. Threads are grouped by name with the
 * digits taken out ({@code http-nio-8080-exec-3} and {@code -exec-4} are one group), so two snapshots can be
 * subtracted even when a pool's threads come and go. Linux only; elsewhere a snapshot is empty.
 */
final class ThreadCpu {

    /** One thread at one moment: its group name and its nanoseconds on the CPU so far. */
    record Thread(String group, long cpuNanos) {
    }

    /**
     * One process at one moment: its threads by id, and minor faults; or, as a difference of two, CPU nanoseconds
     * per thread group.
     */
    record Snapshot(Map<Long, Thread> threads, Map<String, Long> cpuNanosByGroup, long minorFaults) {

        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), 0);

        /**
         * This snapshot less an earlier one, per thread (a thread that started in between counts from zero), summed by
         * the group the thread has now: some pools rename their threads while they work (OkHttp names its dispatcher
         * threads after the URL they call), so grouping first would move a thread's whole lifetime between groups.
         */
        Snapshot minus(Snapshot earlier) {
            Map<String, Long> delta = new TreeMap<>();
            threads.forEach((tid, t) -> {
                Thread before = earlier.threads.get(tid);
                delta.merge(t.group(), t.cpuNanos() - (before == null ? 0 : before.cpuNanos()), Long::sum);
            });
            return new Snapshot(Map.of(), delta, minorFaults - earlier.minorFaults);
        }

        long totalNanos() {
            return cpuNanosByGroup.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private ThreadCpu() {
    }

    static Snapshot snapshot(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        if (!Files.isDirectory(proc)) {
            return Snapshot.EMPTY;
        }
        Map<Long, Thread> threads = new HashMap<>();
        try (var tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "#");
                    long ns = Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[0]);
                    threads.put(Long.parseLong(task.getFileName().toString()), new Thread(name, ns));
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread exited between the listing and the read: it has nothing more to add
                }
            }
            // /proc/<pid>/stat: "pid (comm) state ppid ... minflt" — minflt is the 10th field; comm may hold spaces.
            String stat = Files.readString(proc.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new Snapshot(threads, Map.of(), Long.parseLong(fields[7]));
        } catch (IOException e) {
            return Snapshot.EMPTY;
        }
    }

    /** The descendant of this process whose command line contains {@code marker}, or -1. */
    static long childPid(String marker) {
        return ProcessHandle.current().descendants().filter(p -> commandLine(p.pid()).contains(marker))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /** The whole command line ({@link ProcessHandle.Info} may cut a long one, e.g. one with a class path). */
    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The groups whose CPU time in {@code first} differs most from their median over {@code rest}, with the totals
     * and the minor faults: "total 41.0/30.2 ms, faults 120/80; C# CompilerThre 9.1/0.4, ...".
     */
    static String compare(Snapshot first, List<Snapshot> rest, int groups) {
        Map<String, Double> firstMs = new HashMap<>();
        first.cpuNanosByGroup().forEach((g, ns) -> firstMs.put(g, ns / 1e6));
        Map<String, Double> restMs = new HashMap<>();
        for (Snapshot s : rest) {
            s.cpuNanosByGroup().keySet().forEach(g -> restMs.putIfAbsent(g, 0.0));
        }
        firstMs.keySet().forEach(g -> restMs.putIfAbsent(g, 0.0));
        restMs.replaceAll((g, unused) -> Stats.median(rest.stream()
                .map(s -> s.cpuNanosByGroup().getOrDefault(g, 0L) / 1e6).toList()));
        List<String> names = new ArrayList<>(restMs.keySet());
        names.sort((a, b) -> Double.compare(Math.abs(firstMs.getOrDefault(b, 0.0) - restMs.get(b)),
                Math.abs(firstMs.getOrDefault(a, 0.0) - restMs.get(a))));
        StringBuilder line = new StringBuilder(String.format("total %.1f/%.1f ms, minor faults %d/%.0f;",
                first.totalNanos() / 1e6, Stats.median(rest.stream().map(s -> s.totalNanos() / 1e6).toList()),
                first.minorFaults(), Stats.median(rest.stream().map(s -> (double) s.minorFaults()).toList())));
        for (String g : names.subList(0, Math.min(groups, names.size()))) {
            line.append(String.format(" %s %.1f/%.1f,", g, firstMs.getOrDefault(g, 0.0), restMs.get(g)));
        }
        return line.toString();
    }
}

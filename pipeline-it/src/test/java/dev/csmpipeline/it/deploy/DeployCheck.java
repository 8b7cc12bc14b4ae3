package dev.csmpipeline.it.deploy;

import static dev.csmpipeline.it.deploy.Facts.ROOT;
import static dev.csmpipeline.it.deploy.Facts.map;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code tools/deploy-check}, the Go program that renders and validates the deployment files with the libraries the
 * real tools are built on (kustomize's API, client-go, KEDA's CRD schema, compose-go, BuildKit's Dockerfile
 * parser). Built here, once per test JVM, by {@code go build} from the Go module proxy; the go command's build and
 * module caches make later builds take seconds. Where no {@code go} command is installed the deployment tests are
 * skipped, loudly, with that reason; any other failure to build fails them.
 */
final class DeployCheck {

    private static final Path SOURCE = ROOT.resolve("tools/deploy-check");
    private static final Path BINARY = ROOT.resolve("pipeline-it/target/deploy-check/deploy-check");
    private static final long BUILD_TIMEOUT_MINUTES = 20;
    private static String skipReason;
    private static boolean built;

    private DeployCheck() {
    }

    /** Renders a kustomization: {@code objects} (kustomize's output), {@code problems}, {@code external}. */
    static Map<String, Object> kustomize(Path dir, String... external) {
        List<String> args = new ArrayList<>(List.of("kustomize"));
        for (String e : external) {
            args.addAll(List.of("-external", e));
        }
        args.add(dir.toString());
        return run(args);
    }

    /** Loads compose files as {@code docker compose [--profile P] -f A -f B config} does: {@code project}, {@code problems}. */
    static Map<String, Object> compose(List<Path> files, List<String> profiles) {
        List<String> args = new ArrayList<>(List.of("compose"));
        for (String p : profiles) {
            args.addAll(List.of("-profile", p));
        }
        files.forEach(f -> args.add(f.toString()));
        return run(args);
    }

    /** Parses a Dockerfile with build arguments: {@code stages} (each one's image configuration), {@code problems}. */
    static Map<String, Object> dockerfile(Path file, Map<String, String> buildArgs) {
        List<String> args = new ArrayList<>(List.of("dockerfile"));
        buildArgs.forEach((k, v) -> args.addAll(List.of("-build-arg", k + "=" + v)));
        args.add(file.toString());
        return run(args);
    }

    private static Map<String, Object> run(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        cmd.addAll(args);
        Exec result = exec(cmd, ROOT, 5);
        if (result.code() != 0) {
            throw new IllegalStateException("deploy-check " + String.join(" ", args) + " failed (exit " + result.code()
                    + "):\n" + result.stderr());
        }
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024);
        return map(new Yaml(new SafeConstructor(options)).load(result.stdout()));
    }

    /** The built program; skips the calling test when no go command is installed. */
    static synchronized Path binary() {
        if (!built && skipReason == null) {
            build();
        }
        assumeTrue(skipReason == null, skipReason);
        return BINARY;
    }

    private static void build() {
        Exec version;
        try {
            version = exec(List.of("go", "version"), SOURCE, 1);
        } catch (IllegalStateException e) {
            version = null;
        }
        if (version == null || version.code() != 0) {
            skipReason = "SKIPPED: the deployment files are checked by tools/deploy-check, a Go program, and no `go`"
                    + " command is on the PATH here. Install Go (see tools/deploy-check/go.mod for the version) to run"
                    + " these checks; CI has it.";
            System.err.println("\n*** " + skipReason + " ***\n");
            return;
        }
        long t0 = System.nanoTime();
        // -mod=readonly: go.sum pins every module; a build never edits go.mod.
        Exec b = exec(List.of("go", "build", "-mod=readonly", "-buildvcs=false", "-o", BINARY.toString(), "."), SOURCE,
                BUILD_TIMEOUT_MINUTES);
        if (b.code() != 0) {
            throw new IllegalStateException("go build in " + SOURCE + " failed (exit " + b.code() + "):\n" + b.stderr()
                    + b.stdout());
        }
        System.out.printf("deploy-check: built with %s in %.1f s%n", version.stdout().strip(),
                (System.nanoTime() - t0) / 1e9);
        built = true;
    }

    private record Exec(int code, String stdout, String stderr) {
    }

    private static Exec exec(List<String> cmd, Path dir, long timeoutMinutes) {
        try {
            Path out = Files.createTempFile("deploy-check", ".out");
            Path err = Files.createTempFile("deploy-check", ".err");
            try {
                Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).start();
                if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", cmd) + " did not finish within "
                            + timeoutMinutes + " min");
                }
                return new Exec(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}

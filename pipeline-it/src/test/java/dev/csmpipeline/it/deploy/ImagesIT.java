package dev.csmpipeline.it.deploy;

import static dev.csmpipeline.it.deploy.Facts.APPS;
import static dev.csmpipeline.it.deploy.Facts.IMAGE_PREFIX;
import static dev.csmpipeline.it.deploy.Facts.REPO_LABEL;
import static dev.csmpipeline.it.deploy.Facts.ROOT;
import static dev.csmpipeline.it.deploy.Facts.VARIANT_LABEL;
import static dev.csmpipeline.it.deploy.Facts.WORKER;
import static dev.csmpipeline.it.deploy.Facts.at;
import static dev.csmpipeline.it.deploy.Facts.checkPath;
import static dev.csmpipeline.it.deploy.Facts.checkPort;
import static dev.csmpipeline.it.deploy.Facts.list;
import static dev.csmpipeline.it.deploy.Facts.map;
import static dev.csmpipeline.it.deploy.Facts.parseInt;
import static dev.csmpipeline.it.deploy.Facts.rel;
import static dev.csmpipeline.it.deploy.Facts.repoOf;
import static dev.csmpipeline.it.deploy.Facts.str;
import static dev.csmpipeline.it.deploy.Facts.tagOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.deploy.Facts.App;
import dev.csmpipeline.it.deploy.Facts.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The images, as {@code docker compose build} builds them: for each image compose names, its Dockerfile, target
 * and build arguments parsed by BuildKit's own parser and linter (what {@code docker build --check} runs), and the
 * resulting image configuration checked against the service: non-root, tagged with the repository its label
 * names, exposing the app's port, a health check on a path the app serves, ENV only of variables the service reads,
 * built by the Maven wrapper for that module; the worker's GPU image on a CUDA 12 + cuDNN base with -Pgpu.
 */
class ImagesIT {

    /** An image compose builds: the service, its image name, and how it is built. */
    private record Build(String where, String image, Path dockerfile, String target, Map<String, String> args) {
    }

    @Test
    void everyDockerfilePassesBuildKitsParserAndLinter() throws IOException {
        Problems problems = new Problems();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ROOT)) {
            files = walk.filter(p -> p.getFileName().toString().equals("Dockerfile"))
                    .filter(p -> !rel(p).contains("target/") && !rel(p).startsWith("data/")).sorted().toList();
        }
        assertThat(files).as("Dockerfiles").isNotEmpty();
        for (Path f : files) {
            for (Object p : list(DeployCheck.dockerfile(f, Map.of()).get("problems"))) {
                problems.add(rel(f), str(p));
            }
        }
        problems.assertNone();
    }

    @Test
    void composeBuildsEachServiceImageAsTheServiceNeedsIt() {
        Problems problems = new Problems();
        Map<String, List<Build>> builds = builds();
        for (App app : APPS.values()) {
            List<Build> mine = builds.getOrDefault(IMAGE_PREFIX + app.name(), List.of());
            if (mine.isEmpty()) {
                problems.add("docker-compose.yml", "builds no image " + IMAGE_PREFIX + app.name());
            }
            for (Build b : mine) {
                checkImage(problems, app, b);
            }
        }
        List<Build> workers = builds.getOrDefault(IMAGE_PREFIX + WORKER, List.of());
        Set<String> variants = new LinkedHashSet<>();
        workers.forEach(b -> variants.add(str(stage(b).get("labels") instanceof Map<?, ?> l ? l.get(VARIANT_LABEL)
                : null)));
        if (!variants.containsAll(List.of("gpu", "cpu"))) {
            problems.add("docker-compose.yml + docker-compose.cpu.yml", "build the worker variants " + variants
                    + "; expected gpu (default) and cpu (override)");
        }
        problems.assertNone();
    }

    /** Every image built by compose, from the default file, the CPU override and the export profile. */
    private static Map<String, List<Build>> builds() {
        Map<String, List<Build>> out = new TreeMap<>();
        Map<String, Map<String, Object>> seen = new LinkedHashMap<>();
        List<List<Path>> fileSets = List.of(List.of(ComposeFilesIT.MAIN),
                List.of(ComposeFilesIT.MAIN, ComposeFilesIT.CPU));
        for (List<Path> files : fileSets) {
            ComposeFilesIT.services(files, List.of("export")).forEach((name, s) -> {
                Map<String, Object> svc = map(s);
                Map<String, Object> build = map(svc.get("build"));
                String image = str(svc.get("image"));
                if (build.isEmpty() || seen.containsKey(image)) {
                    return;
                }
                seen.put(image, build);
                Map<String, String> args = new TreeMap<>();
                map(build.get("args")).forEach((k, v) -> args.put(k, str(v)));
                Path dockerfile = Path.of(str(build.get("context"))).resolve(str(build.getOrDefault("dockerfile",
                        "Dockerfile"))).normalize();
                String where = files.stream().map(Facts::rel).toList() + ": services." + name;
                out.computeIfAbsent(repoOf(image), k -> new ArrayList<>()).add(new Build(where, image, dockerfile,
                        str(build.get("target")), args));
            });
        }
        return out;
    }

    private static final Map<Build, Map<String, Object>> PARSED = new LinkedHashMap<>();

    private static synchronized Map<String, Object> parsed(Build b) {
        return PARSED.computeIfAbsent(b, x -> DeployCheck.dockerfile(x.dockerfile(), x.args()));
    }

    private static List<Map<String, Object>> stages(Build b) {
        return list(parsed(b).get("stages")).stream().map(Facts::map).toList();
    }

    /** The stage the build produces: its target, else the last one. */
    private static Map<String, Object> stage(Build b) {
        List<Map<String, Object>> stages = stages(b);
        if (b.target().isEmpty()) {
            return stages.isEmpty() ? Map.of() : stages.get(stages.size() - 1);
        }
        return stages.stream().filter(s -> str(s.get("name")).equalsIgnoreCase(b.target())).findFirst()
                .orElse(Map.of());
    }

    /** The stages the image comes from: those it builds on and copies from, transitively. */
    private static List<Map<String, Object>> sources(Build b, Map<String, Object> stage) {
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        stages(b).forEach(s -> byName.put(str(s.get("name")), s));
        List<Map<String, Object>> out = new ArrayList<>();
        List<Object> todo = new ArrayList<>(list(stage.get("copiesFrom")));
        if (stage.containsKey("baseStage")) {
            todo.add(stage.get("baseStage"));
        }
        while (!todo.isEmpty()) {
            Map<String, Object> s = byName.get(str(todo.remove(0)));
            if (s != null && !out.contains(s)) {
                out.add(s);
                if (s.containsKey("baseStage")) {
                    todo.add(s.get("baseStage"));
                }
                todo.addAll(list(s.get("copiesFrom")));
            }
        }
        return out;
    }

    private static final Pattern HEALTHCHECK =
            Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):\\$\\{?SERVER_PORT(?::-(\\d+))?}?(/[^\"\\s]*)");

    private static void checkImage(Problems problems, App app, Build b) {
        String where = b.where() + " (" + rel(b.dockerfile()) + (b.target().isEmpty() ? "" : " --target "
                + b.target()) + (b.args().isEmpty() ? "" : " " + b.args()) + ")";
        for (Object p : list(parsed(b).get("problems"))) {
            problems.add(where, "BuildKit: " + p);
        }
        Map<String, Object> stage = stage(b);
        if (stage.isEmpty()) {
            problems.add(where, "no stage '" + b.target() + "'");
            return;
        }
        Map<String, Object> labels = map(stage.get("labels"));
        Map<String, Object> env = map(stage.get("env"));
        if (!(IMAGE_PREFIX + app.name()).equals(labels.get(REPO_LABEL))) {
            problems.add(where, REPO_LABEL + " is '" + labels.get(REPO_LABEL) + "', expected '" + IMAGE_PREFIX
                    + app.name() + "'");
        }
        if (!repoOf(b.image()).equals(str(labels.get(REPO_LABEL)))) {
            problems.add(where, "image " + b.image() + " is not the repository the stage's label names ("
                    + labels.get(REPO_LABEL) + ")");
        }
        String variant = str(labels.get(VARIANT_LABEL));
        if (!variant.isEmpty() && !tagOf(b.image()).endsWith("-" + variant)) {
            problems.add(where, b.image() + ": the stage builds the " + variant + " variant: tag *-" + variant);
        }
        String user = str(stage.get("user"));
        if (user.isEmpty() || user.startsWith("0") || user.startsWith("root")) {
            problems.add(where, "runs as root: USER must name a non-root user, was '" + user + "'");
        }
        int port = env.containsKey("SERVER_PORT") ? parseInt(str(env.get("SERVER_PORT"))) : app.defaultPort();
        checkPort(problems, where + " ENV SERVER_PORT", app, port, app.defaultPort());
        if (!list(stage.get("expose")).contains(String.valueOf(app.defaultPort()))) {
            problems.add(where, "EXPOSE " + stage.get("expose") + " lacks the app's port " + app.defaultPort());
        }
        for (String name : env.keySet()) {
            if (name.equals("PATH") || name.equals("JAVA_HOME")) {
                continue;
            }
            String why = app.unknownEnv(name);
            if (why != null) {
                problems.add(where, "ENV " + name + ": " + why);
            }
        }
        String test = String.join(" ", list(at(stage, "healthcheck", "test")).stream().map(Facts::str).toList());
        Matcher hc = HEALTHCHECK.matcher(test);
        if (!hc.find()) {
            problems.add(where, "HEALTHCHECK must curl http://127.0.0.1:${SERVER_PORT}/<path>, was '" + test + "'");
        } else {
            if (hc.group(1) != null) {
                checkPort(problems, where + " HEALTHCHECK", app, Integer.parseInt(hc.group(1)), app.defaultPort());
            }
            checkPath(problems, where + " HEALTHCHECK", app, hc.group(2));
        }
        List<Map<String, Object>> sources = sources(b, stage);
        List<String> runs = sources.stream().flatMap(s -> list(s.get("runs")).stream()).map(Facts::str).toList();
        if (runs.stream().noneMatch(r -> r.contains("./mvnw") && r.contains("-pl " + app.name() + " "))) {
            problems.add(where, "no stage it copies from runs the Maven wrapper with -pl " + app.name() + ": " + runs);
        }
        if (app.name().equals(WORKER)) {
            boolean gpuBuild = runs.stream().anyMatch(r -> r.contains("./mvnw") && r.contains("-Pgpu"));
            String device = str(env.get("TTS_DEVICE"));
            if (variant.equals("gpu")) {
                if (!str(stage.get("baseImage")).matches("nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-.*")) {
                    problems.add(where, "base '" + stage.get("baseImage") + "' is not a CUDA 12 + cuDNN runtime image"
                            + " (onnxruntime_gpu needs CUDA 12, cuDNN 9)");
                }
                if (!gpuBuild) {
                    problems.add(where, "the GPU image is not built with -Pgpu (onnxruntime_gpu)");
                }
                if (!device.equals("cuda")) {
                    problems.add(where, "the GPU image must default TTS_DEVICE=cuda, was '" + device + "'");
                }
            } else if (variant.equals("cpu")) {
                if (!str(stage.get("baseImage")).startsWith("eclipse-temurin:17-jre")) {
                    problems.add(where, "base '" + stage.get("baseImage") + "' is not the JRE 17 image");
                }
                if (gpuBuild) {
                    problems.add(where, "the CPU image is built with -Pgpu");
                }
                if (!device.equals("cpu")) {
                    problems.add(where, "the CPU image must default TTS_DEVICE=cpu, was '" + device + "'");
                }
            } else {
                problems.add(where, "the worker image must carry " + VARIANT_LABEL + " gpu or cpu");
            }
        }
    }
}

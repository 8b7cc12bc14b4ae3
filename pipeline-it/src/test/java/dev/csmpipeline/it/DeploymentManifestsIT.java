package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.TopicSpec;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.TopicProperties;
import dev.csmpipeline.storage.service.StorageServiceApplication;
import dev.csmpipeline.worker.WorkerApplication;
import dev.csmpipeline.worker.WorkerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The deployment files (Dockerfiles, docker-compose*.yml, k8s/) checked against the code, without Docker or a cluster:
 * every environment variable given to a service is one that service reads, every probe and health check names a
 * path the app serves on the app's port, image names agree between Dockerfiles, compose and Kubernetes, the worker's
 * grace periods cover its longest job, and the KEDA triggers name the real topics and consumer group.
 *
 * <p>What "read by the service" means is derived from the code, not listed here: the {@code ${NAME:default}}
 * placeholders of the service's own yml, Spring's relaxed binding of every {@code @ConfigurationProperties} record
 * the application enables (found by reflection from its {@code @SpringBootApplication} class), and the
 * {@code System.getenv("NAME")} calls in the modules it runs. Kubernetes overlays are rendered by a small
 * kustomize subset implemented below (resources, components, ConfigMap generators, strategic-merge patches,
 * images), enough for the files in k8s/; {@code kubectl kustomize} renders the same objects.
 */
class DeploymentManifestsIT {

    private static final Path ROOT = repositoryRoot();

    /** The deployed services: name (= module = container and compose service name), application, modules. */
    private static final List<AppSpec> APP_SPECS = List.of(
            new AppSpec("ingest-api", IngestApplication.class,
                    List.of("ingest-api", "service-common", "storage-client", "pipeline-model")),
            new AppSpec("storage-service", StorageServiceApplication.class,
                    List.of("storage-service", "service-common", "storage-client", "pipeline-model")),
            new AppSpec("inference-worker", WorkerApplication.class,
                    List.of("inference-worker", "service-common", "storage-client", "pipeline-model", "csm-engine")));

    /** Read by the JVM or a library rather than by our code. */
    private static final Map<String, Set<String>> PLATFORM_ENV = Map.of(
            "ingest-api", Set.of("JAVA_TOOL_OPTIONS"),
            "storage-service", Set.of("JAVA_TOOL_OPTIONS"),
            // DJL, the tokenizer's JNI wrapper, reads it before our code can set the system property.
            "inference-worker", Set.of("JAVA_TOOL_OPTIONS", "OPT_OUT_TRACKING"));

    private static final String WORKER = "inference-worker";
    private static final String INGEST = "ingest-api";
    private static final String IMAGE_PREFIX = "csm-pipeline/";
    /** What the workers' consumers do without a committed offset (WorkerConfiguration: auto.offset.reset). */
    private static final String WORKER_OFFSET_RESET = "earliest";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    private static final Pattern GETENV = Pattern.compile("getenv\\(\\s*\"([A-Z][A-Z0-9_]*)\"");
    private static final Pattern DOCKER_HEALTHCHECK =
            Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):\\$\\{SERVER_PORT:-(\\d+)}(/[^\"\\s]*)");

    private static final Map<String, App> APPS = APP_SPECS.stream()
            .collect(Collectors.toMap(AppSpec::name, DeploymentManifestsIT::describe, (a, b) -> a, LinkedHashMap::new));

    // ------------------------------------------------------------------------------------------------ Dockerfiles

    @Test
    void dockerfilesBuildEachServiceAsNonRootWithProbesTheAppServes() {
        Problems problems = new Problems();
        for (App app : APPS.values()) {
            Path file = ROOT.resolve(app.name()).resolve("Dockerfile");
            if (!Files.isRegularFile(file)) {
                problems.add(rel(file), "missing: every service has a Dockerfile");
                continue;
            }
            Dockerfile df = Dockerfile.parse(file);
            List<Stage> runtimes = df.stages().stream().filter(s -> s.labels().containsKey(REPO_LABEL)).toList();
            if (runtimes.isEmpty()) {
                problems.add(rel(file), "no stage carries LABEL " + REPO_LABEL + " (the image name it is tagged as)");
            }
            if (df.stages().stream().noneMatch(s -> s.runs().contains("-pl " + app.name()))) {
                problems.add(rel(file), "no build stage runs the Maven wrapper with -pl " + app.name());
            }
            for (Stage stage : runtimes) {
                String where = rel(file) + " stage " + stage.name();
                String repo = stage.labels().get(REPO_LABEL);
                if (!repo.equals(IMAGE_PREFIX + app.name())) {
                    problems.add(where, REPO_LABEL + " is '" + repo + "', expected '" + IMAGE_PREFIX + app.name()
                            + "'");
                }
                if (stage.user() == null || stage.user().startsWith("0") || stage.user().startsWith("root")) {
                    problems.add(where, "runs as root: USER must name a non-root user");
                }
                if (!stage.exposes().contains(app.defaultPort())) {
                    problems.add(where, "EXPOSE " + stage.exposes() + " lacks the app's port " + app.defaultPort()
                            + " (server.port in " + app.name() + ".yml)");
                }
                for (String env : stage.env().keySet()) {
                    if (env.equals("PATH") || env.equals("JAVA_HOME")) {
                        continue;
                    }
                    String why = app.unknownEnv(env);
                    if (why != null) {
                        problems.add(where, "ENV " + env + ": " + why);
                    }
                }
                Matcher hc = DOCKER_HEALTHCHECK.matcher(stage.healthcheck() == null ? "" : stage.healthcheck());
                if (!hc.find()) {
                    problems.add(where, "HEALTHCHECK must curl http://127.0.0.1:${SERVER_PORT:-<port>}/<path>");
                } else {
                    checkPort(problems, where + " HEALTHCHECK", app, Integer.parseInt(hc.group(1)), app.defaultPort());
                    checkPath(problems, where + " HEALTHCHECK", app, hc.group(2));
                }
            }
            if (app.name().equals(WORKER)) {
                Stage gpu = df.stage("gpu");
                Stage cpu = df.stage("cpu");
                if (gpu == null || cpu == null) {
                    problems.add(rel(file), "the worker Dockerfile needs the targets 'gpu' and 'cpu'");
                } else {
                    if (!"gpu".equals(gpu.labels().get(VARIANT_LABEL))
                            || !"cpu".equals(cpu.labels().get(VARIANT_LABEL))) {
                        problems.add(rel(file), "stages gpu and cpu must carry " + VARIANT_LABEL + " gpu and cpu");
                    }
                    if (!gpu.from().matches("nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-.*")) {
                        problems.add(rel(file) + " stage gpu", "base '" + gpu.from()
                                + "' is not a CUDA 12 + cuDNN runtime image (onnxruntime_gpu needs CUDA 12, cuDNN 9)");
                    }
                    if (df.stages().stream()
                            .noneMatch(s -> s.runs().contains("-Pgpu") && s.runs().contains("-pl " + WORKER))) {
                        problems.add(rel(file), "no stage builds the worker with -Pgpu");
                    }
                    if (!"cuda".equals(gpu.env().get("TTS_DEVICE")) || !"cpu".equals(cpu.env().get("TTS_DEVICE"))) {
                        problems.add(rel(file), "the gpu stage must default TTS_DEVICE=cuda and the cpu stage cpu");
                    }
                }
            }
        }
        problems.assertNone();
    }

    // ------------------------------------------------------------------------------------------------ compose

    @Test
    void composeFilesMatchTheCode() {
        Problems problems = new Problems();
        Path mainFile = ROOT.resolve("docker-compose.yml");
        Path cpuFile = ROOT.resolve("docker-compose.cpu.yml");
        Map<String, Object> main = map(loadOne(mainFile));
        Map<String, Object> cpu = map(loadOne(cpuFile));
        Map<String, Object> services = map(main.get("services"));
        for (String name : List.of("kafka", "minio", INGEST, WORKER, "storage-service")) {
            if (!services.containsKey(name)) {
                problems.add(rel(mainFile), "services." + name + " is missing");
            }
        }
        for (App app : APPS.values()) {
            Map<String, Object> svc = map(services.get(app.name()));
            if (!svc.isEmpty()) {
                checkComposeService(problems, rel(mainFile), app, svc);
            }
        }
        for (String name : map(cpu.get("services")).keySet()) {
            if (!services.containsKey(name)) {
                problems.add(rel(cpuFile), "services." + name + " overrides a service docker-compose.yml lacks");
            }
        }
        // The CPU override, merged the way compose merges it.
        Map<String, Object> cpuWorker = map(composeMerge(services.get(WORKER), map(cpu.get("services")).get(WORKER)));
        if (!cpuWorker.isEmpty()) {
            checkComposeService(problems, rel(mainFile) + " + " + rel(cpuFile), APPS.get(WORKER), cpuWorker);
        }
        Map<String, Object> gpuWorker = map(services.get(WORKER));
        if (gpuDevices(gpuWorker).stream().noneMatch(d -> "nvidia".equals(map(d).get("driver")))) {
            problems.add(rel(mainFile), "services." + WORKER + ".deploy.resources.reservations.devices reserves no"
                    + " nvidia GPU");
        }
        if (!imageVariant(str(gpuWorker.get("image"))).equals("gpu")) {
            problems.add(rel(mainFile), "services." + WORKER + ".image must be the -gpu variant");
        }
        if (!gpuDevices(cpuWorker).isEmpty()) {
            problems.add(rel(cpuFile), "services." + WORKER + " still reserves a GPU: reset"
                    + " deploy.resources.reservations.devices (!reset [])");
        }
        if (!imageVariant(str(cpuWorker.get("image"))).equals("cpu")) {
            problems.add(rel(cpuFile), "services." + WORKER + ".image must be the -cpu variant");
        }
        checkTopicInit(problems, rel(mainFile), services);
        checkBucketInit(problems, rel(mainFile), services);
        problems.assertNone();
    }

    private void checkComposeService(Problems problems, String file, App app, Map<String, Object> svc) {
        String where = file + ": services." + app.name();
        Map<String, String> env = composeEnv(svc.get("environment"));
        for (String name : env.keySet()) {
            String why = app.unknownEnv(name);
            if (why != null) {
                problems.add(where + ".environment." + name, why);
            }
        }
        int port = env.containsKey("SERVER_PORT") ? parseInt(env.get("SERVER_PORT")) : app.defaultPort();
        Map<String, Object> health = map(svc.get("healthcheck"));
        String test = health.get("test") instanceof List<?> l
                ? l.stream().map(String::valueOf).collect(Collectors.joining(" ")) : str(health.get("test"));
        Matcher hc = Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):(\\d+)(/[^\\s\"']*)").matcher(test);
        if (!hc.find()) {
            problems.add(where + ".healthcheck", "missing, or not an HTTP check on the app's port");
        } else {
            checkPort(problems, where + ".healthcheck", app, Integer.parseInt(hc.group(1)), port);
            checkPath(problems, where + ".healthcheck", app, hc.group(2));
        }
        for (Object exposed : list(svc.get("expose"))) {
            checkPort(problems, where + ".expose", app, parseInt(str(exposed)), port);
        }
        for (Object published : list(svc.get("ports"))) {
            String spec = str(published);
            String target = spec.substring(spec.lastIndexOf(':') + 1).replaceAll("/.*", "");
            checkPort(problems, where + ".ports '" + spec + "'", app, parseInt(target), port);
        }
        // Image name: the tag of the Dockerfile stage it is built from.
        String image = str(svc.get("image"));
        Map<String, Object> build = map(svc.get("build"));
        if (image.isEmpty() || build.isEmpty()) {
            problems.add(where, "needs both image: and build: (so that `docker compose build` tags the image)");
        } else {
            Path dockerfile = ROOT.resolve(str(build.getOrDefault("context", ".")))
                    .resolve(str(build.get("dockerfile"))).normalize();
            if (!Files.isRegularFile(dockerfile)) {
                problems.add(where + ".build.dockerfile", rel(dockerfile) + " does not exist");
            } else {
                Dockerfile df = Dockerfile.parse(dockerfile);
                Stage stage = build.containsKey("target") ? df.stage(str(build.get("target"))) : df.last();
                if (stage == null) {
                    problems.add(where + ".build.target", "no stage '" + build.get("target") + "' in "
                            + rel(dockerfile));
                } else {
                    checkImageAgainstStage(problems, where + ".image", image, stage, rel(dockerfile));
                }
            }
        }
        if (app.name().equals(WORKER)) {
            Duration stop = composeDuration(str(svc.getOrDefault("stop_grace_period", "10s")));
            checkWorkerBudgets(problems, where, env, stop, "stop_grace_period");
            checkDeviceMatchesImage(problems, where, imageVariant(image), env.get("TTS_DEVICE"));
        }
    }

    private void checkTopicInit(Problems problems, String file, Map<String, Object> services) {
        Map<String, Object> init = map(services.get("kafka-init"));
        if (init.isEmpty()) {
            problems.add(file, "services.kafka-init (the one-shot topic creation) is missing");
            return;
        }
        Map<String, String> env = composeEnv(init.get("environment"));
        Map<String, String> serviceEnv = composeEnv(map(services.get(WORKER)).get("environment"));
        TopicProperties defaults = new TopicProperties(null, null, null, null);
        int requestPartitions = parseInt(env.getOrDefault("TTS_REQUEST_PARTITIONS", "" + defaults.requestPartitions()));
        int otherPartitions = parseInt(env.getOrDefault("TTS_OTHER_PARTITIONS", "" + defaults.otherPartitions()));
        short replication = Short.parseShort(env.getOrDefault("TTS_TOPIC_REPLICATION",
                "" + defaults.topicReplication()));
        for (String name : List.of("TTS_REQUEST_PARTITIONS", "TTS_OTHER_PARTITIONS", "TTS_TOPIC_REPLICATION")) {
            if (!Objects.equals(env.get(name), serviceEnv.get(name))) {
                problems.add(file + ": services.kafka-init.environment." + name, "'" + env.get(name)
                        + "' differs from the services' '" + serviceEnv.get(name) + "'");
            }
        }
        String script = list(init.get("command")).stream().map(String::valueOf).collect(Collectors.joining("\n"))
                + str(init.get("command") instanceof String s ? s : "");
        Map<String, TopicSpec> created = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*create\\s+(\\S+)\\s+(\\S+)((?:[ \\t]+\\S+)*)\\s*$").matcher(script);
        while (m.find()) {
            String partitions = m.group(2).replace("$", "").replace("{", "").replace("}", "");
            int p = partitions.matches("\\d+") ? Integer.parseInt(partitions)
                    : parseInt(env.getOrDefault(partitions, "-1"));
            Map<String, String> configs = new TreeMap<>();
            for (String c : m.group(3).trim().split("\\s+")) {
                if (!c.isEmpty()) {
                    configs.put(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
                }
            }
            created.put(m.group(1), new TopicSpec(m.group(1), p, replication, configs));
        }
        for (TopicSpec spec : TopicSpec.plan(requestPartitions, otherPartitions, replication)) {
            TopicSpec made = created.remove(spec.name());
            if (made == null) {
                problems.add(file + ": services.kafka-init", "does not create " + spec.name() + " (TopicSpec.plan)");
            } else if (made.partitions() != spec.partitions()
                    || !made.configs().equals(new TreeMap<>(spec.configs()))) {
                problems.add(file + ": services.kafka-init", spec.name() + " is created with " + made.partitions()
                        + " partitions " + made.configs() + "; TopicSpec.plan says " + spec.partitions()
                        + " partitions " + new TreeMap<>(spec.configs()));
            }
        }
        for (String extra : created.keySet()) {
            problems.add(file + ": services.kafka-init", "creates " + extra + ", which is no topic of the pipeline");
        }
    }

    private void checkBucketInit(Problems problems, String file, Map<String, Object> services) {
        Map<String, String> svcEnv = composeEnv(map(services.get(INGEST)).get("environment"));
        Map<String, String> minio = composeEnv(map(services.get("minio")).get("environment"));
        Map<String, String> init = composeEnv(map(services.get("minio-init")).get("environment"));
        if (!Objects.equals(minio.get("MINIO_ROOT_USER"), svcEnv.get("S3_ACCESS_KEY"))
                || !Objects.equals(minio.get("MINIO_ROOT_PASSWORD"), svcEnv.get("S3_SECRET_KEY"))) {
            problems.add(file + ": services.minio.environment", "MINIO_ROOT_USER/PASSWORD differ from the services'"
                    + " S3_ACCESS_KEY/S3_SECRET_KEY");
        }
        if (!init.containsValue(svcEnv.get("S3_BUCKET"))) {
            problems.add(file + ": services.minio-init", "does not create the services' bucket "
                    + svcEnv.get("S3_BUCKET"));
        }
    }

    // ------------------------------------------------------------------------------------------------ Kubernetes

    @Test
    void everyKubernetesFileParses() {
        Problems problems = new Problems();
        List<Path> files = yamlFiles(ROOT.resolve("k8s"));
        assertThat(files).as("YAML files under k8s/").isNotEmpty();
        for (Path f : files) {
            try {
                for (Object doc : loadAll(f)) {
                    Map<String, Object> d = map(doc);
                    if (doc != null && (d.isEmpty() || str(d.get("kind")).isEmpty())) {
                        problems.add(rel(f), "a document without kind");
                    }
                }
            } catch (RuntimeException e) {
                problems.add(rel(f), "does not parse: " + e.getMessage());
            }
        }
        problems.assertNone();
    }

    @Test
    void kubernetesOverlaysMatchTheCode() throws IOException {
        Problems problems = new Problems();
        List<Path> overlays;
        try (Stream<Path> dirs = Files.list(ROOT.resolve("k8s/overlays"))) {
            overlays = dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
        }
        assertThat(overlays.stream().map(p -> p.getFileName().toString())).as("k8s/overlays")
                .contains("cpu-dev", "gpu-prod");
        Map<String, String> composeTags = composeImageTags();
        boolean anyGpuWorker = false;
        for (Path overlay : overlays) {
            List<Res> rendered = new Kustomize(problems).build(overlay, List.of());
            anyGpuWorker |= checkOverlay(problems, rel(overlay), rendered, composeTags);
        }
        if (!anyGpuWorker) {
            problems.add("k8s/overlays", "no overlay runs the GPU worker with an nvidia.com/gpu limit");
        }
        // The export Job: its image is the exporter's, and tags agree with compose.
        List<Res> jobs = new Kustomize(problems).build(ROOT.resolve("k8s/jobs"), List.of());
        for (Res r : jobs) {
            for (Map<String, Object> c : containers(r)) {
                String image = str(c.get("image"));
                String expected = composeTags.get(repoOf(image));
                if (expected == null || !expected.equals(tagOf(image))) {
                    problems.add(r.where(), "image " + image + " is not the one docker-compose.yml builds ("
                            + repoOf(image) + ":" + expected + ")");
                }
            }
        }
        problems.assertNone();
    }

    /** Returns whether this overlay runs a GPU worker. */
    private boolean checkOverlay(Problems problems, String overlay, List<Res> rendered,
                                 Map<String, String> composeTags) {
        boolean gpuWorker = false;
        Map<String, Res> deployments = new LinkedHashMap<>();
        for (Res r : rendered) {
            for (Map<String, Object> c : allContainers(r)) {
                String image = str(c.get("image"));
                if (!repoOf(image).contains(IMAGE_PREFIX) || repoOf(image).endsWith("/csm-export")) {
                    continue;
                }
                String where = overlay + " (rendered): " + r.kind() + " " + r.name() + ", container " + c.get("name")
                        + " [" + r.where() + "]";
                String appName = repoOf(image).substring(repoOf(image).lastIndexOf('/') + 1);
                App app = APPS.get(appName);
                if (app == null) {
                    problems.add(where, "image " + image + " is none of the services " + APPS.keySet());
                    continue;
                }
                String dockerRepo = dockerfileRepository(app);
                if (!repoOf(image).endsWith(dockerRepo)) {
                    problems.add(where, "image " + image + " is not " + dockerRepo + " (LABEL in "
                            + app.name() + "/Dockerfile)");
                }
                String composeTag = composeTags.get(IMAGE_PREFIX + app.name());
                String baseTag = tagOf(image).replaceAll("-(cpu|gpu)$", "");
                if (composeTag != null && !composeTag.replaceAll("-(cpu|gpu)$", "").equals(baseTag)) {
                    problems.add(where, "image tag " + tagOf(image) + " disagrees with docker-compose.yml's "
                            + composeTag);
                }
                Map<String, EnvVar> env = effectiveEnv(problems, where, c, rendered);
                for (EnvVar e : env.values()) {
                    String why = app.unknownEnv(e.name());
                    if (why != null) {
                        problems.add(where, "env " + e.name() + " (" + e.source() + "): " + why);
                    }
                }
                if (list(podSpec(r).get("initContainers")).contains(c)) {
                    boolean sameAsMain = containers(r).stream().anyMatch(main -> image.equals(main.get("image")));
                    if (!sameAsMain) {
                        problems.add(where, "init container image " + image + " differs from the main container's:"
                                + " give both the same tag");
                    }
                    continue;
                }
                if (r.kind().equals("Deployment")) {
                    deployments.put(app.name(), r);
                    if (!str(c.get("name")).equals(app.name())) {
                        problems.add(where, "container name must be the service name " + app.name());
                    }
                }
                int port = env.containsKey("SERVER_PORT") && env.get("SERVER_PORT").value() != null
                        ? parseInt(env.get("SERVER_PORT").value()) : app.defaultPort();
                checkProbes(problems, where, app, c, port);
                Map<String, Object> annotations = map(at(r.doc(), "spec", "template", "metadata", "annotations"));
                if (annotations.containsKey("prometheus.io/port")) {
                    checkPort(problems, where + " annotation prometheus.io/port", app,
                            parseInt(str(annotations.get("prometheus.io/port"))), port);
                }
                if (annotations.containsKey("prometheus.io/path")) {
                    checkPath(problems, where + " annotation prometheus.io/path", app,
                            str(annotations.get("prometheus.io/path")));
                }
                Map<String, Object> limits = map(at(c, "resources", "limits"));
                Map<String, Object> requests = map(at(c, "resources", "requests"));
                if (!limits.containsKey("memory") || !requests.containsKey("memory") || !requests.containsKey("cpu")) {
                    problems.add(where, "resources need requests.cpu, requests.memory and limits.memory");
                }
                if (app.name().equals(INGEST)) {
                    EnvVar host = env.get("INGEST_ADVERTISED_HOST");
                    if (host == null || !host.source().contains("status.podIP")) {
                        problems.add(where, "INGEST_ADVERTISED_HOST must come from the downward API (status.podIP):"
                                + " other instances call this one there");
                    }
                }
                if (app.name().equals(WORKER)) {
                    String variant = imageVariant(image);
                    Object gpus = limits.get("nvidia.com/gpu");
                    if (variant.equals("gpu")) {
                        gpuWorker = true;
                        if (gpus == null || parseInt(str(gpus)) != 1) {
                            problems.add(where, "the GPU image needs resources.limits nvidia.com/gpu: 1");
                        }
                    } else if (gpus != null) {
                        problems.add(where, "nvidia.com/gpu on the " + variant + " image: use the -gpu image");
                    }
                    Map<String, String> values = new LinkedHashMap<>();
                    env.values().forEach(e -> values.put(e.name(), e.value()));
                    checkDeviceMatchesImage(problems, where, variant, values.get("TTS_DEVICE"));
                    Object tgps = podSpec(r).get("terminationGracePeriodSeconds");
                    Duration grace = Duration.ofSeconds(tgps == null ? 30 : parseInt(str(tgps)));
                    checkWorkerBudgets(problems, where, values, grace, "terminationGracePeriodSeconds");
                    checkModelMount(problems, where, c, values.get("CSM_MODEL_DIR"), r, rendered);
                    checkScaledObject(problems, overlay, rendered, r, c, values);
                }
            }
        }
        for (App app : APPS.values()) {
            if (!deployments.containsKey(app.name())) {
                problems.add(overlay + " (rendered)", "no Deployment runs " + app.name());
            }
        }
        checkSelectors(problems, overlay, rendered);
        checkSecretRefs(problems, overlay, rendered);
        Res ingest = deployments.get(INGEST);
        List<Res> hpas = rendered.stream().filter(r -> r.kind().equals("HorizontalPodAutoscaler")).toList();
        if (ingest != null && map(ingest.doc().get("spec")).containsKey("replicas")) {
            problems.add(overlay + " (rendered): Deployment " + ingest.name(), "sets spec.replicas, which fights the"
                    + " HorizontalPodAutoscaler on every apply: leave it out");
        }
        if (ingest != null && hpas.stream()
                .noneMatch(h -> ingest.name().equals(str(at(h.doc(), "spec", "scaleTargetRef", "name"))))) {
            problems.add(overlay + " (rendered)", "no HorizontalPodAutoscaler targets Deployment " + ingest.name());
        }
        return gpuWorker;
    }

    private void checkProbes(Problems problems, String where, App app, Map<String, Object> c, int port) {
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Map<String, Object> p = map(c.get(probe));
            if (p.isEmpty()) {
                if (!probe.equals("startupProbe")) {
                    problems.add(where, probe + " is missing");
                }
                continue;
            }
            Map<String, Object> get = map(p.get("httpGet"));
            if (get.isEmpty()) {
                problems.add(where, probe + " must be an httpGet on the app's health endpoints");
                continue;
            }
            checkPath(problems, where + " " + probe, app, str(get.get("path")));
            Integer target = containerPort(c, get.get("port"));
            if (target == null) {
                problems.add(where, probe + ".httpGet.port " + get.get("port") + " names no port of the container");
            } else {
                checkPort(problems, where + " " + probe, app, target, port);
            }
        }
        if (!str(at(c, "readinessProbe", "httpGet", "path")).equals("/actuator/health/readiness")) {
            problems.add(where, "readinessProbe must use /actuator/health/readiness (the worker is ready once its"
                    + " model is loaded; ingest once its status table runs)");
        }
    }

    private void checkScaledObject(Problems problems, String overlay, List<Res> rendered, Res deployment,
                                   Map<String, Object> container, Map<String, String> env) {
        List<Res> scaled = rendered.stream().filter(r -> r.kind().equals("ScaledObject")
                && deployment.name().equals(str(at(r.doc(), "spec", "scaleTargetRef", "name")))).toList();
        if (scaled.size() != 1) {
            problems.add(overlay + " (rendered)", scaled.size() + " KEDA ScaledObjects target Deployment "
                    + deployment.name() + "; expected exactly one");
            return;
        }
        Res so = scaled.get(0);
        String where = overlay + " (rendered): ScaledObject " + so.name() + " [" + so.where() + "]";
        Map<String, Object> spec = map(so.doc().get("spec"));
        if (deployment.doc().get("spec") instanceof Map<?, ?> ds && ds.containsKey("replicas")) {
            problems.add(overlay + " (rendered): Deployment " + deployment.name(), "sets spec.replicas, which fights"
                    + " KEDA on every apply: leave it out");
        }
        String envSource = str(at(spec, "scaleTargetRef", "envSourceContainerName"));
        if (!envSource.isEmpty() && !envSource.equals(str(container.get("name")))) {
            problems.add(where, "scaleTargetRef.envSourceContainerName " + envSource + " is not the worker container");
        }
        TopicProperties topicDefaults = new TopicProperties(null, null, null, null);
        WorkerProperties workerDefaults = new WorkerProperties(null, null, null, null, null, null, null, null, null, null, null);
        int partitions = env.get("TTS_REQUEST_PARTITIONS") == null ? topicDefaults.requestPartitions()
                : parseInt(env.get("TTS_REQUEST_PARTITIONS"));
        int max = parseInt(str(spec.getOrDefault("maxReplicaCount", "100")));
        int min = parseInt(str(spec.getOrDefault("minReplicaCount", "0")));
        int slots = env.get("WORKER_SLOTS") == null ? workerDefaults.slots() : parseInt(env.get("WORKER_SLOTS"));
        int prefetch = env.get("WORKER_PREFETCH") == null ? workerDefaults.prefetch()
                : parseInt(env.get("WORKER_PREFETCH"));
        int consumersPerWorker = slots + prefetch;
        if ((long) max * consumersPerWorker > partitions) {
            problems.add(where, "spec.maxReplicaCount " + max + " workers x " + consumersPerWorker
                    + " consumers each (WORKER_SLOTS + WORKER_PREFETCH) exceed the request topics' partitions ("
                    + "TTS_REQUEST_PARTITIONS = " + partitions + "): the extra consumers would sit idle");
        }
        if (min > max) {
            problems.add(where, "spec.minReplicaCount " + min + " > maxReplicaCount " + max);
        }
        Duration longestJob = env.get("WORKER_MAX_JOB_DURATION") == null ? workerDefaults.maxJobDuration()
                : DurationStyle.detectAndParse(env.get("WORKER_MAX_JOB_DURATION"));
        long cooldown = parseInt(str(spec.getOrDefault("cooldownPeriod", "300")));
        if (cooldown <= longestJob.toSeconds()) {
            problems.add(where, "spec.cooldownPeriod " + cooldown + " s is not longer than the longest job"
                    + " (WORKER_MAX_JOB_DURATION, " + secs(longestJob) + ")");
        }
        Object window = at(spec, "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown",
                "stabilizationWindowSeconds");
        if (window == null || parseInt(str(window)) <= longestJob.toSeconds()) {
            problems.add(where, "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown."
                    + "stabilizationWindowSeconds (" + window + ") must be longer than the longest job ("
                    + "WORKER_MAX_JOB_DURATION, " + secs(longestJob) + ")");
        }
        String group = env.get("WORKER_GROUP_ID") == null || env.get("WORKER_GROUP_ID").isBlank()
                ? WorkerProperties.DEFAULT_GROUP_ID : env.get("WORKER_GROUP_ID");
        Set<String> topics = new TreeSet<>();
        List<Object> triggers = list(spec.get("triggers"));
        for (Object t : triggers) {
            Map<String, Object> trigger = map(t);
            Map<String, Object> meta = map(trigger.get("metadata"));
            String tw = where + " trigger " + trigger.getOrDefault("name", triggers.indexOf(t));
            if (!"kafka".equals(trigger.get("type"))) {
                problems.add(tw, "type " + trigger.get("type") + ": the fleet scales on Kafka lag (type kafka)");
                continue;
            }
            String topic = meta.containsKey("topicFromEnv") ? env.get(str(meta.get("topicFromEnv")))
                    : str(meta.get("topic"));
            topics.add(topic);
            String g = meta.containsKey("consumerGroupFromEnv") ? env.get(str(meta.get("consumerGroupFromEnv")))
                    : str(meta.get("consumerGroup"));
            // Each request topic has its own group: interactive requests <group>-interactive, bulk <group>.
            String expected = Topics.REQUESTS_INTERACTIVE.equals(topic) ? WorkerProperties.interactiveGroupId(group)
                    : group;
            if (!expected.equals(g)) {
                problems.add(tw, "consumer group '" + g + "' is not the workers' '" + expected + "' for " + topic
                        + " (WORKER_GROUP_ID / WorkerProperties.DEFAULT_GROUP_ID)");
            }
            if (meta.containsKey("bootstrapServersFromEnv")) {
                if (env.get(str(meta.get("bootstrapServersFromEnv"))) == null) {
                    problems.add(tw, "bootstrapServersFromEnv " + meta.get("bootstrapServersFromEnv")
                            + " is not set in the worker container");
                }
            } else if (!str(meta.get("bootstrapServers")).equals(env.get("KAFKA_BOOTSTRAP_SERVERS"))) {
                problems.add(tw, "bootstrapServers '" + meta.get("bootstrapServers") + "' differs from the workers'"
                        + " KAFKA_BOOTSTRAP_SERVERS '" + env.get("KAFKA_BOOTSTRAP_SERVERS") + "'");
            }
            if (!str(meta.get("lagThreshold")).matches("[1-9][0-9]*")) {
                problems.add(tw, "lagThreshold must be a positive integer, was " + meta.get("lagThreshold"));
            }
            String activation = str(meta.get("activationLagThreshold"));
            if (!activation.matches("[0-9]+")) {
                problems.add(tw, "activationLagThreshold must be set (a non-negative integer)");
            } else if (min == 0 && !activation.equals("0")) {
                problems.add(tw, "with minReplicaCount 0 an activationLagThreshold above 0 can leave a lone job"
                        + " unserved");
            }
            if (meta.containsKey("offsetResetPolicy") && !WORKER_OFFSET_RESET.equals(meta.get("offsetResetPolicy"))) {
                problems.add(tw, "offsetResetPolicy " + meta.get("offsetResetPolicy") + " differs from the workers' "
                        + WORKER_OFFSET_RESET + " (WorkerConfiguration)");
            }
        }
        Set<String> requestTopics = Topics.all().stream().filter(Topics::isRequestTopic)
                .collect(Collectors.toCollection(TreeSet::new));
        if (!topics.equals(requestTopics)) {
            problems.add(where, "kafka triggers watch " + topics + "; the workers consume " + requestTopics
                    + " (Topics): one trigger per request topic");
        }
    }

    private void checkModelMount(Problems problems, String where, Map<String, Object> c, String modelDir, Res r,
                                 List<Res> rendered) {
        if (modelDir == null || modelDir.isBlank()) {
            return;
        }
        Map<String, Object> mount = list(c.get("volumeMounts")).stream().map(DeploymentManifestsIT::map)
                .filter(m -> modelDir.equals(str(m.get("mountPath")))
                        || modelDir.startsWith(str(m.get("mountPath")) + "/"))
                .findFirst().orElse(null);
        if (mount == null) {
            problems.add(where, "CSM_MODEL_DIR " + modelDir + " is on no volume mount: the bundle is mounted, not"
                    + " baked into the image");
            return;
        }
        if (!Boolean.TRUE.equals(mount.get("readOnly"))) {
            problems.add(where, "the model volume mount " + mount.get("mountPath") + " should be readOnly");
        }
        Map<String, Object> volume = list(podSpec(r).get("volumes")).stream().map(DeploymentManifestsIT::map)
                .filter(v -> str(v.get("name")).equals(str(mount.get("name")))).findFirst().orElse(Map.of());
        String claim = str(at(volume, "persistentVolumeClaim", "claimName"));
        if (!claim.isEmpty() && rendered.stream().noneMatch(x -> x.kind().equals("PersistentVolumeClaim")
                && x.name().equals(claim))) {
            problems.add(where, "the model volume's PersistentVolumeClaim " + claim + " is not part of the overlay");
        }
    }

    private void checkSelectors(Problems problems, String overlay, List<Res> rendered) {
        List<Res> workloads = rendered.stream().filter(r -> !podSpec(r).isEmpty()).toList();
        for (Res r : rendered) {
            Map<String, Object> selector = switch (r.kind()) {
                case "Service" -> map(at(r.doc(), "spec", "selector"));
                case "PodDisruptionBudget" -> map(at(r.doc(), "spec", "selector", "matchLabels"));
                default -> null;
            };
            if (selector == null) {
                continue;
            }
            String where = overlay + " (rendered): " + r.kind() + " " + r.name() + " [" + r.where() + "]";
            List<Res> matched = workloads.stream()
                    .filter(w -> map(at(w.doc(), "spec", "template", "metadata", "labels")).entrySet()
                            .containsAll(selector.entrySet()))
                    .toList();
            if (selector.isEmpty() || matched.isEmpty()) {
                problems.add(where, "selector " + selector + " matches no pod");
                continue;
            }
            if (r.kind().equals("Service")) {
                for (Object p : list(at(r.doc(), "spec", "ports"))) {
                    Object target = map(p).getOrDefault("targetPort", map(p).get("port"));
                    for (Res w : matched) {
                        boolean found = containers(w).stream().anyMatch(c -> containerPort(c, target) != null);
                        if (!found) {
                            problems.add(where, "targetPort " + target + " is no container port of " + w.kind() + " "
                                    + w.name());
                        }
                    }
                }
            }
        }
    }

    private void checkSecretRefs(Problems problems, String overlay, List<Res> rendered) {
        // Keys a Secret must have: from the rendered Secret, or (production creates it out of band) from the
        // placeholder in the base, which documents its keys.
        Map<String, Set<String>> secretKeys = new LinkedHashMap<>();
        for (Path f : yamlFiles(ROOT.resolve("k8s"))) {
            for (Object doc : loadAll(f)) {
                Map<String, Object> d = map(doc);
                if ("Secret".equals(d.get("kind")) && !d.containsKey("$patch")) {
                    Set<String> keys = secretKeys.computeIfAbsent(str(at(d, "metadata", "name")), k -> new TreeSet<>());
                    keys.addAll(map(d.get("stringData")).keySet());
                    keys.addAll(map(d.get("data")).keySet());
                }
            }
        }
        for (Res r : rendered) {
            for (Map<String, Object> c : allContainers(r)) {
                for (Object e : list(c.get("env"))) {
                    Map<String, Object> ref = map(at(e, "valueFrom", "secretKeyRef"));
                    if (ref.isEmpty() || str(ref.get("name")).equals("hf-token")) {
                        continue;
                    }
                    Set<String> keys = secretKeys.get(str(ref.get("name")));
                    if (keys == null || !keys.contains(str(ref.get("key")))) {
                        problems.add(overlay + " (rendered): " + r.kind() + " " + r.name() + " [" + r.where() + "]",
                                "env " + map(e).get("name") + " reads key " + ref.get("key") + " of Secret "
                                        + ref.get("name") + ", which k8s/base/secret.yaml does not document");
                    }
                }
            }
        }
    }

    private Map<String, EnvVar> effectiveEnv(Problems problems, String where, Map<String, Object> c,
                                             List<Res> rendered) {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        for (Object from : list(c.get("envFrom"))) {
            String cm = str(at(from, "configMapRef", "name"));
            String secret = str(at(from, "secretRef", "name"));
            String kind = cm.isEmpty() ? "Secret" : "ConfigMap";
            String name = cm.isEmpty() ? secret : cm;
            Res source = rendered.stream().filter(r -> r.kind().equals(kind) && r.name().equals(name)).findFirst()
                    .orElse(null);
            if (source == null) {
                problems.add(where, "envFrom " + kind + " " + name + " is not part of the overlay");
                continue;
            }
            Map<String, Object> data = new LinkedHashMap<>(map(source.doc().get("data")));
            data.putAll(map(source.doc().get("stringData")));
            data.forEach((k, v) -> env.put(k, new EnvVar(k, str(v), kind + " " + name + ", "
                    + source.keyOrigins().getOrDefault(k, source.where()))));
        }
        for (Object e : list(c.get("env"))) {
            Map<String, Object> var = map(e);
            String name = str(var.get("name"));
            if (var.containsKey("valueFrom")) {
                Map<String, Object> field = map(at(var, "valueFrom", "fieldRef"));
                String source = field.isEmpty() ? "valueFrom " + map(var.get("valueFrom")).keySet()
                        : "fieldRef " + field.get("fieldPath");
                env.put(name, new EnvVar(name, null, source));
            } else {
                env.put(name, new EnvVar(name, str(var.get("value")), "env"));
            }
        }
        return env;
    }

    // ------------------------------------------------------------------------------------------------ shared checks

    /** Worker budgets: the job in hand can finish, Spring's shutdown phase outlasts the drain, the platform waits. */
    private void checkWorkerBudgets(Problems problems, String where, Map<String, String> env, Duration platformGrace,
                                    String platformKey) {
        WorkerProperties defaults = new WorkerProperties(null, null, null, null, null, null, null, null, null, null, null);
        App worker = APPS.get(WORKER);
        Duration longest = duration(env, "WORKER_MAX_JOB_DURATION", defaults.maxJobDuration());
        Duration grace = duration(env, "WORKER_SHUTDOWN_GRACE", defaults.shutdownGrace());
        Duration phase = duration(env, "WORKER_SHUTDOWN_PHASE_TIMEOUT",
                DurationStyle.detectAndParse(worker.placeholderDefaults().get("WORKER_SHUTDOWN_PHASE_TIMEOUT")));
        if (grace.compareTo(longest) < 0) {
            problems.add(where, "WORKER_SHUTDOWN_GRACE (" + secs(grace) + ") is shorter than the longest job"
                    + " (WORKER_MAX_JOB_DURATION, " + secs(longest) + "): a stopping worker would abandon long jobs");
        }
        if (phase.compareTo(grace.plusSeconds(30)) < 0) {
            problems.add(where, "WORKER_SHUTDOWN_PHASE_TIMEOUT (" + secs(phase) + ") must exceed"
                    + " WORKER_SHUTDOWN_GRACE (" + secs(grace) + ") by 30 s");
        }
        if (platformGrace.compareTo(grace.plusSeconds(60)) < 0 || platformGrace.compareTo(phase) <= 0) {
            problems.add(where, platformKey + " (" + secs(platformGrace) + ") must exceed WORKER_SHUTDOWN_GRACE ("
                    + secs(grace) + ") by 60 s, and WORKER_SHUTDOWN_PHASE_TIMEOUT (" + secs(phase) + ")");
        }
    }

    private static void checkDeviceMatchesImage(Problems problems, String where, String variant, String device) {
        if (variant.equals("gpu") && device != null && !device.equals("cuda") && !device.equals("auto")) {
            problems.add(where, "TTS_DEVICE " + device + " on the GPU image");
        }
        if (variant.equals("cpu") && "cuda".equals(device)) {
            problems.add(where, "TTS_DEVICE cuda on the CPU image");
        }
    }

    private static void checkPort(Problems problems, String where, App app, int port, int expected) {
        if (port != expected) {
            problems.add(where, "port " + port + " is not " + app.name() + "'s port " + expected
                    + " (SERVER_PORT, or server.port in " + app.name() + ".yml)");
        }
    }

    private static void checkPath(Problems problems, String where, App app, String path) {
        if (!app.endpoints().contains(path)) {
            problems.add(where, "path " + path + " is not served by " + app.name() + "; it serves "
                    + new TreeSet<>(app.endpoints()));
        }
    }

    private void checkImageAgainstStage(Problems problems, String where, String image, Stage stage, String dockerfile) {
        String repo = stage.labels().get(REPO_LABEL);
        if (repo == null) {
            problems.add(where, "stage " + stage.name() + " of " + dockerfile + " has no LABEL " + REPO_LABEL);
            return;
        }
        if (!repoOf(image).equals(repo)) {
            problems.add(where, image + " is not " + repo + " (LABEL of stage " + stage.name() + " in " + dockerfile
                    + ")");
        }
        String variant = stage.labels().get(VARIANT_LABEL);
        if (variant != null && !tagOf(image).endsWith("-" + variant)) {
            problems.add(where, image + ": stage " + stage.name() + " builds the " + variant + " variant: tag *-"
                    + variant);
        }
    }

    // ------------------------------------------------------------------------------------------------ the apps

    private record AppSpec(String name, Class<?> application, List<String> modules) {
    }

    /**
     * What one service reads and serves, derived from its code.
     *
     * @param placeholderDefaults {@code ${NAME:default}} placeholders of its yml
     * @param properties          relaxed-binding names of its {@code @ConfigurationProperties}
     * @param getenv              names its modules read with {@code System.getenv}
     */
    private record App(String name, int defaultPort, Map<String, String> placeholderDefaults, Set<String> properties,
                       Set<String> getenv, Set<String> endpoints) {

        /** Null when the service reads {@code env}, else why not. */
        String unknownEnv(String env) {
            if (placeholderDefaults.containsKey(env) || getenv.contains(env)
                    || PLATFORM_ENV.getOrDefault(name, Set.of()).contains(env)) {
                return null;
            }
            // Spring's own relaxed binding decides whether the variable reaches one of the properties.
            PropertySource<?> source = new SystemEnvironmentPropertySource(
                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.<String, Object>of(env, "x"));
            List<PropertySource<?>> sources = List.of(source);
            for (ConfigurationPropertySource cps : ConfigurationPropertySources.from(sources)) {
                for (String property : properties) {
                    if (cps.getConfigurationProperty(ConfigurationPropertyName.of(property)) != null) {
                        return null;
                    }
                }
            }
            return "read by no code of " + name + " (not a placeholder of " + name + ".yml, not bound to any of its"
                    + " @ConfigurationProperties, not read with System.getenv)";
        }
    }

    private static App describe(AppSpec spec) {
        String ymlText = resourceText("/" + spec.name() + ".yml");
        Map<String, String> placeholders = new LinkedHashMap<>();
        Matcher m = PLACEHOLDER.matcher(ymlText);
        while (m.find()) {
            placeholders.put(m.group(1), m.group(2) == null ? "" : m.group(2));
        }
        int port = Integer.parseInt(Objects.requireNonNull(placeholders.get("SERVER_PORT"),
                spec.name() + ".yml must set server.port from ${SERVER_PORT:<port>}"));
        Set<String> properties = new TreeSet<>();
        for (Class<?> props : configurationPropertiesOf(spec.application())) {
            ConfigurationProperties cp = AnnotatedElementUtils.findMergedAnnotation(props,
                    ConfigurationProperties.class);
            String prefix = cp.prefix().isEmpty() ? cp.value() : cp.prefix();
            if (props.isRecord()) {
                for (RecordComponent rc : props.getRecordComponents()) {
                    properties.add(prefix + "." + kebab(rc.getName()));
                }
            } else {
                for (Method setter : props.getMethods()) {
                    if (setter.getName().startsWith("set") && setter.getParameterCount() == 1) {
                        String property = setter.getName().substring(3);
                        properties.add(prefix + "." + kebab(Character.toLowerCase(property.charAt(0))
                                + property.substring(1)));
                    }
                }
            }
        }
        Set<String> getenv = new TreeSet<>();
        for (String module : spec.modules()) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            assertThat(src).as("sources of module " + module).isDirectory();
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher g = GETENV.matcher(Files.readString(f));
                    while (g.find()) {
                        getenv.add(g.group(1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new App(spec.name(), port, placeholders, properties, getenv, endpoints(spec, ymlText));
    }

    /** The {@code @ConfigurationProperties} classes an application enables, following {@code @Import}s. */
    private static Set<Class<?>> configurationPropertiesOf(Class<?> application) {
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(application);
        todo.addAll(scan(application.getPackageName(), Configuration.class));
        Set<Class<?>> seen = new HashSet<>();
        Set<Class<?>> result = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            if (!seen.add(c)) {
                continue;
            }
            for (Import imp : AnnotatedElementUtils.findAllMergedAnnotations(c, Import.class)) {
                todo.addAll(Arrays.asList(imp.value()));
            }
            for (EnableConfigurationProperties enable : AnnotatedElementUtils.findAllMergedAnnotations(c,
                    EnableConfigurationProperties.class)) {
                result.addAll(Arrays.asList(enable.value()));
            }
        }
        assertThat(result).as("@ConfigurationProperties enabled by " + application.getSimpleName()).isNotEmpty();
        return result;
    }

    /** Literal GET paths of the app's controllers, plus the actuator endpoints its yml exposes. */
    private static Set<String> endpoints(AppSpec spec, String ymlText) {
        Set<String> paths = new TreeSet<>();
        for (Class<?> controller : scan(spec.application().getPackageName(), RestController.class)) {
            RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(controller, RequestMapping.class);
            List<String> prefixes = base == null || base.path().length == 0 ? List.of("") : List.of(base.path());
            for (Method method : controller.getDeclaredMethods()) {
                // @GetMapping is a @RequestMapping(method = GET): the merged annotation covers both.
                RequestMapping rm = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (rm == null || (rm.method().length > 0 && !Arrays.asList(rm.method()).contains(RequestMethod.GET))) {
                    continue;
                }
                List<String> suffixes = rm.path().length == 0 ? List.of("") : List.of(rm.path());
                for (String prefix : prefixes) {
                    for (String suffix : suffixes) {
                        String path = prefix + suffix;
                        if (!path.contains("{") && !path.contains("*")) {
                            paths.add(path);
                        }
                    }
                }
            }
        }
        Map<String, Object> yml = map(new Yaml().load(ymlText));
        String basePath = str(at(yml, "management", "endpoints", "web", "base-path"));
        basePath = basePath.isEmpty() ? "/actuator" : basePath;
        Object include = at(yml, "management", "endpoints", "web", "exposure", "include");
        Set<String> exposed = (include instanceof List<?> l ? l.stream().map(String::valueOf)
                : Arrays.stream(str(include).split(","))).map(String::trim).collect(Collectors.toSet());
        if (exposed.contains("health") || exposed.contains("*")) {
            paths.add(basePath + "/health");
            if (Boolean.TRUE.equals(at(yml, "management", "endpoint", "health", "probes", "enabled"))) {
                paths.add(basePath + "/health/liveness");
                paths.add(basePath + "/health/readiness");
            }
        }
        if ((exposed.contains("prometheus") || exposed.contains("*"))
                && classPresent("io.micrometer.prometheusmetrics.PrometheusMeterRegistry")) {
            paths.add(basePath + "/prometheus");
        }
        return paths;
    }

    private static List<Class<?>> scan(String pkg, Class<? extends java.lang.annotation.Annotation> annotation) {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(annotation));
        List<Class<?>> classes = new ArrayList<>();
        for (BeanDefinition bd : scanner.findCandidateComponents(pkg)) {
            try {
                classes.add(Class.forName(bd.getBeanClassName()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return classes;
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, DeploymentManifestsIT.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------------------------------------ Dockerfiles

    private static final String REPO_LABEL = "dev.csmpipeline.image.repository";
    private static final String VARIANT_LABEL = "dev.csmpipeline.image.variant";

    private record Stage(String name, String from, Map<String, String> labels, Map<String, String> env, String user,
                         Set<Integer> exposes, String healthcheck, String runs) {
    }

    private record Dockerfile(List<Stage> stages) {

        Stage stage(String name) {
            return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        }

        Stage last() {
            return stages.get(stages.size() - 1);
        }

        static Dockerfile parse(Path file) {
            List<String> lines = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String raw : readLines(file)) {
                String line = raw.strip();
                if (current.isEmpty() && (line.startsWith("#") || line.isEmpty())) {
                    continue;
                }
                if (line.startsWith("#")) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    current.append(line, 0, line.length() - 1).append(' ');
                } else {
                    lines.add(current.append(line).toString());
                    current.setLength(0);
                }
            }
            Map<String, String> args = new LinkedHashMap<>();
            List<Stage> stages = new ArrayList<>();
            Stage stage = null;
            Pattern kv = Pattern.compile("([A-Za-z_][\\w.\\-]*)=(\"[^\"]*\"|\\S+)");
            for (String line : lines) {
                String[] parts = line.split("\\s+", 2);
                String op = parts[0].toUpperCase(Locale.ROOT);
                String rest = parts.length > 1 ? parts[1] : "";
                if (op.equals("ARG") && stage == null) {
                    Matcher m = kv.matcher(rest);
                    if (m.find()) {
                        args.put(m.group(1), unquote(m.group(2)));
                    }
                } else if (op.equals("FROM")) {
                    String[] f = rest.split("\\s+");
                    String from = f[0];
                    for (Map.Entry<String, String> a : args.entrySet()) {
                        from = from.replace("${" + a.getKey() + "}", a.getValue());
                    }
                    String name = f.length >= 3 && f[1].equalsIgnoreCase("AS") ? f[2] : "stage" + stages.size();
                    stage = new Stage(name, from, new LinkedHashMap<>(), new LinkedHashMap<>(), null,
                            new LinkedHashSet<>(), null, "");
                    stages.add(stage);
                } else if (stage != null) {
                    Stage s = stage;
                    switch (op) {
                        case "LABEL" -> collect(kv, rest, s.labels());
                        case "ENV" -> collect(kv, rest, s.env());
                        case "EXPOSE" -> Arrays.stream(rest.split("\\s+"))
                                .forEach(p -> s.exposes().add(Integer.parseInt(p.replaceAll("/.*", ""))));
                        case "USER" -> stage = new Stage(s.name(), s.from(), s.labels(), s.env(), rest.trim(),
                                s.exposes(), s.healthcheck(), s.runs());
                        case "HEALTHCHECK" -> stage = new Stage(s.name(), s.from(), s.labels(), s.env(), s.user(),
                                s.exposes(), rest, s.runs());
                        case "RUN" -> stage = new Stage(s.name(), s.from(), s.labels(), s.env(), s.user(),
                                s.exposes(), s.healthcheck(), s.runs() + "\n" + rest);
                        default -> {
                        }
                    }
                    stages.set(stages.size() - 1, stage);
                }
            }
            return new Dockerfile(stages);
        }

        private static void collect(Pattern kv, String rest, Map<String, String> into) {
            Matcher m = kv.matcher(rest);
            while (m.find()) {
                into.put(m.group(1), unquote(m.group(2)));
            }
        }

        private static String unquote(String s) {
            return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
        }
    }

    private static String dockerfileRepository(App app) {
        return Dockerfile.parse(ROOT.resolve(app.name()).resolve("Dockerfile")).stages().stream()
                .map(s -> s.labels().get(REPO_LABEL)).filter(Objects::nonNull).findFirst()
                .orElse(IMAGE_PREFIX + app.name());
    }

    // ------------------------------------------------------------------------------------------------ compose helpers

    /** repository -> tag of every image docker-compose.yml builds (the worker's is its -gpu tag). */
    private static Map<String, String> composeImageTags() {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Object svc : map(map(loadOne(ROOT.resolve("docker-compose.yml"))).get("services")).values()) {
            String image = str(map(svc).get("image"));
            if (repoOf(image).startsWith(IMAGE_PREFIX)) {
                tags.put(repoOf(image), tagOf(image));
            }
        }
        return tags;
    }

    private static Map<String, String> composeEnv(Object environment) {
        Map<String, String> env = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : interpolate(String.valueOf(v))));
        } else {
            for (Object item : list(environment)) {
                String s = String.valueOf(item);
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : interpolate(s.substring(eq + 1)));
            }
        }
        return env;
    }

    /** Compose interpolation with no variable set on the host: each ${VAR...} takes its default. */
    private static String interpolate(String value) {
        Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(2) != null && m.group(2).endsWith("-") ? m.group(3) : "";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString().replace("$$", "$");
    }

    private static Duration composeDuration(String s) {
        Matcher m = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?").matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a compose duration: " + s);
        }
        Function<Integer, Long> g = i -> m.group(i) == null ? 0L : Long.parseLong(m.group(i));
        return Duration.ofHours(g.apply(1)).plusMinutes(g.apply(2)).plusSeconds(g.apply(3)).plusMillis(g.apply(4));
    }

    private static List<Object> gpuDevices(Map<String, Object> service) {
        Object devices = at(service, "deploy", "resources", "reservations", "devices");
        return devices instanceof Tagged ? List.of() : list(devices);
    }

    /** Merges a compose override into a service the way compose does: maps merge, sequences append, !reset clears. */
    private static Object composeMerge(Object base, Object override) {
        if (override instanceof Tagged t) {
            return t.tag().equals("!reset") ? t : t.value();
        }
        if (base instanceof Map<?, ?> b && override instanceof Map<?, ?> o) {
            Map<String, Object> merged = new LinkedHashMap<>();
            b.forEach((k, v) -> merged.put(String.valueOf(k), v));
            o.forEach((k, v) -> merged.put(String.valueOf(k), composeMerge(merged.get(String.valueOf(k)), v)));
            return merged;
        }
        if (base instanceof List<?> b && override instanceof List<?> o) {
            List<Object> appended = new ArrayList<>(b);
            appended.addAll(o);
            return appended;
        }
        return override == null ? base : override;
    }

    private static String repoOf(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    private static String tagOf(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }

    private static String imageVariant(String image) {
        String tag = tagOf(image);
        return tag.endsWith("-gpu") ? "gpu" : tag.endsWith("-cpu") ? "cpu" : "";
    }

    // ------------------------------------------------------------------------------------------------ kustomize subset

    /** One rendered object, the files it came from, and (generated ConfigMaps) where each key was set. */
    private record Res(Map<String, Object> doc, Set<String> origins, Map<String, String> keyOrigins) {

        String kind() {
            return str(doc.get("kind"));
        }

        String name() {
            return str(at(doc, "metadata", "name"));
        }

        String where() {
            return String.join(", ", origins);
        }
    }

    /**
     * The part of kustomize the files in k8s/ use: resources (files and directories), components, ConfigMap
     * generators with create/merge/replace, strategic-merge patches (by kind and name, with $patch: delete), images.
     * Anything else in a kustomization is reported, so that this test never silently checks the wrong objects.
     */
    private static final class Kustomize {

        private static final Set<String> KNOWN = Set.of("apiVersion", "kind", "namespace", "labels", "commonLabels",
                "resources", "components", "configMapGenerator", "patches", "patchesStrategicMerge", "images");
        private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
                "env", "name", "volumes", "name", "volumeMounts", "mountPath", "imagePullSecrets", "name",
                "ports", "containerPort");
        private final Problems problems;

        Kustomize(Problems problems) {
            this.problems = problems;
        }

        List<Res> build(Path dir, List<Res> accumulated) {
            Path file = dir.resolve("kustomization.yaml");
            Map<String, Object> k = map(loadOne(file));
            for (String key : k.keySet()) {
                if (!KNOWN.contains(key)) {
                    problems.add(rel(file), "uses '" + key + "', which DeploymentManifestsIT cannot render: extend it");
                }
            }
            List<Res> out = new ArrayList<>(accumulated);
            for (Object r : list(k.get("resources"))) {
                Path p = dir.resolve(str(r)).normalize();
                if (Files.isDirectory(p)) {
                    out.addAll(build(p, List.of()));
                } else {
                    for (Object doc : loadAll(p)) {
                        if (doc != null) {
                            out.add(new Res(map(doc), new LinkedHashSet<>(List.of(rel(p))), new LinkedHashMap<>()));
                        }
                    }
                }
            }
            for (Object c : list(k.get("components"))) {
                out = build(dir.resolve(str(c)).normalize(), out);
            }
            for (Object g : list(k.get("configMapGenerator"))) {
                generate(rel(file), dir, map(g), out);
            }
            List<Object> patches = new ArrayList<>(list(k.get("patches")));
            list(k.get("patchesStrategicMerge")).forEach(p -> patches.add(Map.of("path", p)));
            for (Object p : patches) {
                Map<String, Object> patch = map(p);
                if (patch.containsKey("target")) {
                    problems.add(rel(file), "patch with a target (JSON 6902) is not rendered by DeploymentManifestsIT");
                    continue;
                }
                String origin = patch.containsKey("path") ? rel(dir.resolve(str(patch.get("path")))) : rel(file);
                List<Object> docs = patch.containsKey("path") ? loadAll(dir.resolve(str(patch.get("path"))))
                        : loadAllText(str(patch.get("patch")));
                for (Object d : docs) {
                    if (d != null) {
                        apply(origin, map(d), out);
                    }
                }
            }
            for (Object i : list(k.get("images"))) {
                Map<String, Object> image = map(i);
                for (Res r : out) {
                    for (Map<String, Object> c : allContainers(r)) {
                        String current = str(c.get("image"));
                        if (repoOf(current).equals(str(image.get("name")))) {
                            String repo = image.containsKey("newName") ? str(image.get("newName")) : repoOf(current);
                            String tag = image.containsKey("newTag") ? str(image.get("newTag")) : tagOf(current);
                            c.put("image", repo + ":" + tag);
                        }
                    }
                }
            }
            return out;
        }

        private void generate(String origin, Path dir, Map<String, Object> gen, List<Res> out) {
            String name = str(gen.get("name"));
            String behavior = str(gen.getOrDefault("behavior", "create"));
            Map<String, String> data = new LinkedHashMap<>();
            for (Object literal : list(gen.get("literals"))) {
                String s = str(literal);
                data.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
            }
            for (Object envFile : list(gen.get("envs"))) {
                for (String line : readLines(dir.resolve(str(envFile)))) {
                    if (!line.isBlank() && !line.strip().startsWith("#") && line.contains("=")) {
                        data.put(line.substring(0, line.indexOf('=')).strip(), line.substring(line.indexOf('=') + 1));
                    }
                }
            }
            Res existing = out.stream().filter(r -> r.kind().equals("ConfigMap") && r.name().equals(name)).findFirst()
                    .orElse(null);
            if (behavior.equals("create") && existing != null || !behavior.equals("create") && existing == null) {
                problems.add(origin, "configMapGenerator " + name + " with behavior " + behavior
                        + (existing == null ? " has no ConfigMap to change" : " already exists"));
                return;
            }
            if (existing == null || behavior.equals("replace")) {
                out.remove(existing);
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("apiVersion", "v1");
                doc.put("kind", "ConfigMap");
                doc.put("metadata", new LinkedHashMap<>(Map.of("name", name)));
                doc.put("data", new LinkedHashMap<>(data));
                Map<String, String> keyOrigins = new LinkedHashMap<>();
                data.keySet().forEach(key -> keyOrigins.put(key, origin));
                out.add(new Res(doc, new LinkedHashSet<>(List.of(origin)), keyOrigins));
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> target = (Map<String, Object>) existing.doc().computeIfAbsent("data",
                        x -> new LinkedHashMap<String, Object>());
                target.putAll(data);
                data.keySet().forEach(key -> existing.keyOrigins().put(key, origin));
                existing.origins().add(origin);
            }
        }

        private void apply(String origin, Map<String, Object> patch, List<Res> out) {
            String kind = str(patch.get("kind"));
            String name = str(at(patch, "metadata", "name"));
            Res target = out.stream().filter(r -> r.kind().equals(kind) && r.name().equals(name)).findFirst()
                    .orElse(null);
            if (target == null) {
                problems.add(origin, "patches " + kind + " " + name + ", which the kustomization does not contain");
                return;
            }
            if ("delete".equals(patch.get("$patch"))) {
                out.remove(target);
                return;
            }
            boolean builtin = !str(patch.get("apiVersion")).contains(".");
            merge(target.doc(), patch, builtin);
            target.origins().add(origin);
        }

        @SuppressWarnings("unchecked")
        private static void merge(Map<String, Object> base, Map<String, Object> patch, boolean builtin) {
            for (Map.Entry<String, Object> e : patch.entrySet()) {
                Object current = base.get(e.getKey());
                Object value = e.getValue();
                if (value == null) {
                    base.remove(e.getKey());
                } else if (current instanceof Map<?, ?> cm && value instanceof Map<?, ?> vm) {
                    merge((Map<String, Object>) cm, (Map<String, Object>) vm, builtin);
                } else if (builtin && current instanceof List<?> cl && value instanceof List<?> vl
                        && MERGE_KEYS.containsKey(e.getKey())) {
                    base.put(e.getKey(), mergeList((List<Object>) cl, (List<Object>) vl, MERGE_KEYS.get(e.getKey())));
                } else {
                    base.put(e.getKey(), deepCopy(value));
                }
            }
        }

        @SuppressWarnings("unchecked")
        private static List<Object> mergeList(List<Object> base, List<Object> patch, String key) {
            List<Object> out = new ArrayList<>(base);
            for (Object p : patch) {
                Map<String, Object> pm = map(p);
                String id = str(pm.containsKey(key) ? pm.get(key) : pm.get("port"));
                Map<String, Object> existing = out.stream().map(DeploymentManifestsIT::map)
                        .filter(m -> str(m.containsKey(key) ? m.get(key) : m.get("port")).equals(id))
                        .findFirst().orElse(null);
                if ("delete".equals(pm.get("$patch"))) {
                    out.remove(existing);
                } else if (existing != null) {
                    merge(existing, pm, true);
                } else {
                    out.add(deepCopy(p));
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        private static <T> T deepCopy(T value) {
            if (value instanceof Map<?, ?> m) {
                Map<String, Object> copy = new LinkedHashMap<>();
                m.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
                return (T) copy;
            }
            if (value instanceof List<?> l) {
                List<Object> copy = new ArrayList<>();
                l.forEach(v -> copy.add(deepCopy(v)));
                return (T) copy;
            }
            return value;
        }
    }

    private static Map<String, Object> podSpec(Res r) {
        return switch (r.kind()) {
            case "Deployment", "StatefulSet", "DaemonSet", "Job" -> map(at(r.doc(), "spec", "template", "spec"));
            case "CronJob" -> map(at(r.doc(), "spec", "jobTemplate", "spec", "template", "spec"));
            default -> Map.of();
        };
    }

    private static List<Map<String, Object>> containers(Res r) {
        return list(podSpec(r).get("containers")).stream().map(DeploymentManifestsIT::map).toList();
    }

    private static List<Map<String, Object>> allContainers(Res r) {
        return Stream.concat(list(podSpec(r).get("initContainers")).stream(),
                        list(podSpec(r).get("containers")).stream())
                .map(DeploymentManifestsIT::map).toList();
    }

    /** The container port a probe or Service names (number or port name), or null. */
    private static Integer containerPort(Map<String, Object> c, Object port) {
        for (Object p : list(c.get("ports"))) {
            Map<String, Object> pm = map(p);
            if (str(port).equals(str(pm.get("name"))) || str(port).equals(str(pm.get("containerPort")))) {
                return parseInt(str(pm.get("containerPort")));
            }
        }
        return null;
    }

    private record EnvVar(String name, String value, String source) {
    }

    // ------------------------------------------------------------------------------------------------ YAML and files

    /** A value with a YAML tag SnakeYAML does not know (compose's !reset, !override). */
    private record Tagged(String tag, Object value) {
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new ComposeTagsConstructor(options));
    }

    private static final class ComposeTagsConstructor extends SafeConstructor {
        ComposeTagsConstructor(LoaderOptions options) {
            super(options);
            this.yamlConstructors.put(null, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    Object value;
                    if (node instanceof ScalarNode s) {
                        value = constructScalar(s);
                    } else if (node instanceof SequenceNode q) {
                        value = constructSequence(q);
                    } else {
                        value = constructMapping((MappingNode) node);
                    }
                    return new Tagged(node.getTag().getValue(), value);
                }
            });
        }
    }

    private static Object loadOne(Path file) {
        return yaml().load(readText(file));
    }

    private static List<Object> loadAll(Path file) {
        try {
            return loadAllText(readText(file));
        } catch (RuntimeException e) {
            throw new IllegalStateException(rel(file) + ": " + e.getMessage(), e);
        }
    }

    private static List<Object> loadAllText(String text) {
        List<Object> docs = new ArrayList<>();
        yaml().loadAll(text).forEach(docs::add);
        return docs;
    }

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> readLines(Path file) {
        return readText(file).lines().toList();
    }

    private static String resourceText(String name) {
        try (InputStream in = DeploymentManifestsIT.class.getResourceAsStream(name)) {
            assertThat(in).as("classpath resource " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("k8s")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root (mvnw and k8s/) above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    private static String rel(Path p) {
        return ROOT.relativize(p.toAbsolutePath().normalize()).toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> ? (List<Object>) o : List.of();
    }

    private static Object at(Object root, String... path) {
        Object o = root;
        for (String key : path) {
            o = map(o).get(key);
        }
        return o;
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.trim().replaceAll("^\"|\"$", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String secs(Duration d) {
        return d.toSeconds() + " s";
    }

    private static Duration duration(Map<String, String> env, String name, Duration fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : DurationStyle.detectAndParse(value);
    }

    /** Collects every problem, then fails once listing them all (file and key first). */
    private static final class Problems {
        private final List<String> items = new ArrayList<>();

        void add(String where, String what) {
            items.add(where + ": " + what);
        }

        void assertNone() {
            assertThat(items).as("deployment files disagree with the code:\n  " + String.join("\n  ", items)).isEmpty();
        }
    }
}

package dev.csmpipeline.it.deploy;

import static dev.csmpipeline.it.deploy.Facts.APPS;
import static dev.csmpipeline.it.deploy.Facts.IMAGE_PREFIX;
import static dev.csmpipeline.it.deploy.Facts.INGEST;
import static dev.csmpipeline.it.deploy.Facts.ROOT;
import static dev.csmpipeline.it.deploy.Facts.WORKER;
import static dev.csmpipeline.it.deploy.Facts.at;
import static dev.csmpipeline.it.deploy.Facts.checkDeviceMatchesImage;
import static dev.csmpipeline.it.deploy.Facts.checkPath;
import static dev.csmpipeline.it.deploy.Facts.checkPort;
import static dev.csmpipeline.it.deploy.Facts.checkWorkerBudgets;
import static dev.csmpipeline.it.deploy.Facts.imageVariant;
import static dev.csmpipeline.it.deploy.Facts.list;
import static dev.csmpipeline.it.deploy.Facts.map;
import static dev.csmpipeline.it.deploy.Facts.parseInt;
import static dev.csmpipeline.it.deploy.Facts.rel;
import static dev.csmpipeline.it.deploy.Facts.repoOf;
import static dev.csmpipeline.it.deploy.Facts.secs;
import static dev.csmpipeline.it.deploy.Facts.str;
import static dev.csmpipeline.it.deploy.Facts.tagOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.deploy.Facts.App;
import dev.csmpipeline.it.deploy.Facts.Problems;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.TopicProperties;
import dev.csmpipeline.worker.WorkerProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.convert.DurationStyle;

/**
 * The Kubernetes files (k8s/) as {@code kubectl apply -k} would apply them: each overlay rendered by kustomize's API
 * (v0.21.2) and every object strictly decoded into client-go's types (the worker's ScaledObject checked against
 * KEDA's published CRD schema), the render cross-checked (namespaces, selectors, named ports, ConfigMap, Secret and
 * PVC references: {@code tools/deploy-check}), then checked against the code: every environment variable is one the
 * service reads, probes name paths the app serves on its port, images are the ones compose builds, the worker's
 * grace periods cover its longest job, and the KEDA triggers name the real topics and consumer groups.
 */
class KubernetesManifestsIT {

    /** The namespace docs/DEPLOY.md and the overlays' addresses assume. */
    private static final String NAMESPACE = "csm-pipeline";
    /** What the workers' consumers do without a committed offset (WorkerConfiguration: auto.offset.reset). */
    private static final String WORKER_OFFSET_RESET = "earliest";
    /**
     * Objects the renders refer to that other steps create (docs/DEPLOY.md): the real Secret of gpu-prod
     * (k8s/base/secret.yaml documents its keys), the Hugging Face token, and the model volume of k8s/jobs, which
     * the gpu-prod overlay creates.
     */
    private static final Map<String, List<String>> EXTERNAL = Map.of(
            "overlays/cpu-dev", List.of(),
            "overlays/gpu-prod", List.of("Secret/csm-secrets"),
            "jobs", List.of("Secret/hf-token", "PersistentVolumeClaim/csm-model"));

    @Test
    void everyKustomizationRendersAndItsObjectsHoldTogether() {
        Problems problems = new Problems();
        Map<String, List<Object>> secretKeys = documentedSecretKeys();
        for (Map.Entry<String, List<String>> e : EXTERNAL.entrySet()) {
            Map<String, Object> report = render(e.getKey(), e.getValue());
            for (Object p : list(report.get("problems"))) {
                problems.add("k8s/" + e.getKey() + " (rendered)", str(p));
            }
            for (Object o : list(report.get("objects"))) {
                Res r = new Res(map(o));
                String ns = str(at(r.doc(), "metadata", "namespace"));
                if (!r.kind().equals("Namespace") && !ns.equals(NAMESPACE)) {
                    problems.add("k8s/" + e.getKey() + " (rendered): " + r.where(), "namespace '" + ns + "', not "
                            + NAMESPACE + " (the namespace docs/DEPLOY.md and the in-cluster addresses use)");
                }
            }
            // A Secret created out of band needs the keys the placeholder in the base documents.
            map(report.get("external")).forEach((id, keys) -> {
                if (id.startsWith("Secret/") && secretKeys.containsKey(id)) {
                    for (Object key : list(keys)) {
                        if (!secretKeys.get(id).contains(key)) {
                            problems.add("k8s/" + e.getKey() + " (rendered)", "reads key " + key + " of " + id
                                    + ", which k8s/base/secret.yaml does not document");
                        }
                    }
                }
            });
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
                .containsExactlyInAnyOrder("cpu-dev", "gpu-prod");
        Map<String, String> composeTags = ComposeFilesIT.imageTags();
        boolean anyGpuWorker = false;
        for (Path overlay : overlays) {
            String name = "overlays/" + overlay.getFileName();
            List<Res> rendered = objects(render(name, EXTERNAL.get(name)));
            anyGpuWorker |= checkOverlay(problems, rel(overlay), rendered, composeTags);
        }
        if (!anyGpuWorker) {
            problems.add("k8s/overlays", "no overlay runs the GPU worker with an nvidia.com/gpu limit");
        }
        // The export Job: its image is the exporter's, and tags agree with compose.
        for (Res r : objects(render("jobs", EXTERNAL.get("jobs")))) {
            for (Map<String, Object> c : containers(r)) {
                String image = str(c.get("image"));
                String expected = composeTags.get(repoOf(image));
                if (expected == null || !expected.equals(tagOf(image))) {
                    problems.add("k8s/jobs (rendered): " + r.where(), "image " + image + " is not the one"
                            + " docker-compose.yml builds (" + repoOf(image) + ":" + expected + ")");
                }
            }
        }
        problems.assertNone();
    }

    // ---------------------------------------------------------------- the checks above can fail: broken copies

    @Test
    void anOverlayWithoutANamespaceLeavesItsOwnObjectsInTheCallersNamespace(@TempDir Path copy) throws IOException {
        Path k8s = copyOfK8s(copy);
        edit(k8s.resolve("overlays/cpu-dev/kustomization.yaml"), "\nnamespace: csm-pipeline\n", "\n");
        List<String> problems = problemsOf(DeployCheck.kustomize(k8s.resolve("overlays/cpu-dev")));
        assertThat(problems).anyMatch(p -> p.startsWith("Service kafka: has no namespace"))
                .anyMatch(p -> p.startsWith("Job minio-bucket: container mc envFrom names ConfigMap csm-common,"
                        + " which is not part of the render"))
                .anyMatch(p -> p.contains("addresses kafka.csm-pipeline.svc.cluster.local:9092, but the render has no"
                        + " Service kafka in namespace csm-pipeline"));
    }

    @Test
    void aScaledObjectKedaWouldRejectIsReported(@TempDir Path copy) throws IOException {
        Path k8s = copyOfK8s(copy);
        edit(k8s.resolve("overlays/gpu-prod/scaling.yaml"), "  maxReplicaCount: 12\n",
                "  maxReplicaCount: 12\n  maxReplicas: 12\n");
        edit(k8s.resolve("overlays/gpu-prod/scaling.yaml"), "  minReplicaCount: 1\n", "  minReplicaCount: 13\n");
        List<String> problems = problemsOf(DeployCheck.kustomize(k8s.resolve("overlays/gpu-prod"),
                "Secret/csm-secrets"));
        assertThat(problems).anyMatch(p -> p.contains("unknown field \"spec.maxReplicas\""))
                .anyMatch(p -> p.contains("minReplicaCount must be less than or equal to maxReplicaCount"));
    }

    @Test
    void aTypoInABuiltInKindAndAServicePortNoPodDeclaresAreReported(@TempDir Path copy) throws IOException {
        Path k8s = copyOfK8s(copy);
        edit(k8s.resolve("overlays/cpu-dev/kafka.yaml"), "            periodSeconds: 10\n",
                "            periodSecond: 10\n");
        edit(k8s.resolve("overlays/cpu-dev/minio.yaml"), "      targetPort: 9001\n", "      targetPort: admin\n");
        List<String> problems = problemsOf(DeployCheck.kustomize(k8s.resolve("overlays/cpu-dev")));
        assertThat(problems).anyMatch(p -> p.startsWith("StatefulSet kafka: rejected by strict decoding")
                        && p.contains("unknown field \"spec.template.spec.containers[0].readinessProbe.periodSecond\""))
                .anyMatch(p -> p.startsWith("Service minio: port console targets admin, which no container of"
                        + " Deployment minio declares"));
    }

    private static Path copyOfK8s(Path into) throws IOException {
        Path source = ROOT.resolve("k8s");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path target = into.resolve("k8s").resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return into.resolve("k8s");
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as(file + " contains the text this test changes").contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private static List<String> problemsOf(Map<String, Object> report) {
        return list(report.get("problems")).stream().map(Facts::str).toList();
    }

    // ---------------------------------------------------------------- renders

    private static Map<String, Object> render(String dir, List<String> external) {
        return DeployCheck.kustomize(ROOT.resolve("k8s").resolve(dir), external.toArray(String[]::new));
    }

    private static List<Res> objects(Map<String, Object> report) {
        return list(report.get("objects")).stream().map(o -> new Res(map(o))).toList();
    }

    /** The keys of each Secret the base's placeholder documents, from its render. */
    private static Map<String, List<Object>> documentedSecretKeys() {
        Map<String, List<Object>> keys = new LinkedHashMap<>();
        for (Res r : objects(DeployCheck.kustomize(ROOT.resolve("k8s/base")))) {
            if (r.kind().equals("Secret")) {
                List<Object> k = new java.util.ArrayList<>(map(r.doc().get("stringData")).keySet());
                k.addAll(map(r.doc().get("data")).keySet());
                keys.put("Secret/" + r.name(), k);
            }
        }
        return keys;
    }

    /** One rendered object. */
    private record Res(Map<String, Object> doc) {

        String kind() {
            return str(doc.get("kind"));
        }

        String name() {
            return str(at(doc, "metadata", "name"));
        }

        String where() {
            return kind() + " " + name();
        }
    }

    /** Returns whether this overlay runs a GPU worker. */
    private static boolean checkOverlay(Problems problems, String overlay, List<Res> rendered,
                                 Map<String, String> composeTags) {
        boolean gpuWorker = false;
        Map<String, Res> deployments = new LinkedHashMap<>();
        for (Res r : rendered) {
            for (Map<String, Object> c : allContainers(r)) {
                String image = str(c.get("image"));
                if (!repoOf(image).contains(IMAGE_PREFIX) || repoOf(image).endsWith("/csm-export")) {
                    continue;
                }
                String where = overlay + " (rendered): " + r.where() + ", container " + c.get("name");
                String appName = repoOf(image).substring(repoOf(image).lastIndexOf('/') + 1);
                App app = APPS.get(appName);
                if (app == null) {
                    problems.add(where, "image " + image + " is none of the services " + APPS.keySet());
                    continue;
                }
                String composeTag = composeTags.get(repoOf(image));
                if (composeTag == null) {
                    problems.add(where, "image " + image + " is no image docker-compose.yml builds " + composeTags
                            + " (ImagesIT checks those against the Dockerfiles)");
                }
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

    private static void checkProbes(Problems problems, String where, App app, Map<String, Object> c, int port) {
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

    private static void checkScaledObject(Problems problems, String overlay, List<Res> rendered, Res deployment,
                                   Map<String, Object> container, Map<String, String> env) {
        List<Res> scaled = rendered.stream().filter(r -> r.kind().equals("ScaledObject")
                && deployment.name().equals(str(at(r.doc(), "spec", "scaleTargetRef", "name")))).toList();
        if (scaled.size() != 1) {
            problems.add(overlay + " (rendered)", scaled.size() + " KEDA ScaledObjects target Deployment "
                    + deployment.name() + "; expected exactly one");
            return;
        }
        Res so = scaled.get(0);
        String where = overlay + " (rendered): ScaledObject " + so.name();
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
        WorkerProperties workerDefaults = new WorkerProperties(null, null, null, null, null, null, null, null, null, null, null, null, null);
        int partitions = env.get("TTS_REQUEST_PARTITIONS") == null ? topicDefaults.requestPartitions()
                : parseInt(env.get("TTS_REQUEST_PARTITIONS"));
        int max = parseInt(str(spec.getOrDefault("maxReplicaCount", "100")));
        int min = parseInt(str(spec.getOrDefault("minReplicaCount", "0")));
        WorkerProperties worker = new WorkerProperties(null, null, intOrNull(env, "WORKER_SLOTS"),
                intOrNull(env, "WORKER_PREFETCH"), null, null, null, null, null, null, null,
                intOrNull(env, "WORKER_BATCH"), null);
        int consumersPerWorker = Math.max(worker.consumersPerTopic(), worker.interactiveConsumers());
        if ((long) max * consumersPerWorker > partitions) {
            problems.add(where, "spec.maxReplicaCount " + max + " workers x " + consumersPerWorker
                    + " consumers each (WORKER_BATCH or WORKER_SLOTS, the interactive row, WORKER_PREFETCH) exceed the"
                    + " request topics' partitions (TTS_REQUEST_PARTITIONS = " + partitions + "): the extra consumers"
                    + " would sit idle");
        }
        int inHand = worker.consumersPerTopic();
        for (Object t : list(spec.get("triggers"))) {
            Map<String, Object> meta = map(map(t).get("metadata"));
            if (Topics.REQUESTS.equals(str(meta.get("topic"))) && str(meta.get("lagThreshold")).matches("[0-9]+")
                    && parseInt(str(meta.get("lagThreshold"))) <= inHand) {
                problems.add(where, "lagThreshold " + meta.get("lagThreshold") + " of " + Topics.REQUESTS
                        + " is not above the " + inHand + " jobs a busy worker holds uncommitted (WORKER_BATCH or"
                        + " WORKER_SLOTS, plus WORKER_PREFETCH): the fleet would scale up on busy, not on a backlog");
            }
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

    private static void checkModelMount(Problems problems, String where, Map<String, Object> c, String modelDir, Res r,
                                 List<Res> rendered) {
        if (modelDir == null || modelDir.isBlank()) {
            return;
        }
        Map<String, Object> mount = list(c.get("volumeMounts")).stream().map(Facts::map)
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
        Map<String, Object> volume = list(podSpec(r).get("volumes")).stream().map(Facts::map)
                .filter(v -> str(v.get("name")).equals(str(mount.get("name")))).findFirst().orElse(Map.of());
        String claim = str(at(volume, "persistentVolumeClaim", "claimName"));
        if (!claim.isEmpty() && rendered.stream().noneMatch(x -> x.kind().equals("PersistentVolumeClaim")
                && x.name().equals(claim))) {
            problems.add(where, "the model volume's PersistentVolumeClaim " + claim + " is not part of the overlay");
        }
    }

    private static Map<String, EnvVar> effectiveEnv(Problems problems, String where, Map<String, Object> c,
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
            data.forEach((k, v) -> env.put(k, new EnvVar(k, str(v), kind + " " + name)));
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

    private static Map<String, Object> podSpec(Res r) {
        return switch (r.kind()) {
            case "Deployment", "StatefulSet", "DaemonSet", "Job" -> map(at(r.doc(), "spec", "template", "spec"));
            case "CronJob" -> map(at(r.doc(), "spec", "jobTemplate", "spec", "template", "spec"));
            default -> Map.of();
        };
    }

    private static List<Map<String, Object>> containers(Res r) {
        return list(podSpec(r).get("containers")).stream().map(Facts::map).toList();
    }

    private static List<Map<String, Object>> allContainers(Res r) {
        return Stream.concat(list(podSpec(r).get("initContainers")).stream(),
                        list(podSpec(r).get("containers")).stream())
                .map(Facts::map).toList();
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


    private static Integer intOrNull(Map<String, String> env, String name) {
        return env.get(name) == null ? null : parseInt(env.get(name));
    }
}

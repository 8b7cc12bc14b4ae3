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
import static dev.csmpipeline.it.deploy.Facts.goDuration;
import static dev.csmpipeline.it.deploy.Facts.imageVariant;
import static dev.csmpipeline.it.deploy.Facts.list;
import static dev.csmpipeline.it.deploy.Facts.map;
import static dev.csmpipeline.it.deploy.Facts.parseInt;
import static dev.csmpipeline.it.deploy.Facts.repoOf;
import static dev.csmpipeline.it.deploy.Facts.str;
import static dev.csmpipeline.it.deploy.Facts.tagOf;

import dev.csmpipeline.it.deploy.Facts.App;
import dev.csmpipeline.it.deploy.Facts.Problems;
import dev.csmpipeline.model.TopicSpec;
import dev.csmpipeline.service.TopicProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compose files as {@code docker compose config} reads them (compose-go: files merged in order, {@code !reset}
 * applied, {@code ${...}} interpolated with no host variable set, the compose specification's schema checked), then
 * checked against the code: every variable given to a service is one it reads, health checks name a path it serves
 * on its port, the GPU reservation is in the default file and gone with the CPU override, the worker's stop grace
 * covers its longest job, and the one-shot topic creation makes the topics {@code TopicSpec.plan} defines.
 */
class ComposeFilesIT {

    static final Path MAIN = ROOT.resolve("docker-compose.yml");
    static final Path CPU = ROOT.resolve("docker-compose.cpu.yml");

    /** {@code docker compose [-f ...] [--profile ...] config}: the services of the loaded project. */
    static Map<String, Object> services(List<Path> files, List<String> profiles) {
        Map<String, Object> report = DeployCheck.compose(files, profiles);
        List<Object> problems = list(report.get("problems"));
        if (!problems.isEmpty()) {
            throw new AssertionError("compose-go rejects " + files.stream().map(Facts::rel).toList() + " (profiles "
                    + profiles + "):\n  " + problems.stream().map(Facts::str).collect(Collectors.joining("\n  ")));
        }
        return map(at(report, "project", "services"));
    }

    /** repository -> tag of every image docker-compose.yml builds (the worker's is its -gpu tag). */
    static Map<String, String> imageTags() {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Object svc : services(List.of(MAIN), List.of("export")).values()) {
            String image = str(map(svc).get("image"));
            if (repoOf(image).startsWith(IMAGE_PREFIX) && !map(map(svc).get("build")).isEmpty()) {
                tags.put(repoOf(image), tagOf(image));
            }
        }
        return tags;
    }

    @Test
    void composeAcceptsTheFilesWithTheCpuOverrideAndTheExportProfile() {
        Problems problems = new Problems();
        Map<String, Object> main = services(List.of(MAIN), List.of());
        Map<String, Object> cpu = services(List.of(MAIN, CPU), List.of());
        Map<String, Object> export = services(List.of(MAIN), List.of("export"));
        for (String name : List.of("kafka", "kafka-init", "minio", "minio-init", INGEST, WORKER, "storage-service")) {
            if (!main.containsKey(name)) {
                problems.add("docker-compose.yml", "services." + name + " is missing");
            }
        }
        if (!cpu.keySet().equals(main.keySet())) {
            problems.add("docker-compose.cpu.yml", "changes the set of services " + main.keySet() + " to "
                    + cpu.keySet() + ": it should only override the worker");
        }
        if (!export.containsKey("csm-export") || main.containsKey("csm-export")) {
            problems.add("docker-compose.yml", "services.csm-export must run with --profile export only");
        }
        problems.assertNone();
    }

    @Test
    void composeFilesMatchTheCode() {
        Problems problems = new Problems();
        Map<String, Object> services = services(List.of(MAIN), List.of());
        for (App app : APPS.values()) {
            Map<String, Object> svc = map(services.get(app.name()));
            if (!svc.isEmpty()) {
                checkService(problems, "docker-compose.yml", app, svc);
            }
        }
        Map<String, Object> cpuWorker = map(services(List.of(MAIN, CPU), List.of()).get(WORKER));
        checkService(problems, "docker-compose.yml + docker-compose.cpu.yml", APPS.get(WORKER), cpuWorker);
        Map<String, Object> gpuWorker = map(services.get(WORKER));
        if (gpuDevices(gpuWorker).stream().noneMatch(d -> "nvidia".equals(map(d).get("driver")))) {
            problems.add("docker-compose.yml", "services." + WORKER + ".deploy.resources.reservations.devices"
                    + " reserves no nvidia GPU");
        }
        if (!imageVariant(str(gpuWorker.get("image"))).equals("gpu")) {
            problems.add("docker-compose.yml", "services." + WORKER + ".image must be the -gpu variant");
        }
        if (!gpuDevices(cpuWorker).isEmpty()) {
            problems.add("docker-compose.cpu.yml", "services." + WORKER + " still reserves a GPU: reset"
                    + " deploy.resources.reservations.devices (!reset [])");
        }
        if (!imageVariant(str(cpuWorker.get("image"))).equals("cpu")) {
            problems.add("docker-compose.cpu.yml", "services." + WORKER + ".image must be the -cpu variant");
        }
        checkTopicInit(problems, "docker-compose.yml", services);
        checkBucketInit(problems, "docker-compose.yml", services);
        problems.assertNone();
    }

    private static void checkService(Problems problems, String file, App app, Map<String, Object> svc) {
        String where = file + ": services." + app.name();
        Map<String, String> env = env(svc);
        for (String name : env.keySet()) {
            String why = app.unknownEnv(name);
            if (why != null) {
                problems.add(where + ".environment." + name, why);
            }
        }
        int port = env.containsKey("SERVER_PORT") ? parseInt(env.get("SERVER_PORT")) : app.defaultPort();
        String test = list(at(svc, "healthcheck", "test")).stream().map(String::valueOf)
                .collect(Collectors.joining(" "));
        Matcher hc = Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):(\\d+)(/[^\\s\"']*)").matcher(test);
        if (!hc.find()) {
            problems.add(where + ".healthcheck", "missing, or not an HTTP check on the app's port: " + test);
        } else {
            checkPort(problems, where + ".healthcheck", app, Integer.parseInt(hc.group(1)), port);
            checkPath(problems, where + ".healthcheck", app, hc.group(2));
        }
        for (Object exposed : list(svc.get("expose"))) {
            checkPort(problems, where + ".expose", app, parseInt(str(exposed)), port);
        }
        for (Object published : list(svc.get("ports"))) {
            checkPort(problems, where + ".ports " + published, app, parseInt(str(map(published).get("target"))), port);
        }
        if (str(svc.get("image")).isEmpty() || map(svc.get("build")).isEmpty()) {
            problems.add(where, "needs both image: and build: (so that `docker compose build` tags the image)");
        }
        if (app.name().equals(WORKER)) {
            Duration stop = svc.containsKey("stop_grace_period") ? goDuration(str(svc.get("stop_grace_period")))
                    : Duration.ofSeconds(10);
            checkWorkerBudgets(problems, where, env, stop, "stop_grace_period");
            checkDeviceMatchesImage(problems, where, imageVariant(str(svc.get("image"))), env.get("TTS_DEVICE"));
        }
    }

    private static Map<String, String> env(Map<String, Object> svc) {
        Map<String, String> env = new LinkedHashMap<>();
        map(svc.get("environment")).forEach((k, v) -> env.put(k, v == null ? null : str(v)));
        return env;
    }

    private static List<Object> gpuDevices(Map<String, Object> service) {
        return list(at(service, "deploy", "resources", "reservations", "devices"));
    }

    private static void checkTopicInit(Problems problems, String file, Map<String, Object> services) {
        Map<String, Object> init = map(services.get("kafka-init"));
        if (init.isEmpty()) {
            problems.add(file, "services.kafka-init (the one-shot topic creation) is missing");
            return;
        }
        Map<String, String> env = env(init);
        Map<String, String> serviceEnv = env(map(services.get(WORKER)));
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
        // compose-go has turned $$ into $: this is the script the container's shell runs.
        String script = list(init.get("command")).stream().map(String::valueOf).collect(Collectors.joining("\n"));
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

    private static void checkBucketInit(Problems problems, String file, Map<String, Object> services) {
        Map<String, String> svcEnv = env(map(services.get(INGEST)));
        Map<String, String> minio = env(map(services.get("minio")));
        Map<String, String> init = env(map(services.get("minio-init")));
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
}

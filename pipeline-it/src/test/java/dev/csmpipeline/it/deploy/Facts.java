package dev.csmpipeline.it.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.ingest.IngestApplication;
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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
import org.yaml.snakeyaml.Yaml;

/**
 * What the deployed services read and serve, derived from the code, and the checks the deployment tests share
 * (ImagesIT, ComposeFilesIT, KubernetesManifestsIT).
 *
 * <p>What "read by the service" means is derived, not listed: the {@code ${NAME:default}} placeholders of the
 * service's own yml, Spring's relaxed binding of every {@code @ConfigurationProperties} record the application
 * enables (found by reflection from its {@code @SpringBootApplication} class), and the {@code System.getenv("NAME")}
 * calls in the modules it runs.
 */
final class Facts {

    static final Path ROOT = repositoryRoot();

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
            "ingest-api", Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"),
            "storage-service", Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"),
            // DJL, the tokenizer's JNI wrapper, reads it before our code can set the system property.
            "inference-worker", Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "OPT_OUT_TRACKING"));

    static final String WORKER = "inference-worker";
    static final String INGEST = "ingest-api";
    static final String IMAGE_PREFIX = "csm-pipeline/";
    static final String REPO_LABEL = "dev.csmpipeline.image.repository";
    static final String VARIANT_LABEL = "dev.csmpipeline.image.variant";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    private static final Pattern GETENV = Pattern.compile("getenv\\(\\s*\"([A-Z][A-Z0-9_]*)\"");

    static final Map<String, App> APPS = APP_SPECS.stream()
            .collect(Collectors.toMap(AppSpec::name, Facts::describe, (a, b) -> a, LinkedHashMap::new));

    private Facts() {
    }


    /** Worker budgets: the job in hand can finish, Spring's shutdown phase outlasts the drain, the platform waits. */
    static void checkWorkerBudgets(Problems problems, String where, Map<String, String> env, Duration platformGrace,
                                    String platformKey) {
        WorkerProperties defaults = new WorkerProperties(null, null, null, null, null, null, null, null, null, null, null, null, null);
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

    static void checkDeviceMatchesImage(Problems problems, String where, String variant, String device) {
        if (variant.equals("gpu") && device != null && !device.equals("cuda") && !device.equals("auto")) {
            problems.add(where, "TTS_DEVICE " + device + " on the GPU image");
        }
        if (variant.equals("cpu") && "cuda".equals(device)) {
            problems.add(where, "TTS_DEVICE cuda on the CPU image");
        }
    }

    static void checkPort(Problems problems, String where, App app, int port, int expected) {
        if (port != expected) {
            problems.add(where, "port " + port + " is not " + app.name() + "'s port " + expected
                    + " (SERVER_PORT, or server.port in " + app.name() + ".yml)");
        }
    }

    static void checkPath(Problems problems, String where, App app, String path) {
        if (!app.endpoints().contains(path)) {
            problems.add(where, "path " + path + " is not served by " + app.name() + "; it serves "
                    + new TreeSet<>(app.endpoints()));
        }
    }

    // ------------------------------------------------------------------------------------------------ the apps

    record AppSpec(String name, Class<?> application, List<String> modules) {
    }

    /**
     * What one service reads and serves, derived from its code.
     *
     * @param placeholderDefaults {@code ${NAME:default}} placeholders of its yml
     * @param properties          relaxed-binding names of its {@code @ConfigurationProperties}
     * @param getenv              names its modules read with {@code System.getenv}
     */
    record App(String name, int defaultPort, Map<String, String> placeholderDefaults, Set<String> properties,
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

    static App describe(AppSpec spec) {
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
            Class.forName(name, false, Facts.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------------------------------------ images

    static String repoOf(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    static String tagOf(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }

    static String imageVariant(String image) {
        String tag = tagOf(image);
        return tag.endsWith("-gpu") ? "gpu" : tag.endsWith("-cpu") ? "cpu" : "";
    }

    // ------------------------------------------------------------------------------------------------ files and maps

    private static String resourceText(String name) {
        try (InputStream in = Facts.class.getResourceAsStream(name)) {
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

    static String rel(Path p) {
        return ROOT.relativize(p.toAbsolutePath().normalize()).toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o instanceof List<?> ? (List<Object>) o : List.of();
    }

    static Object at(Object root, String... path) {
        Object o = root;
        for (String key : path) {
            o = map(o).get(key);
        }
        return o;
    }

    static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    static int parseInt(String s) {
        try {
            return Integer.parseInt(s.trim().replaceAll("^\"|\"$", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String secs(Duration d) {
        return d.toSeconds() + " s";
    }

    static Duration duration(Map<String, String> env, String name, Duration fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : DurationStyle.detectAndParse(value);
    }

    /** A Go duration as compose-go and BuildKit print them: {@code 1h2m3.5s}, {@code 300ms}, {@code 0s}. */
    static Duration goDuration(String s) {
        Matcher m = Pattern.compile("([0-9.]+)(h|ms|us|\u00b5s|ns|m|s)").matcher(s);
        double nanos = 0;
        int end = 0;
        while (m.find()) {
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "h" -> 3.6e12;
                case "m" -> 6e10;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "\u00b5s" -> 1e3;
                default -> 1;
            };
            end = m.end();
        }
        if (end != s.length() || s.isEmpty()) {
            throw new IllegalArgumentException("not a Go duration: '" + s + "'");
        }
        return Duration.ofNanos((long) nanos);
    }

    /** Collects every problem, then fails once listing them all (file and key first). */
    static final class Problems {
        private final List<String> items = new ArrayList<>();

        void add(String where, String what) {
            items.add(where + ": " + what);
        }

        void assertNone() {
            assertThat(items).as("deployment files disagree with the code:\n  " + String.join("\n  ", items)).isEmpty();
        }
    }
}

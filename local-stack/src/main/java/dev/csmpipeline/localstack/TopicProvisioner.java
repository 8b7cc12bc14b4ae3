package dev.csmpipeline.localstack;

import dev.csmpipeline.model.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the pipeline's topics that are missing, and grows request topics that have fewer partitions. */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    public static void ensure(String bootstrapServers, List<TopicSpec> plan) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = plan.stream().filter(s -> !existing.contains(s.name()))
                    .map(s -> new NewTopic(s.name(), s.partitions(), s.replication()).configs(s.configs()))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                missing.forEach(t -> log.info("event=topic_created topic={} partitions={}", t.name(),
                        t.numPartitions()));
            }
            List<TopicSpec> present = plan.stream().filter(s -> existing.contains(s.name())).toList();
            if (!present.isEmpty()) {
                Map<String, TopicDescription> described = admin.describeTopics(
                        present.stream().map(TopicSpec::name).toList()).allTopicNames().get(30, TimeUnit.SECONDS);
                for (TopicSpec spec : present) {
                    int has = described.get(spec.name()).partitions().size();
                    if (has < spec.partitions()) {
                        admin.createPartitions(Map.of(spec.name(), NewPartitions.increaseTo(spec.partitions())))
                                .all().get(30, TimeUnit.SECONDS);
                        log.info("event=topic_grown topic={} partitions_from={} partitions_to={}", spec.name(), has,
                                spec.partitions());
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new StartupException("cannot create the pipeline topics on " + bootstrapServers + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while creating topics", e);
        }
    }
}

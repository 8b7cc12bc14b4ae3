package dev.csmpipeline.ingest.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** API keys mapped to tenants, the internal token, and request size limits. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    @Bean
    ApiKeys apiKeys(SecurityProperties props) {
        ApiKeys keys = ApiKeys.from(props);
        if (keys.enabled()) {
            log.info("event=api_keys_on keys={}", keys.count());
        } else {
            log.warn("event=api_keys_off WARNING: no SECURITY_API_KEYS: every caller is tenant 'default'; "
                    + "turn keys on wherever the API is reachable by others");
        }
        return keys;
    }

    /** The secret of this instance's calls to itself while it starts. */
    @Bean
    WarmUpToken warmUpToken() {
        return new WarmUpToken();
    }

    @Bean
    FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(ApiKeys keys, SecurityProperties props, WarmUpToken warmUp) {
        FilterRegistrationBean<ApiKeyFilter> reg = new FilterRegistrationBean<>(new ApiKeyFilter(keys, props,
                warmUp));
        reg.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        reg.addUrlPatterns("/*");
        return reg;
    }
}

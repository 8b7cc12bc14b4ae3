package dev.csmpipeline.ingest.status;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The answer of a list endpoint: one page, newest first, and the link to the next while pages are full. */
public final class Pages {

    private Pages() {
    }

    /**
     * {@code {name: page}}, plus {@code "next"}: {@code path} asking for the items before the page's last one, when
     * the page is full (there may be more).
     *
     * @param path the list's URL with its filters, e.g. {@code /v1/jobs?state=SUCCEEDED}
     */
    public static <T> Map<String, Object> of(String name, List<T> page, int limit, Function<T, String> id,
                                             String path) {
        if (page.size() < limit || page.isEmpty()) {
            return Map.of(name, page);
        }
        String next = path + (path.contains("?") ? "&" : "?") + "limit=" + limit + "&before="
                + id.apply(page.get(page.size() - 1));
        return Map.of(name, page, "next", next);
    }
}

package dev.reactorfifo.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A live view of a FIFO in the browser: {@code GET /} is the page, {@code GET /lines} the
 * Server-Sent Events behind it, {@code /actuator/health} and {@code /actuator/metrics} the FIFO's
 * health and counters.
 *
 * <pre>
 * java -jar reactor-fifo-examples-webflux.jar --fifo=/tmp/live.fifo [--server.port=8080]
 * </pre>
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class LiveViewApplication {

    /** The system property that moves Reactor's {@code boundedElastic()} onto virtual threads (Reactor 3.6+). */
    static final String BOUNDED_ELASTIC_ON_VIRTUAL_THREADS = "reactor.schedulers.defaultBoundedElasticOnVirtualThreads";

    public static void main(String[] args) {
        useVirtualThreadsWhereAvailable();
        SpringApplication.run(LiveViewApplication.class, args);
    }

    /**
     * On JDK 21+, turns on Reactor's virtual-thread {@code boundedElastic()} (where reactor-fifo
     * opens, waits and reads by default) unless the user said otherwise with {@code -D}.
     * {@code spring.threads.virtual.enabled=true} in application.properties does the same for
     * Spring's own executors; on JDK 17 Boot ignores it, and this method does nothing.
     *
     * <p>Reactor reads the property once, when {@code reactor.core.scheduler.Schedulers} is
     * initialised, so this has to run before anything touches Reactor: first thing in
     * {@code main}, before Spring starts.
     */
    static void useVirtualThreadsWhereAvailable() {
        if (Runtime.version().feature() >= 21 && System.getProperty(BOUNDED_ELASTIC_ON_VIRTUAL_THREADS) == null) {
            System.setProperty(BOUNDED_ELASTIC_ON_VIRTUAL_THREADS, "true");
        }
    }
}

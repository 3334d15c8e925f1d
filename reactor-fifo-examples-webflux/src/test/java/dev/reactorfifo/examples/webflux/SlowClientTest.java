package dev.reactorfifo.examples.webflux;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

import static dev.reactorfifo.examples.webflux.LinesEndpointTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100,000 lines while one client does not read at all: the FIFO is read at full speed, a
 * reading client gets to the last line, the stalled one is told how many lines it lost, every
 * line is accounted for (received + reported dropped = written) and the heap does not grow with
 * the lines.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "live.client-buffer=256")
@DirtiesContext
@Timeout(180)
class SlowClientTest {

    private static final int LINES = 100_000;
    private static final String LAST = String.format("slow %06d", LINES);

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void fifo(DynamicPropertyRegistry registry) {
        registry.add("fifo", () -> folder.resolve("slow.fifo").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    FifoHub hub;

    Writers writers;

    @AfterEach
    void tearDown() throws InterruptedException {
        writers.close();
    }

    @Test
    void aStalledClientLosesItsOldestLinesAndIsToldHowManyWhileOthersReachTheLastLine() throws Exception {
        writers = new Writers(hub.pipe().path());
        long heapBefore = usedHeapAfterGc();

        // connects, sends its request and reads nothing (a 4 KiB receive window: the kernel holds little for it)
        try (SseClient stalled = SseClient.connect(port, "/lines", 4096)) {
            await("the stalled client is connected", () -> hub.clients() == 1);

            AtomicLong received = new AtomicLong();
            AtomicLong reportedDropped = new AtomicLong();
            Mono<ServerSentEvent<String>> reader = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                    .responseTimeout(Writers.PATIENCE).build()
                    .get().uri("/lines").accept(MediaType.TEXT_EVENT_STREAM).exchange()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {}).getResponseBody()
                    .filter(event -> event.data() != null)
                    .doOnNext(event -> {
                        if ("dropped".equals(event.event())) {
                            reportedDropped.addAndGet(Long.parseLong(event.data()));
                        } else {
                            received.incrementAndGet();
                        }
                    })
                    .filter(event -> event.data().startsWith(LAST))
                    .next()
                    .cache();
            reader.subscribe();
            await("both clients are connected", () -> hub.clients() == 2);

            long start = System.nanoTime();
            writers.run("seq -f 'slow %06.0f ..................................................' 1 " + LINES + " > \"$1\"");
            await("the hub read every line", () -> hub.linesRead() == LINES);
            long readMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(reader.block(Writers.PATIENCE)).as("the reading client got the last line").isNotNull();
            assertThat(received.get() + reportedDropped.get()).as("reading client: received + dropped").isEqualTo(LINES);
            long heapAfter = usedHeapAfterGc();

            // the stalled client reads now: what the kernel and its buffer held, a drop report, the newest lines
            long stalledReceived = 0;
            long stalledDropped = 0;
            String last = "";
            while (!last.startsWith(LAST)) {
                SseClient.Event event = stalled.next();
                if (event.event().equals("dropped")) {
                    stalledDropped += Long.parseLong(event.data());
                } else {
                    stalledReceived++;
                    last = event.data();
                }
            }
            System.out.printf("slow client: FIFO read in %d ms; reading client %d received, %d dropped; "
                            + "stalled client %d received, %d dropped; used heap after GC %d -> %d KiB%n",
                    readMillis, received.get(), reportedDropped.get(), stalledReceived, stalledDropped,
                    heapBefore / 1024, heapAfter / 1024);
            assertThat(stalledReceived + stalledDropped).as("stalled client: received + dropped").isEqualTo(LINES);
            assertThat(stalledDropped).as("lines dropped for the stalled client").isGreaterThan(LINES / 2);
            assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(20L << 20);
        }
        await("both clients are gone", () -> hub.clients() == 0);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}

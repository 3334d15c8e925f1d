package dev.reactorfifo.examples.webflux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /lines} through WebTestClient against the real server, a real FIFO in a temporary
 * folder and real {@code sh} writer processes. The tests of this class share one application
 * (one FIFO, one history): each writes lines with a marker of its own and looks at those.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@Timeout(120)
class LinesEndpointTest {

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {};

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void fifo(DynamicPropertyRegistry registry) {
        registry.add("fifo", () -> folder.resolve("live.fifo").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    FifoHub hub;

    WebTestClient client;
    Writers writers;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Writers.PATIENCE).build();
        writers = new Writers(hub.pipe().path());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        writers.close();
    }

    private Flux<ServerSentEvent<String>> lines(String uri, Object... uriVariables) {
        FluxExchangeResult<ServerSentEvent<String>> result = client.get().uri(uri, uriVariables).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(SSE);
        // the comment that opens the stream has no data
        return result.getResponseBody().filter(event -> event.data() != null);
    }

    private static List<String> data(List<ServerSentEvent<String>> events) {
        return events.stream().map(ServerSentEvent::data).toList();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(() -> what, condition);
    }

    /** @param what what is awaited, with what is known so far: read when the wait runs out */
    static void await(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Writers.PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("still waiting for: " + what.get());
            }
            Thread.sleep(10); // polling a condition, with a deadline
        }
    }

    @Test
    void theFifoIsCreatedRwOwnerOnly() throws Exception {
        assertThat(Files.getAttribute(hub.pipe().path(), "unix:mode")).satisfies(mode ->
                assertThat(((Integer) mode) & 0170000).isEqualTo(0010000));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hub.pipe().path()))).isEqualTo("rw-------");
    }

    @Test
    void everyLineIsOneEventWhoseDataIsTheLine() throws Exception {
        Flux<ServerSentEvent<String>> events = lines("/lines");
        writers.run("printf 'one t1\\n  two t1, with leading spaces\\n\\tthree t1: tab, \"quotes\", <b>html</b>\\n' > \"$1\"");

        List<ServerSentEvent<String>> mine = events.filter(event -> event.data().contains("t1")).take(3)
                .collectList().block(Writers.PATIENCE);

        assertThat(data(mine)).containsExactly("one t1", "  two t1, with leading spaces", "\tthree t1: tab, \"quotes\", <b>html</b>");
        assertThat(mine).allSatisfy(event -> assertThat(event.event()).isNull()); // the default type, "message"
        long first = Long.parseLong(mine.get(0).id());
        assertThat(mine.stream().map(ServerSentEvent::id).map(Long::parseLong)).containsExactly(first, first + 1, first + 2);
    }

    @Test
    void linesOfSuccessiveWritersArriveOnOneStream() throws Exception {
        Flux<ServerSentEvent<String>> events = lines("/lines?contains=t2-");
        writers.run("printf 't2-a\\n' > \"$1\"");
        writers.run("printf 't2-b\\n' > \"$1\"");
        writers.run("printf 't2-c' > \"$1\""); // unterminated: a line at the writer's end of file

        assertThat(data(events.take(3).collectList().block(Writers.PATIENCE))).containsExactly("t2-a", "t2-b", "t2-c");
    }

    @Test
    void containsFiltersOnTheServer() throws Exception {
        Flux<ServerSentEvent<String>> events = lines("/lines?contains={text}", "ERROR t3");
        writers.run("for i in 1 2 3 4 5 6; do printf 'INFO t3 %d\\nERROR t3 %d\\n' $i $i; done > \"$1\"; printf 'ERROR t3 end\\n' > \"$1\"");

        List<String> received = data(events.takeUntil(event -> event.data().equals("ERROR t3 end"))
                .collectList().block(Writers.PATIENCE));

        assertThat(received).containsExactly("ERROR t3 1", "ERROR t3 2", "ERROR t3 3", "ERROR t3 4", "ERROR t3 5",
                "ERROR t3 6", "ERROR t3 end");
    }

    @Test
    void aNewClientGetsTheLast100LinesFirstThenTheLiveOnes() throws Exception {
        long before = hub.linesRead();
        writers.run("i=1; while [ $i -le 150 ]; do printf 't4 line %d\\n' $i; i=$((i+1)); done > \"$1\"");
        await("the hub read the 150 lines", () -> hub.linesRead() >= before + 150);

        List<String> expected = new ArrayList<>(IntStream.rangeClosed(51, 150).mapToObj(i -> "t4 line " + i).toList());
        expected.add("t4 live");
        List<String> received = new CopyOnWriteArrayList<>();
        Disposable client = lines("/lines").map(ServerSentEvent::data).take(101).subscribe(received::add);
        try {
            // the live line only once the history arrived: the response's opening comment can reach
            // the client before the server subscribed it to the hub, and a line written in between
            // would be history (the client would get 52..150 and that line)
            await(() -> "the 100 recent lines, received " + received, () -> received.size() >= 100);
            writers.run("printf 't4 live\\n' > \"$1\"");
            await(() -> "the live line, received " + received, () -> received.size() >= 101);
        } finally {
            client.dispose();
        }
        assertThat(received).containsExactlyElementsOf(expected);
    }

    @Test
    void aReconnectingEventSourceGetsOnlyWhatItMissed() throws Exception {
        long before = hub.linesRead();
        writers.run("printf 't5 a\\nt5 b\\nt5 c\\n' > \"$1\"");
        await("the hub read the 3 lines", () -> hub.linesRead() >= before + 3);
        String idOfB = Long.toString(before + 2);

        List<ServerSentEvent<String>> received = client.get().uri("/lines?contains=t5")
                .accept(MediaType.TEXT_EVENT_STREAM).header("Last-Event-ID", idOfB)
                .exchange().expectStatus().isOk().returnResult(SSE).getResponseBody()
                .filter(event -> event.data() != null).take(1).collectList().block(Writers.PATIENCE);

        assertThat(data(received)).containsExactly("t5 c");
    }

    @Test
    void aClientThatGoesAwayIsRemovedAtOnce() throws Exception {
        int before = hub.clients();
        try (SseClient idle = SseClient.connect(port, "/lines", 0)) {
            await("the socket client is connected", () -> hub.clients() == before + 1);
        } // closed without a line ever written to it
        await("the socket client is removed", () -> hub.clients() == before);

        Flux<ServerSentEvent<String>> events = lines("/lines?contains=t6");
        writers.run("printf 't6\\n' > \"$1\"");
        assertThat(data(events.take(1).collectList().block(Writers.PATIENCE))).containsExactly("t6"); // take(1) cancels
        await("the WebTestClient client is removed", () -> hub.clients() == before);
    }

    @Test
    void healthTellsWhetherAWriterIsConnected() throws Exception {
        Map<String, Object> idle = health();
        assertThat(idle).containsEntry("status", "UP");
        assertThat(details(idle)).containsEntry("isFifo", true).containsEntry("writerConnected", false)
                .containsEntry("path", hub.pipe().path().toString());

        // a writer that holds the FIFO open and says nothing
        Process writer = writers.start("exec 3>\"$1\"; echo open; exec sleep 60");
        await("the health check sees the writer", () -> Boolean.TRUE.equals(details(health()).get("writerConnected")));
        assertThat((List<?>) details(health()).get("writerPids")).map(pid -> ((Number) pid).longValue()).contains(writer.pid());

        writer.destroyForcibly().waitFor();
        await("the health check sees the writer gone", () -> Boolean.FALSE.equals(details(health()).get("writerConnected")));
    }

    @Test
    void metricsCountTheLinesRead() throws Exception {
        long before = hub.linesRead();
        writers.run("printf 't7\\nt7\\nt7\\n' > \"$1\"");
        await("the hub read the 3 lines", () -> hub.linesRead() >= before + 3);

        Map<String, Object> metric = client.get().uri("/actuator/metrics/fifo.lines.read").exchange()
                .expectStatus().isOk().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                .returnResult().getResponseBody();
        List<?> measurements = (List<?>) metric.get("measurements");
        assertThat(((Number) ((Map<?, ?>) measurements.get(0)).get("value")).longValue()).isGreaterThanOrEqualTo(before + 3);
        client.get().uri("/actuator/metrics/fifo.lines.dropped").exchange().expectStatus().isOk();
        client.get().uri("/actuator/metrics/fifo.clients").exchange().expectStatus().isOk();
    }

    @Test
    void thePageIsServedAtTheRoot() {
        client.get().uri("/").exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).value(page -> assertThat(page).contains("new EventSource").contains("<canvas"));
    }

    private Map<String, Object> health() {
        return client.get().uri("/actuator/health/fifo").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {}).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(Map<String, Object> health) {
        return (Map<String, Object>) health.get("details");
    }
}

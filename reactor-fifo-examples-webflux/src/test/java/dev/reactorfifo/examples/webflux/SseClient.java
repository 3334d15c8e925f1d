package dev.reactorfifo.examples.webflux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A raw HTTP/1.1 client of {@code /lines} on a plain socket, so that a test decides exactly when
 * (and whether) bytes are read: a client that connects and then never reads is what a stalled
 * browser tab or a frozen consumer looks like to the server.
 */
final class SseClient implements AutoCloseable {

    /** One parsed event: {@code event} is "message" unless the stream named it. */
    record Event(String event, String data) {}

    private final Socket socket;
    private BufferedReader reader;

    private SseClient(Socket socket) {
        this.socket = socket;
    }

    /** Connects and sends {@code GET path}; reads nothing. {@code receiveBuffer} > 0 shrinks the socket's receive buffer. */
    static SseClient connect(int port, String path, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
        }
        socket.connect(new InetSocketAddress("localhost", port), 10_000);
        socket.setSoTimeout((int) Writers.PATIENCE.toMillis());
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new SseClient(socket);
    }

    /**
     * The next event (comments skipped), reading the response headers first the first time.
     * The body is chunked (HTTP/1.1 without a length): chunk-size lines are skipped too, which
     * is sound here because every event ends at a chunk's end (one event per flush).
     */
    Event next() throws IOException {
        if (reader == null) {
            reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
            String status = reader.readLine();
            if (status == null || !status.contains(" 200 ")) {
                throw new IOException("unexpected response: " + status);
            }
            String header;
            while ((header = reader.readLine()) != null && !header.isEmpty()) {
                // headers are not needed
            }
        }
        String event = "message";
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(event, data.toString());
                }
                event = "message";
            } else if (line.startsWith("data:")) {
                String value = line.substring(5);
                value = value.startsWith(" ") ? value.substring(1) : value;
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            }
            // "id:", ":" comments and chunk sizes (hex) are skipped
        }
        throw new IOException("the server closed the stream");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

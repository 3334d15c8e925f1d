package dev.reactorfifo.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Entry point of every child JVM the harness starts: {@code Child ROLE ARGS...}. Commands arrive
 * one per line on stdin; answers leave one per line on stdout (nothing else may print there, so
 * {@code System.out} is pointed at stderr, which goes to the child's log).
 */
public final class Child {

    private static final PrintStream ANSWERS = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private Child() {
    }

    static synchronized void answer(String line) {
        ANSWERS.println(line);
    }

    public static void main(String[] args) throws Exception {
        System.setOut(System.err);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String role = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (role) {
                case "read":
                    ReadScenario.child(rest[0], commands);
                    break;
                case "write":
                    WriteScenario.child(rest[0], Integer.parseInt(rest[1]), Long.parseLong(rest[2]), commands);
                    break;
                case "bytes-read":
                    BytesScenario.readChild(rest[0], commands);
                    break;
                case "bytes-write":
                    BytesScenario.writeChild(rest[0], Integer.parseInt(rest[1]), Long.parseLong(rest[2]), commands);
                    break;
                case "bytes-slow":
                    BytesScenario.slowChild(rest, commands);
                    break;
                case "ping":
                    LatencyScenario.ping(rest, commands);
                    break;
                case "pong":
                    LatencyScenario.pong(rest);
                    break;
                case "slow-consumer":
                    MemoryScenario.child(rest);
                    break;
                case "cancel":
                    CancelScenario.child(rest);
                    break;
                case "idle":
                    IdleScenario.child(rest, commands);
                    break;
                case "vthreads":
                    VirtualThreadScenario.child(rest, commands);
                    break;
                case "conc-reader":
                    ConcurrencyScenario.reader(rest, commands);
                    break;
                default:
                    throw new IllegalArgumentException("unknown role " + role);
            }
        } catch (Throwable t) {
            t.printStackTrace();
            answer("error " + t);
            System.exit(1);
        }
        System.exit(0);
    }
}

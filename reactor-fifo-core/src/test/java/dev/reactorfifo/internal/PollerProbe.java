package dev.reactorfifo.internal;

import java.util.ArrayList;
import java.util.List;

/** Lets the public-package tests see what the process-wide poller still has registered. */
public final class PollerProbe {

    private PollerProbe() {}

    /** @return a description of each waiter still registered with the poller, with its pipe */
    public static List<String> registeredWaiters() {
        List<String> found = new ArrayList<>();
        for (Waiter w : Poller.INSTANCE.waiters.values()) {
            String target;
            try {
                target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + w.armedFd())).toString();
            } catch (java.io.IOException | RuntimeException e) {
                target = "?";
            }
            found.add(w + " -> " + target);
        }
        return found;
    }
}

package dev.csmpipeline.localstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;

/** Loopback port checks. Everything the local stack starts binds 127.0.0.1 only. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** True when nothing listens on 127.0.0.1:{@code port} and it can be bound. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port: " + e.getMessage(), e);
        }
    }

    /** Fails with a message naming the port and its owner when {@code port} is taken. */
    public static void requireFree(int port, String what, String setting) {
        if (!isFree(port)) {
            throw new StartupException("port " + port + " for " + what + " is already in use on " + LOOPBACK
                    + ": stop whatever listens there (is another local stack running?) or set " + setting
                    + " to another port");
        }
    }

    /** True when something accepts connections on 127.0.0.1:{@code port}. */
    public static boolean isListening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until {@code port} accepts connections; false on timeout. */
    public static boolean awaitListening(int port, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (isListening(port)) {
                return true;
            }
            sleep(Duration.ofMillis(100));
        }
        return false;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while waiting", e);
        }
    }
}

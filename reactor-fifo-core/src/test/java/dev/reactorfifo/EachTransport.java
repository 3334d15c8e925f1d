package dev.reactorfifo;

import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs every test of a subclass once per {@link FifoTransport}: both transports promise the
 * same contract, so they share one set of integration tests.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(FifoTransport.class)
abstract class EachTransport {

    @Parameter
    FifoTransport transport;

    ReadOptions read() {
        return ReadOptions.defaults().transport(transport);
    }

    WriteOptions write() {
        return WriteOptions.defaults().transport(transport);
    }
}

package dev.ncsn.infra.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The test app: sends words to a Kafka topic through one channel and receives them through another. */
@ApplicationScoped
public class Words {

    private final List<String> received = new CopyOnWriteArrayList<>();

    @Inject
    @Channel("words-out")
    Emitter<String> out;

    public void send(String word) {
        out.send(word);
    }

    @Incoming("words-in")
    void receive(String word) {
        received.add(word);
    }

    public List<String> received() {
        return received;
    }
}

// Message groups and exclusive consumers: every message of one JMSXGroupID goes to the same
// consumer while it lives; with consumer.exclusive=true only one consumer of a queue receives.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class Groups {
    public static void main(String[] args) throws Exception {
        Connection connection = new ActiveMQConnectionFactory(Check.url(args) + (Check.url(args).contains("?") ? "&" : "?") + "jms.prefetchPolicy.queuePrefetch=1").createConnection();
        connection.start();
        try {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            String name = Check.unique("groups");
            javax.jms.Queue q = s.createQueue(name);
            MessageConsumer c1 = s.createConsumer(q);
            MessageConsumer c2 = connection.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
            MessageProducer p = s.createProducer(q);
            for (int i = 0; i < 6; i++) {
                TextMessage m = s.createTextMessage((i % 2 == 0 ? "A" : "B") + i);
                m.setStringProperty("JMSXGroupID", i % 2 == 0 ? "A" : "B");
                p.send(m);
            }
            String owner1 = null;
            String owner2 = null;
            int got = 0;
            for (int round = 0; round < 20 && got < 6; round++) {
                for (MessageConsumer c : new MessageConsumer[] {c1, c2}) {
                    Message m = c.receive(200);
                    if (m == null) continue;
                    got++;
                    String group = m.getStringProperty("JMSXGroupID");
                    if (c == c1) {
                        if (owner1 == null) owner1 = group;
                        Check.equal("consumer 1 keeps its group", owner1, group);
                    } else {
                        if (owner2 == null) owner2 = group;
                        Check.equal("consumer 2 keeps its group", owner2, group);
                    }
                }
            }
            Check.equal("all messages", 6, got);
            Check.pass("groups - every message of a JMSXGroupID goes to the same consumer");

            javax.jms.Queue eq = s.createQueue(Check.unique("exclusive") + "?consumer.exclusive=true");
            MessageConsumer first = s.createConsumer(eq);
            MessageConsumer second = connection.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(eq);
            MessageProducer ep = s.createProducer(eq);
            for (int i = 0; i < 4; i++) ep.send(s.createTextMessage("e" + i));
            for (int i = 0; i < 4; i++) Check.equal("the exclusive consumer gets all", "e" + i, ((TextMessage) first.receive(5000)).getText());
            Check.ok(second.receive(300) == null, "the other consumer gets nothing");
            first.close();
            ep.send(s.createTextMessage("after"));
            Check.equal("the next consumer takes over", "after", ((TextMessage) second.receive(5000)).getText());
            Check.pass("exclusive - one consumer receives; the next takes over when it closes");
        } finally {
            connection.close();
        }
    }
}

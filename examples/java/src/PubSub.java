// Publish/subscribe: every subscriber of a topic gets every message published while it is
// subscribed; a message published with nobody subscribed is gone. Wildcard subscriptions
// (`*` one element, `>` the rest) receive from every matching topic.
import java.util.concurrent.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class PubSub {
    public static void main(String[] args) throws Exception {
        ConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        Connection connection = cf.createConnection();
        connection.start();
        try {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            String base = Check.unique("pubsub");
            Topic topic = session.createTopic(base + ".news");
            MessageProducer producer = session.createProducer(topic);
            producer.send(session.createTextMessage("before anyone listens"));

            MessageConsumer a = session.createConsumer(topic);
            MessageConsumer b = session.createConsumer(topic);
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            Session listenerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            listenerSession.createConsumer(topic).setMessageListener(m -> {
                try {
                    got.add(((TextMessage) m).getText());
                } catch (JMSException e) {
                    got.add("error");
                }
            });
            for (int i = 0; i < 3; i++) producer.send(session.createTextMessage("news " + i));
            for (int i = 0; i < 3; i++) {
                Check.equal("subscriber a", "news " + i, ((TextMessage) a.receive(5000)).getText());
                Check.equal("subscriber b", "news " + i, ((TextMessage) b.receive(5000)).getText());
                Check.equal("listener", "news " + i, got.poll(5, TimeUnit.SECONDS));
            }
            Check.ok(a.receive(300) == null, "the message published before subscribing must not arrive");
            Check.pass("pubsub - every subscriber gets every message; earlier ones are not kept");

            MessageConsumer star = session.createConsumer(session.createTopic(base + ".*"));
            MessageConsumer all = session.createConsumer(session.createTopic(base + ".>"));
            session.createProducer(session.createTopic(base + ".sport")).send(session.createTextMessage("sport"));
            session.createProducer(session.createTopic(base + ".sport.football")).send(session.createTextMessage("football"));
            Check.equal("* gets one level", "sport", ((TextMessage) star.receive(5000)).getText());
            Check.ok(star.receive(300) == null, "* must not match two levels");
            Check.equal("> gets the first", "sport", ((TextMessage) all.receive(5000)).getText());
            Check.equal("> gets deeper levels", "football", ((TextMessage) all.receive(5000)).getText());
            Check.pass("pubsub - wildcard subscriptions: * matches one element, > the rest");
        } finally {
            connection.close();
        }
    }
}

// Durable subscriptions: with a clientID and a subscription name, messages published while the
// subscriber is offline wait for it; unsubscribe removes the subscription. A second connection
// with the same clientID is refused with InvalidClientIDException.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class DurableTopic {
    public static void main(String[] args) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        String clientId = Check.unique("durable-client");
        String topicName = Check.unique("durable.topic");

        Connection c1 = cf.createConnection();
        c1.setClientID(clientId);
        c1.start();
        Session s1 = c1.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic topic = s1.createTopic(topicName);
        TopicSubscriber sub = s1.createDurableSubscriber(topic, "sub1");
        MessageProducer p = s1.createProducer(topic);
        p.send(s1.createTextMessage("online"));
        Check.equal("online", "online", ((TextMessage) sub.receive(5000)).getText());

        Connection dup = cf.createConnection();
        try {
            dup.setClientID(clientId);
            dup.start();
            throw new AssertionError("a second connection with the same clientID must be refused");
        } catch (InvalidClientIDException expected) {
            // as ActiveMQ
        } finally {
            try { dup.close(); } catch (JMSException ignored) { }
        }
        Check.pass("durable - a clientID in use is refused with InvalidClientIDException");

        sub.close();
        for (int i = 0; i < 3; i++) p.send(s1.createTextMessage("offline " + i));
        c1.close();

        Connection c2 = cf.createConnection();
        c2.setClientID(clientId);
        c2.start();
        Session s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TopicSubscriber again = s2.createDurableSubscriber(s2.createTopic(topicName), "sub1");
        for (int i = 0; i < 3; i++) Check.equal("kept while offline", "offline " + i, ((TextMessage) again.receive(5000)).getText());
        Check.ok(again.receive(300) == null, "nothing more");
        Check.pass("durable - messages published while the subscriber was offline wait for it");

        again.close();
        s2.unsubscribe("sub1");
        s2.createProducer(s2.createTopic(topicName)).send(s2.createTextMessage("after unsubscribe"));
        TopicSubscriber fresh = s2.createDurableSubscriber(s2.createTopic(topicName), "sub1");
        Check.ok(fresh.receive(500) == null, "a new subscription starts empty");
        fresh.close();
        s2.unsubscribe("sub1");
        try {
            s2.unsubscribe("never-existed");
            throw new AssertionError("unsubscribing an unknown subscription must fail");
        } catch (InvalidDestinationException expected) {
            // as ActiveMQ
        }
        c2.close();
        Check.pass("durable - unsubscribe removes the subscription; an unknown name is InvalidDestinationException");
    }
}

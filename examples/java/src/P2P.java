// Point-to-point (the tutorial's first program): a producer sends to a queue; a consumer reads
// with synchronous receive, another with a MessageListener. Each message goes to one consumer.

import java.util.concurrent.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class P2P {
    public static void main(String[] args) throws Exception {
        ConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        Connection connection = cf.createConnection();
        connection.start();
        try {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue queue = session.createQueue(Check.unique("p2p.queue"));
            MessageProducer producer = session.createProducer(queue);
            for (int i = 0; i < 10; i++) producer.send(session.createTextMessage("message " + i));

            MessageConsumer consumer = session.createConsumer(queue);
            for (int i = 0; i < 10; i++) {
                TextMessage m = (TextMessage) consumer.receive(5000);
                Check.ok(m != null, "receive " + i + " timed out");
                Check.equal("body", "message " + i, m.getText());
                Check.equal("destination", queue, m.getJMSDestination());
                Check.equal("delivery mode", DeliveryMode.PERSISTENT, m.getJMSDeliveryMode());
                Check.equal("redelivered", false, m.getJMSRedelivered());
            }
            Check.ok(consumer.receiveNoWait() == null, "queue should be empty");
            consumer.close();
            Check.pass("p2p - synchronous receive gets every message once, in order");

            Session listenerSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            MessageConsumer listener = listenerSession.createConsumer(queue);
            listener.setMessageListener(m -> {
                try {
                    got.add(((TextMessage) m).getText());
                } catch (JMSException e) {
                    got.add("error " + e);
                }
            });
            for (int i = 0; i < 5; i++) producer.send(session.createTextMessage("async " + i));
            for (int i = 0; i < 5; i++) Check.equal("listener body", "async " + i, got.poll(5, TimeUnit.SECONDS));
            Check.pass("p2p - a MessageListener gets the messages sent after it was set");
        } finally {
            connection.close();
        }
    }
}

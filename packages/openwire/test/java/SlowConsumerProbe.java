// The ActiveMQ client as a slow topic subscriber: prefetch 2, never reads, 20 messages sent.
// A broker with abortSlowConsumerStrategy closes it; one line per observation:
// the SlowConsumer advisory, then whether the consumer was closed (and how the client saw it).
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class SlowConsumerProbe {
    public static void main(String[] a) throws Exception {
        String url = a[0], topic = a[1];
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
        f.getPrefetchPolicy().setTopicPrefetch(2);
        Connection slow = f.createConnection();
        StringBuilder errors = new StringBuilder();
        slow.setExceptionListener(e -> errors.append(e.getMessage()));
        slow.start();
        Session ss = slow.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        MessageConsumer consumer = ss.createConsumer(ss.createTopic(topic));
        Connection other = new ActiveMQConnectionFactory(url).createConnection();
        other.start();
        Session os = other.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer advisories = os.createConsumer(os.createTopic("ActiveMQ.Advisory.SlowConsumer.Topic." + topic));
        MessageProducer p = os.createProducer(os.createTopic(topic));
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        for (int i = 0; i < 20; i++) p.send(os.createTextMessage("m" + i));
        Message adv = advisories.receive(10000);
        System.out.println("advisory:" + (adv == null ? "none" : "consumerId=" + (adv.getStringProperty("consumerId") != null)));
        String state = "open";
        for (int i = 0; i < 100 && state.equals("open"); i++) {
            try {
                consumer.getMessageListener();
                Thread.sleep(100);
            } catch (javax.jms.IllegalStateException e) {
                state = "closed";
            }
        }
        System.out.println("consumer:" + state);
        System.out.println("exception-listener:" + (errors.length() > 0 ? "called" : "silent"));
        Session again = slow.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer fresh = again.createConsumer(again.createTopic(topic));
        p.send(os.createTextMessage("after"));
        Message m = fresh.receive(5000);
        System.out.println("connection-usable:" + (m != null));
        System.exit(0);
    }
}

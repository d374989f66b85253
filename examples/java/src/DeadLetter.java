// The dead letter queue with a RedeliveryPolicy (the tutorial's message reliability part): a
// message rolled back more than maximumRedeliveries times goes to ActiveMQ.DLQ, carrying the
// cause in dlqDeliveryFailureCause; a message that expires goes there too if persistent.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;

public class DeadLetter {
    public static void main(String[] args) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(2);
        policy.setInitialRedeliveryDelay(0);
        policy.setRedeliveryDelay(0);
        cf.setRedeliveryPolicy(policy);
        Connection connection = cf.createConnection();
        connection.start();
        try {
            Session tx = connection.createSession(true, Session.SESSION_TRANSACTED);
            Queue q = tx.createQueue(Check.unique("dlq.orders"));
            MessageProducer p = tx.createProducer(q);
            TextMessage sent = tx.createTextMessage("poison");
            sent.setStringProperty("orderId", "42");
            p.send(sent);
            tx.commit();

            MessageConsumer c = tx.createConsumer(q);
            for (int i = 1; i <= 3; i++) {
                Message m = c.receive(5000);
                Check.ok(m != null, "delivery " + i);
                Check.equal("JMSXDeliveryCount", i, m.getIntProperty("JMSXDeliveryCount"));
                tx.rollback();
            }
            Check.ok(c.receive(500) == null, "after maximumRedeliveries the message is gone from the queue");
            c.close();

            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer dlq = s.createConsumer(s.createQueue("ActiveMQ.DLQ"), "orderId = '42' AND JMSMessageID = '" + sent.getJMSMessageID() + "'");
            Message dead = dlq.receive(5000);
            Check.ok(dead != null, "the message is on ActiveMQ.DLQ");
            Check.equal("body", "poison", ((TextMessage) dead).getText());
            String cause = dead.getStringProperty("dlqDeliveryFailureCause");
            Check.ok(cause != null && cause.contains("redelivery policy"), "dlqDeliveryFailureCause names the redelivery policy: " + cause);
            Check.pass("dlq - past maximumRedeliveries a message goes to ActiveMQ.DLQ with dlqDeliveryFailureCause");

            Queue eq = s.createQueue(Check.unique("dlq.expiring"));
            MessageProducer ep = s.createProducer(eq);
            ep.setTimeToLive(200);
            TextMessage expiring = s.createTextMessage("too late");
            ep.send(expiring);
            Thread.sleep(600);
            Check.ok(s.createConsumer(eq).receive(1000) == null, "an expired message is not delivered");
            MessageConsumer dlq2 = s.createConsumer(s.createQueue("ActiveMQ.DLQ"), "JMSMessageID = '" + expiring.getJMSMessageID() + "'");
            Message expired = dlq2.receive(5000);
            Check.ok(expired != null, "the expired persistent message is on ActiveMQ.DLQ");
            Check.pass("dlq - an expired persistent message goes to ActiveMQ.DLQ");
        } finally {
            connection.close();
        }
    }
}

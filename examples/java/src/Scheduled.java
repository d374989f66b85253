// Scheduled delivery (the tutorial's limited-time order): AMQ_SCHEDULED_DELAY holds a message
// back; AMQ_SCHEDULED_PERIOD with AMQ_SCHEDULED_REPEAT delivers it again.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ScheduledMessage;

public class Scheduled {
    public static void main(String[] args) throws Exception {
        Connection connection = new ActiveMQConnectionFactory(Check.url(args)).createConnection();
        connection.start();
        try {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue(Check.unique("order.timeout"));
            MessageConsumer c = s.createConsumer(q);
            MessageProducer p = s.createProducer(q);
            TextMessage m = s.createTextMessage("order 1001: cancel if unpaid");
            m.setLongProperty(ScheduledMessage.AMQ_SCHEDULED_DELAY, 1500);
            long sent = System.currentTimeMillis();
            p.send(m);
            Check.ok(c.receive(700) == null, "a delayed message is not delivered at once");
            Message got = c.receive(10000);
            Check.ok(got != null, "the delayed message arrives");
            Check.ok(System.currentTimeMillis() - sent >= 1400, "not before its delay");
            Check.equal("body", "order 1001: cancel if unpaid", ((TextMessage) got).getText());
            Check.pass("scheduled - AMQ_SCHEDULED_DELAY delays delivery");

            TextMessage r = s.createTextMessage("reminder");
            r.setLongProperty(ScheduledMessage.AMQ_SCHEDULED_DELAY, 200);
            r.setLongProperty(ScheduledMessage.AMQ_SCHEDULED_PERIOD, 200);
            r.setIntProperty(ScheduledMessage.AMQ_SCHEDULED_REPEAT, 2);
            p.send(r);
            for (int i = 0; i < 3; i++) Check.ok(c.receive(10000) != null, "repeat " + i);
            Check.ok(c.receive(1000) == null, "no more than 1 + AMQ_SCHEDULED_REPEAT deliveries");
            Check.pass("scheduled - AMQ_SCHEDULED_PERIOD and AMQ_SCHEDULED_REPEAT deliver again");
        } finally {
            connection.close();
        }
    }
}

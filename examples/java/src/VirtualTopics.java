// Virtual topics and composite destinations: a producer publishes to VirtualTopic.<name>; each
// consumer group reads its own queue Consumer.<group>.VirtualTopic.<name>, load-balanced within
// the group. A send to the composite queue "a,b" reaches both queues.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class VirtualTopics {
    public static void main(String[] args) throws Exception {
        Connection connection = new ActiveMQConnectionFactory(Check.url(args)).createConnection();
        connection.start();
        try {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            String name = Check.unique("vtgroup");
            MessageConsumer a1 = s.createConsumer(s.createQueue("Consumer.A.VirtualTopic." + name));
            MessageConsumer a2 = s.createConsumer(s.createQueue("Consumer.A.VirtualTopic." + name));
            MessageConsumer b = s.createConsumer(s.createQueue("Consumer.B.VirtualTopic." + name));
            MessageProducer p = s.createProducer(s.createTopic("VirtualTopic." + name));
            for (int i = 0; i < 4; i++) p.send(s.createTextMessage("v" + i));
            int groupA = 0;
            for (MessageConsumer c : new MessageConsumer[] {a1, a2}) {
                while (c.receive(500) != null) groupA++;
            }
            Check.equal("group A gets each message once", 4, groupA);
            for (int i = 0; i < 4; i++) Check.equal("group B gets every message", "v" + i, ((TextMessage) b.receive(5000)).getText());
            Check.pass("virtual topic - each consumer group gets every message once");

            String qa = Check.unique("composite.a");
            String qb = Check.unique("composite.b");
            s.createProducer(s.createQueue(qa + "," + qb)).send(s.createTextMessage("both"));
            Check.equal("first queue", "both", ((TextMessage) s.createConsumer(s.createQueue(qa)).receive(5000)).getText());
            Check.equal("second queue", "both", ((TextMessage) s.createConsumer(s.createQueue(qb)).receive(5000)).getText());
            String topicName = Check.unique("composite.t");
            MessageConsumer t = s.createConsumer(s.createTopic(topicName));
            String qc = Check.unique("composite.c");
            s.createProducer(s.createQueue(qc + ",topic://" + topicName)).send(s.createTextMessage("mixed"));
            Check.equal("queue part", "mixed", ((TextMessage) s.createConsumer(s.createQueue(qc)).receive(5000)).getText());
            Check.equal("topic part", "mixed", ((TextMessage) t.receive(5000)).getText());
            Check.pass("composite - a send to \"a,b\" (and \"a,topic://t\") reaches every destination");
        } finally {
            connection.close();
        }
    }
}

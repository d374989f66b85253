// The ActiveMQ client against Wharf's security: a wrong password, a refused send, and an allowed
// send on the same connection, with the JMSXUserID the broker wrote. One line per step.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class SecurityProbe {
    public static void main(String[] a) throws Exception {
        String url = a[0], user = a[1], password = a[2], allowed = a[3], denied = a[4];
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
        try {
            Connection bad = f.createConnection(user, password + "-wrong");
            bad.start();
            System.out.println("wrong-password:accepted");
            bad.close();
        } catch (JMSException e) {
            System.out.println("wrong-password:" + e.getClass().getName());
        }
        Connection c = f.createConnection(user, password);
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        try {
            MessageProducer p = s.createProducer(null);
            p.send(s.createQueue(denied), s.createTextMessage("no"));
            System.out.println("denied:sent");
        } catch (JMSException e) {
            System.out.println("denied:" + e.getClass().getName() + ":" + e.getMessage());
        }
        MessageProducer p = s.createProducer(s.createQueue(allowed));
        TextMessage out = s.createTextMessage("yes");
        out.setStringProperty("JMSXUserID", "admin");
        p.send(out);
        MessageConsumer consumer = s.createConsumer(s.createQueue(allowed));
        TextMessage in = (TextMessage) consumer.receive(5000);
        System.out.println("allowed:" + (in == null ? "null" : in.getText() + ":" + in.getStringProperty("JMSXUserID")));
        c.close();
        // The refused connection's transport threads would keep the JVM alive.
        System.exit(0);
    }
}

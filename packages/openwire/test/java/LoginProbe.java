// One login with ActiveMQ's client: prints "accepted" or the exception's class and message; with
// a fourth argument, then a send to that queue: "sent" or the exception.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class LoginProbe {
    public static void main(String[] a) throws Exception {
        try {
            Connection c = new ActiveMQConnectionFactory(a[0]).createConnection(a[1], a[2]);
            c.start();
            System.out.println("accepted");
            if (a.length > 3) {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                try {
                    s.createProducer(s.createQueue(a[3])).send(s.createTextMessage("probe"));
                    System.out.println("sent");
                } catch (JMSException e) {
                    System.out.println(e.getClass().getName() + ":" + e.getMessage());
                }
            }
            c.close();
        } catch (JMSException e) {
            System.out.println(e.getClass().getName() + ":" + e.getMessage());
        }
        // A refused connection's transport threads would keep the JVM alive.
        System.exit(0);
    }
}

// Test helper for the cross-protocol test: `send` writes one message of each body kind with every
// JMS header and typed properties; `receive` prints what a Java application sees of n messages.
import java.util.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class CrossProtocol {
    public static void main(String[] a) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(a[1]);
        cf.setTrustedPackages(Arrays.asList("java.util", "java.lang"));
        Connection c = cf.createConnection();
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        javax.jms.Queue q = s.createQueue(a[2]);
        if (a[0].equals("send")) {
            MessageProducer p = s.createProducer(q);
            p.setPriority(6);
            p.setTimeToLive(600000);
            MapMessage map = s.createMapMessage();
            map.setShort("short", (short) 7);
            map.setString("name", "widget");
            map.setDouble("price", 9.5);
            StreamMessage stream = s.createStreamMessage();
            stream.writeInt(1);
            stream.writeString("two");
            stream.writeBoolean(true);
            BytesMessage bytes = s.createBytesMessage();
            bytes.writeBytes(new byte[] {0, 1, 2, (byte) 255});
            Message[] ms = {s.createTextMessage("hello \u00e9"), map, bytes, stream, s.createObjectMessage("serialised"), s.createMessage()};
            String[] kinds = {"text", "map", "bytes", "stream", "object", "none"};
            for (int i = 0; i < ms.length; i++) {
                Message m = ms[i];
                m.setJMSCorrelationID("corr-" + kinds[i]);
                m.setJMSType("type-" + kinds[i]);
                m.setJMSReplyTo(s.createQueue("reply." + kinds[i]));
                m.setStringProperty("kind", kinds[i]);
                m.setBooleanProperty("pBool", true);
                m.setByteProperty("pByte", (byte) -3);
                m.setShortProperty("pShort", (short) 300);
                m.setIntProperty("pInt", 70000);
                m.setLongProperty("pLong", 9007199254740993L);
                m.setFloatProperty("pFloat", 1.5f);
                m.setDoubleProperty("pDouble", 2.25);
                m.setStringProperty("JMSXGroupID", "group-1");
                p.send(m);
                System.out.println("sent " + kinds[i] + " " + m.getJMSMessageID() + " " + m.getJMSTimestamp() + " " + m.getJMSExpiration());
            }
        } else {
            MessageConsumer consumer = s.createConsumer(q);
            int n = Integer.parseInt(a[3]);
            for (int i = 0; i < n; i++) {
                Message m = consumer.receive(10000);
                if (m == null) throw new AssertionError("message " + i + " did not arrive");
                System.out.println(BridgeJava.describe(m));
            }
        }
        c.close();
    }
}

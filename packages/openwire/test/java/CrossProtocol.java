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
                StringBuilder b = new StringBuilder();
                b.append("class=").append(m.getClass().getSimpleName());
                b.append("|id=").append(m.getJMSMessageID());
                b.append("|corr=").append(m.getJMSCorrelationID());
                b.append("|type=").append(m.getJMSType());
                b.append("|replyTo=").append(m.getJMSReplyTo());
                b.append("|priority=").append(m.getJMSPriority());
                b.append("|mode=").append(m.getJMSDeliveryMode());
                b.append("|expiration=").append(m.getJMSExpiration() > 0);
                List<String> names = new ArrayList<>();
                for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements();) names.add((String) e.nextElement());
                Collections.sort(names);
                for (String name : names) {
                    Object v = m.getObjectProperty(name);
                    b.append("|p.").append(name).append('=').append(v == null ? "null" : v.getClass().getSimpleName() + ":" + v);
                }
                if (m instanceof TextMessage) b.append("|body=").append(((TextMessage) m).getText());
                if (m instanceof BytesMessage) {
                    BytesMessage bm = (BytesMessage) m;
                    byte[] data = new byte[(int) bm.getBodyLength()];
                    bm.readBytes(data);
                    b.append("|body=").append(Arrays.toString(data));
                }
                if (m instanceof MapMessage) {
                    MapMessage mm = (MapMessage) m;
                    List<String> keys = new ArrayList<>();
                    for (Enumeration<?> e = mm.getMapNames(); e.hasMoreElements();) keys.add((String) e.nextElement());
                    Collections.sort(keys);
                    for (String k : keys) b.append("|m.").append(k).append('=').append(mm.getObject(k).getClass().getSimpleName()).append(':').append(mm.getObject(k));
                }
                if (m instanceof StreamMessage) {
                    StreamMessage sm = (StreamMessage) m;
                    try {
                        while (true) {
                            Object o = sm.readObject();
                            b.append("|s=").append(o.getClass().getSimpleName()).append(':').append(o);
                        }
                    } catch (MessageEOFException end) {
                        // end of the stream
                    }
                }
                if (m instanceof ObjectMessage) b.append("|body=").append(((ObjectMessage) m).getObject());
                System.out.println(b);
            }
        }
        c.close();
    }
}

// Every JMS header, every typed property and every body kind through the broker and back:
// a Java short stays a short, a long beyond 2^53 stays exact, text bodies keep NUL and characters
// outside the BMP; selectors see headers and properties.
import java.util.ArrayList;
import java.util.Arrays;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class Headers {
    static void props(Message m) throws JMSException {
        m.setBooleanProperty("pBool", true);
        m.setByteProperty("pByte", (byte) -8);
        m.setShortProperty("pShort", (short) 1234);
        m.setIntProperty("pInt", -123456);
        m.setLongProperty("pLong", 9007199254740993L);
        m.setLongProperty("pSmallLong", 7L);
        m.setFloatProperty("pFloat", 2.5f);
        m.setDoubleProperty("pDouble", 3.0);
        // (Not NUL or characters beyond the BMP: ActiveMQ's client reads string properties as standard
        // UTF-8 while it writes them as modified UTF-8, so those come back garbled on ActiveMQ too.)
        m.setStringProperty("pString", "h\u00e9llo w\u00f6rld \u263A");
    }

    static void checkProps(Message m) throws JMSException {
        Check.equal("Boolean", Boolean.TRUE, m.getObjectProperty("pBool"));
        Check.equal("Byte", Byte.valueOf((byte) -8), m.getObjectProperty("pByte"));
        Check.equal("Short", Short.valueOf((short) 1234), m.getObjectProperty("pShort"));
        Check.equal("Integer", Integer.valueOf(-123456), m.getObjectProperty("pInt"));
        Check.equal("Long", Long.valueOf(9007199254740993L), m.getObjectProperty("pLong"));
        Check.equal("small Long", Long.valueOf(7L), m.getObjectProperty("pSmallLong"));
        Check.equal("Float", Float.valueOf(2.5f), m.getObjectProperty("pFloat"));
        Check.equal("Double", Double.valueOf(3.0), m.getObjectProperty("pDouble"));
        Check.equal("String", "h\u00e9llo w\u00f6rld \u263A", m.getObjectProperty("pString"));
    }

    public static void main(String[] args) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        // ActiveMQ's client deserialises ObjectMessage bodies of trusted packages only.
        cf.setTrustedPackages(Arrays.asList("java.util", "java.lang"));
        Connection connection = cf.createConnection();
        connection.start();
        try {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue(Check.unique("headers"));
            TemporaryQueue replyTo = s.createTemporaryQueue();
            MessageProducer p = s.createProducer(q);
            MessageConsumer c = s.createConsumer(q);

            TextMessage t = s.createTextMessage("text \u0000 \uD83D\uDE00");
            t.setJMSCorrelationID("corr-1");
            t.setJMSType("OrderCreated");
            t.setJMSReplyTo(replyTo);
            props(t);
            p.send(t, DeliveryMode.NON_PERSISTENT, 7, 60000);
            TextMessage rt = (TextMessage) c.receive(5000);
            Check.equal("text", "text \u0000 \uD83D\uDE00", rt.getText());
            Check.equal("JMSMessageID", t.getJMSMessageID(), rt.getJMSMessageID());
            Check.equal("JMSCorrelationID", "corr-1", rt.getJMSCorrelationID());
            Check.equal("JMSType", "OrderCreated", rt.getJMSType());
            Check.equal("JMSReplyTo", replyTo, rt.getJMSReplyTo());
            Check.equal("JMSDeliveryMode", DeliveryMode.NON_PERSISTENT, rt.getJMSDeliveryMode());
            Check.equal("JMSPriority", 7, rt.getJMSPriority());
            Check.equal("JMSTimestamp", t.getJMSTimestamp(), rt.getJMSTimestamp());
            Check.equal("JMSExpiration", t.getJMSExpiration(), rt.getJMSExpiration());
            Check.equal("JMSDestination", q, rt.getJMSDestination());
            checkProps(rt);
            Check.pass("headers - every JMS header and typed property arrives as sent");

            MapMessage mm = s.createMapMessage();
            mm.setShort("short", (short) -2);
            mm.setLong("long", Long.MAX_VALUE);
            mm.setChar("char", 'x');
            mm.setBytes("bytes", new byte[] {1, 2, 3});
            mm.setFloat("float", 0.5f);
            mm.setString("string", "s");
            p.send(mm);
            MapMessage rm = (MapMessage) c.receive(5000);
            Check.equal("map short", Short.valueOf((short) -2), rm.getObject("short"));
            Check.equal("map long", Long.valueOf(Long.MAX_VALUE), rm.getObject("long"));
            Check.equal("map char", Character.valueOf('x'), rm.getObject("char"));
            Check.ok(Arrays.equals(new byte[] {1, 2, 3}, rm.getBytes("bytes")), "map bytes");
            Check.equal("map float", Float.valueOf(0.5f), rm.getObject("float"));
            Check.equal("map string", "s", rm.getObject("string"));

            BytesMessage bm = s.createBytesMessage();
            bm.writeInt(42);
            bm.writeUTF("utf");
            p.send(bm);
            BytesMessage rb = (BytesMessage) c.receive(5000);
            Check.equal("bytes int", 42, rb.readInt());
            Check.equal("bytes utf", "utf", rb.readUTF());

            StreamMessage sm = s.createStreamMessage();
            sm.writeShort((short) 5);
            sm.writeString("two");
            sm.writeDouble(1.25);
            p.send(sm);
            StreamMessage rs = (StreamMessage) c.receive(5000);
            Check.equal("stream short", Short.valueOf((short) 5), rs.readObject());
            Check.equal("stream string", "two", rs.readObject());
            Check.equal("stream double", Double.valueOf(1.25), rs.readObject());

            p.send(s.createObjectMessage(new ArrayList<>(Arrays.asList("o-1", "o-2"))));
            ObjectMessage ro = (ObjectMessage) c.receive(5000);
            Check.equal("object", Arrays.asList("o-1", "o-2"), ro.getObject());
            Check.pass("bodies - map, bytes, stream and object bodies arrive with their types");

            TextMessage red = s.createTextMessage("red");
            red.setStringProperty("color", "red");
            red.setIntProperty("weight", 5);
            TextMessage blue = s.createTextMessage("blue");
            blue.setStringProperty("color", "blue");
            blue.setIntProperty("weight", 1);
            MessageConsumer sel = s.createConsumer(q, "color = 'red' AND weight > 3 AND JMSPriority = 4 AND JMSType IS NULL");
            p.send(blue);
            p.send(red);
            Check.equal("selector", "red", ((TextMessage) sel.receive(5000)).getText());
            sel.close();
            Check.equal("the other stays", "blue", ((TextMessage) c.receive(5000)).getText());
            try {
                s.createConsumer(q, "color = = 'red'");
                throw new AssertionError("a bad selector must be refused");
            } catch (InvalidSelectorException expected) {
                // as ActiveMQ
            }
            Check.pass("selectors - on headers and properties; a bad one is InvalidSelectorException");
        } finally {
            connection.close();
        }
    }
}

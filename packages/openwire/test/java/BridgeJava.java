// Test helper for test-cluster/openwire-bridge.test.mjs, on ActiveMQ's own client (describe() also
// prints what CrossProtocol receives).
//
//   send URL DEST TAG ROUNDS       two producers (each on its own connection, the second with
//                                  compression on) send, in turns, ROUNDS rounds of one message
//                                  of each body kind (Text, Bytes, Map, Stream, Object, plain)
//                                  with every settable JMS header and a typed property of each
//                                  kind; prints one line per message sent
//   receive URL DEST COUNT         prints "consuming" once its consumer exists, receives COUNT
//                                  messages, checks that no more arrive, and prints one line per
//                                  message received
//   browse URL QUEUE               prints one line per message a QueueBrowser sees
//   demand URL TOPIC               waits (60 s) until the broker's consumer advisory for TOPIC
//                                  counts a consumer (a bridge's, for a subscriber elsewhere)
// DEST is queue:NAME or topic:NAME.
//
// A line describes everything a Java application sees of a message (JMSMessageID, JMSTimestamp,
// JMSExpiration, JMSCorrelationID, JMSType, JMSReplyTo, JMSPriority, delivery mode, each property
// with its Java type, the body with the Java type of each entry), so the test compares the lines
// sent with the lines received.
import java.io.Serializable;
import java.util.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class BridgeJava {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("send")) send(a[1], a[2], a[3], Integer.parseInt(a[4]));
        else if (a[0].equals("demand")) demand(factory(a[1]), a[2]);
        else if (a[0].equals("browse")) browse(factory(a[1]), a[2]);
        else receive(factory(a[1]), a[2], Integer.parseInt(a[3]));
    }

    static ActiveMQConnectionFactory factory(String url) {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url);
        cf.setTrustedPackages(Arrays.asList("java.util", "java.lang"));
        return cf;
    }

    static Destination destination(Session s, String dest) throws JMSException {
        if (dest.startsWith("topic:")) return s.createTopic(dest.substring(6));
        if (dest.startsWith("queue:")) return s.createQueue(dest.substring(6));
        throw new IllegalArgumentException("destination must be queue:NAME or topic:NAME, got " + dest);
    }

    static void send(String url, String dest, String tag, int rounds) throws Exception {
        ActiveMQConnectionFactory compressing = factory(url);
        compressing.setUseCompression(true);
        Connection[] cs = {factory(url).createConnection(), compressing.createConnection()};
        Session[] ss = new Session[2];
        MessageProducer[] ps = new MessageProducer[2];
        for (int i = 0; i < 2; i++) {
            cs[i].start();
            ss[i] = cs[i].createSession(false, Session.AUTO_ACKNOWLEDGE);
            ps[i] = ss[i].createProducer(destination(ss[i], dest));
        }
        // Producer 0: persistent, priority 7, a time to live; producer 1: non-persistent,
        // priority 2, never expires (JMSExpiration 0).
        ps[0].setDeliveryMode(DeliveryMode.PERSISTENT);
        ps[0].setPriority(7);
        ps[0].setTimeToLive(3_600_000);
        ps[1].setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        ps[1].setPriority(2);
        String[] kinds = KINDS;
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (String kind : kinds) {
                for (int p = 0; p < 2; p++) {
                    Session s = ss[p];
                    Message m = create(s, kind, n);
                    String producer = tag + "-p" + p;
                    m.setJMSCorrelationID("corr-" + producer + "-" + n);
                    m.setJMSType("type-" + kind);
                    m.setJMSReplyTo(n % 2 == 0 ? s.createQueue("reply." + producer) : s.createTopic("reply.topic." + producer));
                    m.setStringProperty("producer", producer);
                    m.setIntProperty("seq", n);
                    m.setBooleanProperty("pBool", n % 2 == 0);
                    m.setByteProperty("pByte", (byte) (-3 - n % 100));
                    m.setShortProperty("pShort", (short) (300 + n));
                    m.setIntProperty("pInt", 70000 + n);
                    m.setLongProperty("pLong", 9007199254740993L + n);
                    m.setFloatProperty("pFloat", 1.5f + n);
                    m.setDoubleProperty("pDouble", 2.25 + n);
                    m.setStringProperty("pString", "s\u00e9-" + n);
                    m.setStringProperty("JMSXGroupID", "group-" + producer);
                    m.setIntProperty("JMSXGroupSeq", n + 1);
                    ps[p].send(m);
                    System.out.println(describe(m));
                    n++;
                }
            }
        }
        for (Connection c : cs) c.close();
    }

    /** What one round sends, per producer. */
    static final String[] KINDS = {"text", "bytes", "map", "stream", "object", "none", "text-null", "text-big", "bytes-empty", "map-edge"};

    static Message create(Session s, String kind, int n) throws JMSException {
        switch (kind) {
            case "text": return s.createTextMessage("hello \u00e9 \ud83d\ude00 " + n);
            case "text-null": return s.createTextMessage();
            case "text-big": {
                // Past 64 KiB: OpenWire's long string form, in the body and in a property.
                StringBuilder big = new StringBuilder();
                while (big.length() < 70_000) big.append("big \u00e9 text ").append(big.length()).append(' ');
                TextMessage m = s.createTextMessage(big.toString());
                m.setStringProperty("pBig", big.toString());
                return m;
            }
            case "bytes-empty": return s.createBytesMessage();
            case "map-edge": {
                MapMessage m = s.createMapMessage();
                // ActiveMQ's client also takes lists and maps as values, nested.
                HashMap<String, Object> inner = new HashMap<>();
                inner.put("a", 1L);
                inner.put("b", "bee");
                inner.put("c", new ArrayList<Object>(Arrays.asList((short) 2, 'z', 0.5f)));
                m.setObject("map", inner);
                m.setObject("list", new ArrayList<Object>(Arrays.asList(1, "two", 3.5, new byte[] {4}, null)));
                m.setObjectProperty("pList", new ArrayList<Object>(Arrays.asList(1, "two", (byte) 3)));
                m.setString("empty", "");
                m.setString("none", null);
                m.setBytes("noBytes", new byte[0]);
                return m;
            }
            case "bytes": {
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(new byte[] {0, 1, 2, (byte) 255, (byte) n});
                return m;
            }
            case "map": {
                MapMessage m = s.createMapMessage();
                m.setBoolean("bool", true);
                m.setByte("byte", (byte) -7);
                m.setShort("short", (short) 7);
                m.setChar("char", 'x');
                m.setInt("int", 1 << 20);
                m.setLong("long", 1L << 40);
                m.setFloat("float", 0.5f);
                m.setDouble("double", 9.5);
                m.setString("string", "widget " + n);
                m.setBytes("bytes", new byte[] {9, 8, 7});
                return m;
            }
            case "stream": {
                StreamMessage m = s.createStreamMessage();
                m.writeBoolean(false);
                m.writeByte((byte) 5);
                m.writeShort((short) -300);
                m.writeChar('y');
                m.writeInt(n);
                m.writeLong(-(1L << 41));
                m.writeFloat(-0.25f);
                m.writeDouble(1e300);
                m.writeString("two");
                m.writeBytes(new byte[] {1, 2});
                return m;
            }
            case "object": {
                HashMap<String, Serializable> o = new HashMap<>();
                o.put("n", n);
                o.put("name", "serialised");
                return s.createObjectMessage(o);
            }
            default: return s.createMessage();
        }
    }

    static void browse(ActiveMQConnectionFactory cf, String queue) throws Exception {
        Connection c = cf.createConnection();
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        QueueBrowser b = s.createBrowser(s.createQueue(queue));
        for (Enumeration<?> e = b.getEnumeration(); e.hasMoreElements();) System.out.println(describe((Message) e.nextElement()));
        c.close();
    }

    static void demand(ActiveMQConnectionFactory cf, String topic) throws Exception {
        Connection c = cf.createConnection();
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer advisories = s.createConsumer(s.createTopic("ActiveMQ.Advisory.Consumer.Topic." + topic));
        long deadline = System.currentTimeMillis() + 60_000;
        for (;;) {
            Message m = advisories.receive(Math.max(1, deadline - System.currentTimeMillis()));
            if (m == null) throw new AssertionError("no consumer on topic " + topic + " within 60 s");
            if (m.getIntProperty("consumerCount") >= 1) break;
        }
        c.close();
    }

    static void receive(ActiveMQConnectionFactory cf, String dest, int count) throws Exception {
        Connection c = cf.createConnection();
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = s.createConsumer(destination(s, dest));
        System.out.println("consuming");
        for (int i = 0; i < count; i++) {
            Message m = consumer.receive(60_000);
            if (m == null) throw new AssertionError("message " + i + " of " + count + " did not arrive");
            System.out.println(describe(m));
        }
        // Exactly once: nothing more is on its way (a duplicate would follow the last message).
        Message extra = consumer.receive(1500);
        if (extra != null) throw new AssertionError("one message too many: " + describe(extra));
        c.close();
    }

    static String describe(Message m) throws JMSException {
        StringBuilder b = new StringBuilder();
        b.append("class=").append(m.getClass().getSimpleName());
        b.append("|id=").append(m.getJMSMessageID());
        b.append("|dest=").append(m.getJMSDestination());
        b.append("|timestamp=").append(m.getJMSTimestamp());
        b.append("|expiration=").append(m.getJMSExpiration());
        b.append("|corr=").append(m.getJMSCorrelationID());
        b.append("|type=").append(m.getJMSType());
        b.append("|replyTo=").append(m.getJMSReplyTo());
        b.append("|priority=").append(m.getJMSPriority());
        b.append("|mode=").append(m.getJMSDeliveryMode());
        List<String> names = new ArrayList<>();
        for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements();) names.add((String) e.nextElement());
        Collections.sort(names);
        for (String name : names) b.append("|p.").append(name).append('=').append(typed(m.getObjectProperty(name)));
        if (m instanceof TextMessage) b.append("|body=").append(((TextMessage) m).getText());
        if (m instanceof BytesMessage) {
            BytesMessage bm = (BytesMessage) m;
            bm.reset();
            byte[] data = new byte[(int) bm.getBodyLength()];
            bm.readBytes(data);
            bm.reset();
            b.append("|body=").append(Arrays.toString(data));
        }
        if (m instanceof MapMessage) {
            MapMessage mm = (MapMessage) m;
            List<String> keys = new ArrayList<>();
            for (Enumeration<?> e = mm.getMapNames(); e.hasMoreElements();) keys.add((String) e.nextElement());
            Collections.sort(keys);
            for (String k : keys) b.append("|m.").append(k).append('=').append(typed(mm.getObject(k)));
        }
        if (m instanceof StreamMessage) {
            StreamMessage sm = (StreamMessage) m;
            sm.reset();
            try {
                while (true) {
                    Object o = sm.readObject();
                    b.append("|s=").append(typed(o));
                }
            } catch (MessageEOFException end) {
                // the end of the stream
            }
            sm.reset();
        }
        if (m instanceof ObjectMessage) b.append("|body=").append(typed(((ObjectMessage) m).getObject()));
        return b.toString();
    }

    static String typed(Object v) {
        if (v == null) return "null";
        if (v instanceof byte[]) return "byte[]:" + Arrays.toString((byte[]) v);
        if (v instanceof List) {
            StringBuilder b = new StringBuilder("List:[");
            for (Object o : (List<?>) v) b.append(typed(o)).append(", ");
            return b.append(']').toString();
        }
        if (v instanceof Map) {
            StringBuilder b = new StringBuilder("Map:{");
            for (Map.Entry<?, ?> e : new TreeMap<>((Map<?, ?>) v).entrySet()) b.append(e.getKey()).append('=').append(typed(e.getValue())).append(", ");
            return b.append('}').toString();
        }
        return v.getClass().getSimpleName() + ":" + v;
    }
}

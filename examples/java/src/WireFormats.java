// The wireFormat.* options of the client URL: tight or loose encoding, the marshal cache on or
// off and OpenWire versions 9 to 12; each combination connects and carries a typed message.
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class WireFormats {
    public static void main(String[] args) throws Exception {
        String url = Check.url(args);
        String sep = url.contains("?") ? "&" : "?";
        int n = 0;
        for (int version = 9; version <= 12; version++) {
            for (String tight : new String[] {"true", "false"}) {
                for (String cache : new String[] {"true", "false"}) {
                    String u = url + sep + "wireFormat.version=" + version + "&wireFormat.tightEncodingEnabled=" + tight + "&wireFormat.cacheEnabled=" + cache;
                    Connection connection = new ActiveMQConnectionFactory(u).createConnection();
                    connection.start();
                    try {
                        Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                        javax.jms.Queue q = s.createQueue(Check.unique("wireformat.v" + version));
                        MessageProducer p = s.createProducer(q);
                        MessageConsumer c = s.createConsumer(q);
                        for (int i = 0; i < 3; i++) {
                            TextMessage m = s.createTextMessage("v" + version + " " + i);
                            m.setShortProperty("s", (short) i);
                            m.setLongProperty("l", Long.MIN_VALUE + i);
                            p.send(m);
                        }
                        for (int i = 0; i < 3; i++) {
                            TextMessage m = (TextMessage) c.receive(5000);
                            Check.ok(m != null, u + ": message " + i);
                            Check.equal(u + " body", "v" + version + " " + i, m.getText());
                            Check.equal(u + " short", Short.valueOf((short) i), m.getObjectProperty("s"));
                            Check.equal(u + " long", Long.valueOf(Long.MIN_VALUE + i), m.getObjectProperty("l"));
                        }
                        n++;
                    } finally {
                        connection.close();
                    }
                }
            }
        }
        Check.equal("combinations", 16, n);
        Check.pass("wire format - versions 9 to 12, tight and loose, cache on and off, set from the client URL");

        // jms.useCompression: bodies travel deflated; every consumer reads them as sent.
        Connection compressing = new ActiveMQConnectionFactory(url + sep + "jms.useCompression=true").createConnection();
        Connection plain = new ActiveMQConnectionFactory(url).createConnection();
        compressing.start();
        plain.start();
        try {
            Session cs = compressing.createSession(false, Session.AUTO_ACKNOWLEDGE);
            javax.jms.Queue q = cs.createQueue(Check.unique("wireformat.compressed"));
            MessageProducer p = cs.createProducer(q);
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 2000; i++) big.append("compressible text ").append(i % 10).append(' ');
            p.send(cs.createTextMessage(big.toString()));
            BytesMessage bm = cs.createBytesMessage();
            byte[] data = new byte[20000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i % 7);
            bm.writeBytes(data);
            p.send(bm);
            MapMessage mm = cs.createMapMessage();
            mm.setString("text", big.toString());
            mm.setShort("short", (short) 3);
            p.send(mm);
            // A small body: the client deflates its whole write buffer, zeros after the body.
            BytesMessage small = cs.createBytesMessage();
            small.writeBytes(new byte[] {1, 2, 3, (byte) 255, 5});
            p.send(small);
            MessageConsumer c = plain.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
            Check.equal("compressed text", big.toString(), ((TextMessage) c.receive(5000)).getText());
            BytesMessage rb = (BytesMessage) c.receive(5000);
            byte[] back = new byte[(int) rb.getBodyLength()];
            rb.readBytes(back);
            Check.ok(java.util.Arrays.equals(data, back), "compressed bytes");
            MapMessage rm = (MapMessage) c.receive(5000);
            Check.equal("compressed map text", big.toString(), rm.getString("text"));
            Check.equal("compressed map short", Short.valueOf((short) 3), rm.getObject("short"));
            BytesMessage rs = (BytesMessage) c.receive(5000);
            Check.equal("small compressed bytes length", 5L, rs.getBodyLength());
            byte[] five = new byte[5];
            rs.readBytes(five);
            Check.ok(java.util.Arrays.equals(new byte[] {1, 2, 3, (byte) 255, 5}, five), "small compressed bytes");
        } finally {
            compressing.close();
            plain.close();
        }
        Check.pass("wire format - compressed bodies (jms.useCompression) arrive intact");
    }
}

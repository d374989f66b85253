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
    }
}

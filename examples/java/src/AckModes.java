// Acknowledge modes and transactions: CLIENT_ACKNOWLEDGE (acknowledge() acks everything received
// so far; unacknowledged messages come back redelivered after close), INDIVIDUAL_ACKNOWLEDGE
// (only that message), DUPS_OK, and a transacted session (commit sends and consumes; rollback
// redelivers with JMSRedelivered and JMSXDeliveryCount raised).
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;

public class AckModes {
    static Connection connection;

    static Queue fill(String name, int n) throws JMSException {
        Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(Check.unique(name));
        MessageProducer p = s.createProducer(q);
        for (int i = 0; i < n; i++) p.send(s.createTextMessage("m" + i));
        s.close();
        return q;
    }

    static String text(Message m) throws JMSException {
        Check.ok(m != null, "expected a message");
        return ((TextMessage) m).getText();
    }

    public static void main(String[] args) throws Exception {
        ConnectionFactory cf = new ActiveMQConnectionFactory(Check.url(args));
        connection = cf.createConnection();
        connection.start();
        try {
            // CLIENT_ACKNOWLEDGE
            Queue q = fill("ack.client", 4);
            Session s = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            MessageConsumer c = s.createConsumer(q);
            Check.equal("first", "m0", text(c.receive(5000)));
            Message second = c.receive(5000);
            Check.equal("second", "m1", text(second));
            second.acknowledge(); // acks m0 and m1
            Check.equal("third", "m2", text(c.receive(5000)));
            s.close(); // m2 (received, not acked) and m3 (prefetched) go back
            Session s2 = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer c2 = s2.createConsumer(q);
            Message again = c2.receive(5000);
            Check.equal("redelivered first", "m2", text(again));
            Check.equal("JMSRedelivered", true, again.getJMSRedelivered());
            Check.equal("JMSXDeliveryCount", 2, again.getIntProperty("JMSXDeliveryCount"));
            Message never = c2.receive(5000);
            Check.equal("prefetched, never seen", "m3", text(never));
            Check.equal("not redelivered", false, never.getJMSRedelivered());
            Check.ok(c2.receive(300) == null, "m0 and m1 were acknowledged");
            s2.close();
            Check.pass("ack - CLIENT_ACKNOWLEDGE acks all received; the rest comes back, redelivered only if the application saw it");

            // INDIVIDUAL_ACKNOWLEDGE
            q = fill("ack.individual", 3);
            s = connection.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
            c = s.createConsumer(q);
            Message m0 = c.receive(5000);
            Message m1 = c.receive(5000);
            Message m2 = c.receive(5000);
            m1.acknowledge();
            s.close();
            s2 = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            c2 = s2.createConsumer(q);
            Check.equal("m0 back", "m0", text(c2.receive(5000)));
            Check.equal("m2 back", "m2", text(c2.receive(5000)));
            Check.ok(c2.receive(300) == null, "m1 was acknowledged alone");
            s2.close();
            Check.pass("ack - INDIVIDUAL_ACKNOWLEDGE acks only that message");

            // DUPS_OK
            q = fill("ack.dupsok", 5);
            s = connection.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
            c = s.createConsumer(q);
            for (int i = 0; i < 5; i++) Check.equal("dups ok", "m" + i, text(c.receive(5000)));
            s.close();
            s2 = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Check.ok(s2.createConsumer(q).receive(500) == null, "all consumed");
            s2.close();
            Check.pass("ack - DUPS_OK_ACKNOWLEDGE consumes");

            // Transacted session
            Session tx = connection.createSession(true, Session.SESSION_TRANSACTED);
            Queue tq = tx.createQueue(Check.unique("ack.tx"));
            MessageProducer tp = tx.createProducer(tq);
            tp.send(tx.createTextMessage("t0"));
            tp.send(tx.createTextMessage("t1"));
            Session peek = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer pc = peek.createConsumer(tq);
            Check.ok(pc.receive(300) == null, "uncommitted sends are invisible");
            pc.close();
            tx.rollback();
            tp.send(tx.createTextMessage("t2"));
            tx.commit();
            MessageConsumer tc = tx.createConsumer(tq);
            Message t = tc.receive(5000);
            Check.equal("only the committed send", "t2", text(t));
            tx.rollback();
            t = tc.receive(5000);
            Check.equal("redelivered after rollback", "t2", text(t));
            Check.equal("JMSRedelivered after rollback", true, t.getJMSRedelivered());
            Check.equal("JMSXDeliveryCount after rollback", 2, t.getIntProperty("JMSXDeliveryCount"));
            tx.commit();
            tc.close();
            pc = peek.createConsumer(tq);
            Check.ok(pc.receive(500) == null, "the committed receive consumed it");
            Check.pass("ack - transacted: commit sends and consumes; rollback discards sends and redelivers");
        } finally {
            connection.close();
        }
    }
}

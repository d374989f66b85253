// Consumers with prefetch 0 (each receive asks the broker), queue browsers, temporary queues for
// request/reply (a send to a deleted one fails), noLocal topic subscribers.
import java.util.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class Features {
    public static void main(String[] args) throws Exception {
        String url = Check.url(args);
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url + (url.contains("?") ? "&" : "?") + "jms.prefetchPolicy.all=0");
        Connection connection = cf.createConnection();
        connection.start();
        try {
            Session s = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            javax.jms.Queue q = s.createQueue(Check.unique("features.pull"));
            MessageConsumer c = s.createConsumer(q);
            Check.ok(c.receiveNoWait() == null, "receiveNoWait on an empty queue");
            Check.ok(c.receive(300) == null, "receive(timeout) on an empty queue");
            MessageProducer p = s.createProducer(q);
            p.send(s.createTextMessage("one"));
            p.send(s.createTextMessage("two"));
            Check.equal("pull 1", "one", ((TextMessage) c.receive(5000)).getText());
            MessageConsumer other = connection.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
            Check.equal("a prefetch-0 consumer holds nothing back", "two", ((TextMessage) other.receive(5000)).getText());
            Check.pass("prefetch 0 - each receive pulls one message; nothing is held by an idle consumer");

            javax.jms.Queue bq = s.createQueue(Check.unique("features.browse"));
            MessageProducer bp = s.createProducer(bq);
            for (int i = 0; i < 3; i++) bp.send(s.createTextMessage("b" + i));
            QueueBrowser browser = s.createBrowser(bq);
            List<String> seen = new ArrayList<>();
            for (Enumeration<?> e = browser.getEnumeration(); e.hasMoreElements();) seen.add(((TextMessage) e.nextElement()).getText());
            Check.equal("browsed", Arrays.asList("b0", "b1", "b2"), seen);
            browser.close();
            MessageConsumer bc = s.createConsumer(bq);
            Check.equal("still there after browsing", "b0", ((TextMessage) bc.receive(5000)).getText());
            Check.pass("browser - sees the queue without consuming it");

            TemporaryQueue tq = s.createTemporaryQueue();
            MessageConsumer replies = s.createConsumer(tq);
            MessageProducer rp = s.createProducer(null);
            TextMessage req = s.createTextMessage("ping");
            req.setJMSReplyTo(tq);
            rp.send(tq, s.createTextMessage("pong"));
            Check.equal("reply", "pong", ((TextMessage) replies.receive(5000)).getText());
            replies.close();
            tq.delete();
            try {
                rp.send(tq, s.createTextMessage("too late"));
                throw new AssertionError("a send to a deleted temporary queue must fail");
            } catch (InvalidDestinationException expected) {
                // as ActiveMQ: the client learnt the deletion from the temp destination advisory
            }
            Check.pass("temporary queue - request/reply works; a send to a deleted one is InvalidDestinationException");

            // Request/reply across connections: the responder's client learns of the requester's
            // temporary queue, and of its deletion, from the broker's advisories.
            Connection responderConn = new ActiveMQConnectionFactory(url).createConnection();
            responderConn.start();
            Session rs = responderConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
            javax.jms.Queue service = rs.createQueue(Check.unique("features.service"));
            MessageConsumer requests = rs.createConsumer(service);
            MessageProducer responder = rs.createProducer(null);
            responder.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            TemporaryQueue replyQueue = s.createTemporaryQueue();
            MessageConsumer replyConsumer = s.createConsumer(replyQueue);
            TextMessage request = s.createTextMessage("2+2");
            request.setJMSReplyTo(replyQueue);
            s.createProducer(service).send(request);
            Message got = requests.receive(5000);
            Check.ok(got != null, "the request arrives");
            Destination back = got.getJMSReplyTo();
            Check.equal("reply-to", replyQueue, back);
            responder.send(back, rs.createTextMessage("4"));
            Check.equal("reply across connections", "4", ((TextMessage) replyConsumer.receive(5000)).getText());
            replyConsumer.close();
            replyQueue.delete();
            boolean refused = false;
            for (int i = 0; i < 50 && !refused; i++) {
                try {
                    responder.send(back, rs.createTextMessage("late"));
                    Thread.sleep(100);
                } catch (InvalidDestinationException expected) {
                    refused = true;
                }
            }
            Check.ok(refused, "the responder learns that the temporary queue was deleted");
            responderConn.close();
            Check.pass("temporary queue - request/reply across connections; the other connection learns of the deletion");

            Topic t = s.createTopic(Check.unique("features.nolocal"));
            MessageConsumer noLocal = s.createConsumer(t, null, true);
            MessageConsumer all = s.createConsumer(t);
            s.createProducer(t).send(s.createTextMessage("mine"));
            Connection other2 = new ActiveMQConnectionFactory(url).createConnection();
            other2.start();
            Session os = other2.createSession(false, Session.AUTO_ACKNOWLEDGE);
            os.createProducer(os.createTopic(t.getTopicName())).send(os.createTextMessage("theirs"));
            Check.equal("noLocal skips its own connection", "theirs", ((TextMessage) noLocal.receive(5000)).getText());
            Check.equal("others see both", "mine", ((TextMessage) all.receive(5000)).getText());
            other2.close();
            Check.pass("noLocal - a subscriber does not get its own connection's messages");

            // Producer flow control: with producerWindowSize the client waits for the broker's
            // ProducerAcks before it sends more than the window.
            Connection windowed = new ActiveMQConnectionFactory(url + (url.contains("?") ? "&" : "?") + "jms.producerWindowSize=8192&jms.useAsyncSend=true").createConnection();
            windowed.start();
            Session ws = windowed.createSession(false, Session.AUTO_ACKNOWLEDGE);
            javax.jms.Queue wq = ws.createQueue(Check.unique("features.window"));
            MessageProducer wp = ws.createProducer(wq);
            char[] kb = new char[1024];
            Arrays.fill(kb, 'w');
            for (int i = 0; i < 500; i++) wp.send(ws.createTextMessage(new String(kb)));
            MessageConsumer wc = ws.createConsumer(wq);
            for (int i = 0; i < 500; i++) Check.ok(wc.receive(5000) != null, "windowed message " + i);
            windowed.close();
            Check.pass("producer window - async sends past producerWindowSize proceed as the broker acknowledges them");
        } finally {
            connection.close();
        }
    }
}

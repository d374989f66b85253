// Throughput of ActiveMQ's own Java client against a broker: N producer threads (one connection
// each) send 256-byte text messages to one queue for a fixed time while a consumer connection
// drains it; prints the messages sent and received per second. The same program runs against
// ActiveMQ 5.17 and Wharf (scripts/bench-java-vs-activemq.sh).
//
//   java JavaBench <url> <persistent|non-persistent> <producers> <seconds> [size]
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class JavaBench {
    public static void main(String[] a) throws Exception {
        // A failed connection leaves the client's threads running: end the JVM either way.
        try {
            run(a);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    static void run(String[] a) throws Exception {
        String url = a[0];
        boolean persistent = a[1].equals("persistent");
        int producers = Integer.parseInt(a[2]);
        int seconds = Integer.parseInt(a[3]);
        int size = a.length > 4 ? Integer.parseInt(a[4]) : 256;
        String queue = "bench." + a[1] + "." + System.nanoTime();
        StringBuilder body = new StringBuilder();
        while (body.length() < size) body.append('x');
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url);

        Connection consumerConn = cf.createConnection();
        consumerConn.start();
        Session cs = consumerConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = cs.createConsumer(cs.createQueue(queue));
        AtomicLong received = new AtomicLong();
        consumer.setMessageListener(m -> received.incrementAndGet());

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        CountDownLatch done = new CountDownLatch(producers);
        for (int i = 0; i < producers; i++) {
            pool.execute(() -> {
                try {
                    Connection c = cf.createConnection();
                    c.start();
                    Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                    MessageProducer p = s.createProducer(s.createQueue(queue));
                    p.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
                    TextMessage m = s.createTextMessage(body.toString());
                    while (running.get()) {
                        p.send(m);
                        sent.incrementAndGet();
                    }
                    c.close();
                } catch (JMSException e) {
                    System.err.println("producer failed: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        running.set(false);
        long sentAtEnd = sent.get();
        long receivedAtEnd = received.get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        done.await(30, TimeUnit.SECONDS);
        pool.shutdown();
        consumerConn.close();
        System.out.printf("sent/s %.0f received/s %.0f%n", sentAtEnd / elapsed, receivedAtEnd / elapsed);
    }
}

// Java programs on ActiveMQ's own client for test-cluster/openwire-failover.test.mjs. Each prints
// one line per event on stdout ("SENT <body>", "RECV <body> <redelivered>", ...) for the test to
// follow, and runs until its stdin closes or it is told to stop.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.transport.TransportListener;
import org.apache.activemq.transport.failover.FailoverTransport;

public class OwFailover {
  static final AtomicBoolean stop = new AtomicBoolean(false);
  static final BufferedReader in = new BufferedReader(new InputStreamReader(System.in));

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String url = args[1];
    String queue = args[2];
    ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
    ActiveMQConnection c = (ActiveMQConnection) f.createConnection();
    c.addTransportListener(new TransportListener() {
      public void onCommand(Object command) {}
      public void onException(IOException error) { say("TRANSPORT-ERROR " + error); }
      public void transportInterupted() { say("INTERRUPTED"); }
      public void transportResumed() { say("RESUMED " + connectedTo(c)); }
    });
    c.start();
    switch (mode) {
      case "load": load(c, f, queue, Integer.parseInt(args[3])); break;
      case "find-master": findMaster(c, queue); break;
      case "tx-across-failover": txAcrossFailover(c, queue); break;
      case "durable-across-failover": durableAcrossFailover(c, queue); break;
      default: throw new IllegalArgumentException(mode);
    }
    c.close();
    say("CLOSED");
  }

  static synchronized void say(String line) {
    System.out.println(line);
  }

  static String connectedTo(ActiveMQConnection c) {
    FailoverTransport ft = c.getTransport().narrow(FailoverTransport.class);
    return ft == null ? "?" : String.valueOf(ft.getConnectedTransportURI());
  }

  /** Stops the producers when stdin says "stop" or closes. */
  static void watchStdin() {
    Thread t = new Thread(() -> {
      try {
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("stop")) { }
      } catch (IOException ignored) { }
      stop.set(true);
    });
    t.setDaemon(true);
    t.start();
  }

  /**
   * `producers` connections each sending persistent messages synchronously, one after the other
   * (SENT once send() returned), and one consuming connection (RECV body redelivered).
   */
  static void load(Connection consumerConnection, ActiveMQConnectionFactory f, String queue, int producers) throws Exception {
    watchStdin();
    Session cs = consumerConnection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    MessageConsumer mc = cs.createConsumer(cs.createQueue(queue));
    mc.setMessageListener(m -> {
      try {
        say("RECV " + ((TextMessage) m).getText() + " " + m.getJMSRedelivered());
      } catch (JMSException e) {
        say("RECV-FAILED " + e);
      }
    });
    Thread[] threads = new Thread[producers];
    for (int i = 0; i < producers; i++) {
      final String tag = "p" + i;
      Connection pc = f.createConnection();
      pc.start();
      threads[i] = new Thread(() -> {
        try {
          Session s = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
          MessageProducer p = s.createProducer(s.createQueue(queue));
          p.setDeliveryMode(DeliveryMode.PERSISTENT);
          for (int n = 1; !stop.get(); n++) {
            String body = tag + "-" + n;
            try {
              p.send(s.createTextMessage(body));
              say("SENT " + body);
            } catch (JMSException e) {
              say("SEND-FAILED " + body + " " + e);
            }
          }
          say("PRODUCER-DONE " + tag);
          pc.close();
        } catch (JMSException e) {
          say("PRODUCER-FAILED " + tag + " " + e);
        }
      });
      threads[i].start();
    }
    for (Thread t : threads) t.join();
    // The consumer runs on until the test has seen every message and closes stdin.
    while (in.readLine() != null) { }
  }

  /** Given one slave's URL: a send and a receive work, on the node the client found. */
  static void findMaster(ActiveMQConnection c, String queue) throws Exception {
    Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    Queue q = s.createQueue(queue);
    s.createProducer(q).send(s.createTextMessage("found"));
    Message m = s.createConsumer(q).receive(10000);
    say("FOUND " + (m == null ? "nothing" : ((TextMessage) m).getText()) + " " + connectedTo(c));
  }

  /**
   * A transacted consumer and a transacted producer, each with work in an open transaction when
   * the master dies; both commit after the client reconnected ("go" on stdin).
   */
  static void txAcrossFailover(ActiveMQConnection c, String queue) throws Exception {
    Session plain = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    Queue q = plain.createQueue(queue);
    plain.createProducer(q).send(plain.createTextMessage("before"));
    Session consuming = c.createSession(true, Session.SESSION_TRANSACTED);
    MessageConsumer mc = consuming.createConsumer(q);
    Message first = mc.receive(10000);
    say("TX-RECEIVED " + (first == null ? "nothing" : ((TextMessage) first).getText()));
    Session producing = c.createSession(true, Session.SESSION_TRANSACTED);
    MessageProducer p = producing.createProducer(plain.createQueue(queue + ".tx"));
    p.send(producing.createTextMessage("tx-1"));
    p.send(producing.createTextMessage("tx-2"));
    say("READY");
    String line;
    while ((line = in.readLine()) != null && !line.trim().equals("go")) { }
    say("CONSUMER-COMMIT " + commit(consuming));
    say("PRODUCER-COMMIT " + commit(producing));
    Message again = mc.receive(10000);
    say("AFTER " + (again == null ? "nothing" : ((TextMessage) again).getText() + " " + again.getJMSRedelivered()));
    say("CONSUMER-COMMIT-2 " + commit(consuming));
    MessageConsumer txq = plain.createConsumer(plain.createQueue(queue + ".tx"));
    // Two are expected; a third (a duplicate) would come within the short wait after them.
    for (int i = 0; i < 2; i++) {
      Message m = txq.receive(10000);
      say(m == null ? "TXQ nothing" : "TXQ " + ((TextMessage) m).getText() + " " + m.getJMSRedelivered());
    }
    for (Message m; (m = txq.receive(500)) != null; ) say("TXQ " + ((TextMessage) m).getText() + " " + m.getJMSRedelivered());
    for (Message m; (m = mc.receive(500)) != null; ) say("LEFT " + ((TextMessage) m).getText() + " " + m.getJMSRedelivered());
    consuming.commit();
  }

  /**
   * A connection with a client id and a durable subscription: it publishes and receives five
   * messages, then (after "go": the master was killed and the client reconnected) five more.
   */
  static void durableAcrossFailover(ActiveMQConnection c, String topic) throws Exception {
    Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    Topic t = s.createTopic(topic);
    MessageConsumer sub = s.createDurableSubscriber(t, "sub");
    Session ps = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    MessageProducer p = ps.createProducer(t);
    p.setDeliveryMode(DeliveryMode.PERSISTENT);
    for (int round = 0; round < 2; round++) {
      if (round == 1) {
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("go")) { }
      }
      for (int i = 1; i <= 5; i++) p.send(ps.createTextMessage("d-" + (round * 5 + i)));
      // An auto-ack is one-way: if the master dies before the last acks reach its slaves, those
      // messages come again (redelivered), so after the failover read until the round's last one.
      String last = "d-" + (round * 5 + 5);
      for (int i = 0; i < 10; i++) {
        Message m = sub.receive(10000);
        say(m == null ? "DURABLE nothing" : "DURABLE " + ((TextMessage) m).getText() + " " + m.getJMSRedelivered());
        if (m == null || ((TextMessage) m).getText().equals(last)) break;
      }
      if (round == 0) say("READY " + c.getClientID());
    }
  }

  static String commit(Session s) {
    try {
      s.commit();
      return "OK";
    } catch (JMSException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }
}

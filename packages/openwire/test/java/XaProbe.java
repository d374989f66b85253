// XA transactions through ActiveMQ's own client: XAResource driven directly (no transaction
// manager), as an application server's transaction manager would. Prints `key=value` lines
// that test/xa.test.ts checks; scripts/xa-vs-activemq.sh runs the same program against Apache
// ActiveMQ 5.17, which prints the same lines.
//
//   XaProbe twophase <url> <queue>        prepare/commit/rollback/one-phase/recover/error codes
//   XaProbe prepare <url> <queue> <tag>   two prepared branches left for a restart or failover,
//                                         and p3 available beside them
//   XaProbe complete <url> <queue> <tag>  recover them, commit the first, roll back the second
//   XaProbe hold <url> <queue> <tag>      both in one run, waiting for a line on stdin between
//                                         (the test kills the master there)
//   XaProbe active <url> <queue> <tag>    a branch started (not ended) that consumed and sent,
//                                         then a line on stdin (the broker dies and the failover
//                                         connection moves), then end, prepare and what is left
//   XaProbe interleaved <url> <queue> <tag>  branch X sends x1 and ends; branch Y, on the same
//                                         producer, sends y1 and commits in one phase; a line on
//                                         stdin (as for active); then X commits in one phase
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import javax.jms.Connection;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.jms.TextMessage;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQXAConnectionFactory;

public class XaProbe {
  static final class TestXid implements Xid {
    final byte[] gtrid;
    final byte[] bqual;
    TestXid(String g) {
      gtrid = g.getBytes();
      bqual = new byte[] {1};
    }
    public int getFormatId() { return 0x5757; }
    public byte[] getGlobalTransactionId() { return gtrid; }
    public byte[] getBranchQualifier() { return bqual; }
  }

  static String name(Xid x) {
    return x.getFormatId() + ":" + new String(x.getGlobalTransactionId()) + ":" + Arrays.toString(x.getBranchQualifier());
  }

  static void out(String k, Object v) {
    System.out.println(k + "=" + v);
  }

  static String tryCode(Runnable r) {
    try {
      r.run();
      return "ok";
    } catch (RuntimeException e) {
      if (e.getCause() instanceof XAException) return String.valueOf(((XAException) e.getCause()).errorCode);
      return e.toString();
    }
  }

  interface XaCall { void run() throws XAException; }
  static Runnable xa(XaCall c) {
    return () -> {
      try {
        c.run();
      } catch (XAException e) {
        throw new RuntimeException(e);
      }
    };
  }

  /** Bodies a plain consumer can take now, in order (each waits up to `wait` ms for the next). */
  static List<String> drain(Connection c, String queue, long wait) throws Exception {
    Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    MessageConsumer mc = s.createConsumer(s.createQueue(queue));
    List<String> got = new ArrayList<>();
    for (Message m; (m = mc.receive(wait)) != null;) got.add(((TextMessage) m).getText());
    mc.close();
    s.close();
    return got;
  }

  /** Bodies a QueueBrowser lists now, sorted. */
  static List<String> browse(Connection c, String queue) throws Exception {
    Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    QueueBrowser b = s.createBrowser(s.createQueue(queue));
    List<String> got = new ArrayList<>();
    for (Enumeration<?> e = b.getEnumeration(); e.hasMoreElements();) got.add(((TextMessage) e.nextElement()).getText());
    b.close();
    s.close();
    Collections.sort(got);
    return got;
  }

  static String waitForLine() throws Exception {
    return new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
  }

  static List<String> recovered(XAResource r, String prefix) throws XAException {
    TreeSet<String> names = new TreeSet<>();
    for (Xid x : r.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
      if (new String(x.getGlobalTransactionId()).startsWith(prefix)) names.add(name(x));
    }
    return new ArrayList<>(names);
  }

  /** Branch A consumes p1 and sends r1, branch B consumes p2 and sends r2; both prepared. */
  static void prepareTwo(XAResource r, Session s, Queue q, MessageProducer p, Session ps, MessageProducer plainProducer, String tag) throws Exception {
    plainProducer.send(ps.createTextMessage("p1"));
    plainProducer.send(ps.createTextMessage("p2"));
    MessageConsumer xcons = s.createConsumer(q);
    String[] names = {"A", "B"};
    for (int i = 0; i < 2; i++) {
      Xid x = new TestXid(tag + "-" + names[i]);
      r.start(x, XAResource.TMNOFLAGS);
      String got = ((TextMessage) xcons.receive(5000)).getText();
      p.send(s.createTextMessage("r" + (i + 1)));
      r.end(x, XAResource.TMSUCCESS);
      out("prepare." + names[i], r.prepare(x) + ":" + got);
    }
    xcons.close();
  }

  /** Recover the two branches of prepareTwo, commit A, roll back B, and show what is left. */
  static void completeTwo(XAResource r, Connection plain, String queue, String tag, boolean showBefore) throws Exception {
    out("recover", recovered(r, tag));
    if (showBefore) {
      out("browse.before", browse(plain, queue));
      out("visible.before", drain(plain, queue, 300));
    }
    r.commit(new TestXid(tag + "-A"), false);
    r.rollback(new TestXid(tag + "-B"));
    out("recover.after", recovered(r, tag));
    out("browse.after", browse(plain, queue));
    List<String> got = drain(plain, queue, 2000);
    Collections.sort(got);
    out("visible.after", got);
  }

  public static void main(String[] a) throws Exception {
    String mode = a[0], url = a[1], queue = a[2];
    ActiveMQXAConnectionFactory xf = new ActiveMQXAConnectionFactory(url);
    xf.setWatchTopicAdvisories(false);
    ActiveMQConnectionFactory pf = new ActiveMQConnectionFactory(url);
    pf.setWatchTopicAdvisories(false);
    XAConnection xc = xf.createXAConnection();
    Connection plain = pf.createConnection();
    xc.start();
    plain.start();
    try {
      XASession xs = xc.createXASession();
      XAResource r = xs.getXAResource();
      Session s = xs.getSession();
      Queue q = s.createQueue(queue);
      MessageProducer p = s.createProducer(q);
      Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer plainProducer = ps.createProducer(ps.createQueue(queue));
      switch (mode) {
        case "twophase": {
          // Sends: invisible while prepared, delivered once committed.
          Xid x1 = new TestXid("send-commit");
          r.start(x1, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("a1"));
          p.send(s.createTextMessage("a2"));
          r.end(x1, XAResource.TMSUCCESS);
          out("prepare.sends", r.prepare(x1));
          out("browse.prepared", browse(plain, queue));
          out("visible.prepared", drain(plain, queue, 300));
          out("recover.prepared", recovered(r, "send-commit"));
          r.commit(x1, false);
          out("recover.committed", recovered(r, "send-commit"));
          out("visible.committed", drain(plain, queue, 2000));
          // A prepared branch rolled back: its sends are gone.
          Xid x2 = new TestXid("send-rollback");
          r.start(x2, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("b1"));
          r.end(x2, XAResource.TMSUCCESS);
          out("prepare.rollback", r.prepare(x2));
          r.rollback(x2);
          // One phase: no prepare.
          Xid x3 = new TestXid("send-onephase");
          r.start(x3, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("c1"));
          r.end(x3, XAResource.TMSUCCESS);
          r.commit(x3, true);
          out("visible.rolledback.onephase", drain(plain, queue, 1000));
          // Acks: a prepared ack keeps the message from everyone; commit consumes it.
          plainProducer.send(ps.createTextMessage("d1"));
          MessageConsumer xcons = s.createConsumer(q);
          Xid x4 = new TestXid("ack-commit");
          r.start(x4, XAResource.TMNOFLAGS);
          out("xa.received", ((TextMessage) xcons.receive(5000)).getText());
          r.end(x4, XAResource.TMSUCCESS);
          out("prepare.ack", r.prepare(x4));
          out("browse.ackprepared.open", browse(plain, queue));
          xcons.close();
          out("browse.ackprepared", browse(plain, queue));
          out("visible.ackprepared", drain(plain, queue, 300));
          r.commit(x4, false);
          out("visible.ackcommitted", drain(plain, queue, 300));
          // A prepared ack rolled back: the message is available again, marked redelivered.
          plainProducer.send(ps.createTextMessage("e1"));
          xcons = s.createConsumer(q);
          Xid x5 = new TestXid("ack-rollback");
          r.start(x5, XAResource.TMNOFLAGS);
          out("xa.received2", ((TextMessage) xcons.receive(5000)).getText());
          r.end(x5, XAResource.TMSUCCESS);
          out("prepare.ack2", r.prepare(x5));
          xcons.close();
          r.rollback(x5);
          Session ds = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
          MessageConsumer dc = ds.createConsumer(ds.createQueue(queue));
          Message back = dc.receive(5000);
          out("ackrolledback", back == null ? "none" : ((TextMessage) back).getText() + ",redelivered=" + back.getJMSRedelivered());
          dc.close();
          // The error codes a transaction manager acts on.
          Xid x6 = new TestXid("empty");
          r.start(x6, XAResource.TMNOFLAGS);
          r.end(x6, XAResource.TMSUCCESS);
          out("prepare.empty", r.prepare(x6));
          out("commit.afterReadOnly", tryCode(xa(() -> r.commit(x6, false))));
          out("commit.unknown", tryCode(xa(() -> r.commit(new TestXid("unknown"), false))));
          out("rollback.unknown", tryCode(xa(() -> r.rollback(new TestXid("unknown")))));
          out("prepare.unknown", tryCode(xa(() -> r.prepare(new TestXid("unknown")))));
          out("forget.unknown", tryCode(xa(() -> r.forget(new TestXid("unknown")))));
          Xid x7 = new TestXid("unprepared");
          r.start(x7, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("g1"));
          r.end(x7, XAResource.TMSUCCESS);
          out("commit.twophase.unprepared", tryCode(xa(() -> r.commit(x7, false))));
          r.rollback(x7);
          Xid x8 = new TestXid("prepared-twice");
          r.start(x8, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("h1"));
          r.end(x8, XAResource.TMSUCCESS);
          r.prepare(x8);
          out("prepare.again", tryCode(xa(() -> r.prepare(x8))));
          out("commit.onephase.prepared", tryCode(xa(() -> r.commit(x8, true))));
          out("forget.prepared", tryCode(xa(() -> r.forget(new TestXid("prepared-twice")))));
          out("timeout.set", r.setTransactionTimeout(30));
          out("timeout.get", r.getTransactionTimeout());
          out("visible.end", drain(plain, queue, 1000));
          break;
        }
        case "prepare": {
          prepareTwo(r, s, q, p, ps, plainProducer, a[3]);
          out("browse.prepared", browse(plain, queue));
          out("visible.prepared", drain(plain, queue, 300));
          out("recover", recovered(r, a[3]));
          // Left in the queue across the restart, beside the messages the branches hold.
          plainProducer.send(ps.createTextMessage("p3"));
          break;
        }
        case "hold": {
          // One transaction manager across a failover: prepare, wait for the test to kill the
          // master (a line on stdin), then recover and complete on the reconnected connection.
          String tag = a[3];
          prepareTwo(r, s, q, p, ps, plainProducer, tag);
          System.out.println("prepared");
          System.out.flush();
          waitForLine();
          completeTwo(r, plain, queue, tag, false);
          break;
        }
        case "active": {
          // A branch still active when the broker dies: it consumed q1 and sent s1, not ended.
          String tag = a[3];
          plainProducer.send(ps.createTextMessage("q1"));
          MessageConsumer xcons = s.createConsumer(q);
          Xid x = new TestXid(tag);
          r.start(x, XAResource.TMNOFLAGS);
          out("active.received", ((TextMessage) xcons.receive(5000)).getText());
          p.send(s.createTextMessage("s1"));
          System.out.println("active");
          System.out.flush();
          waitForLine();
          out("active.end", tryCode(xa(() -> r.end(x, XAResource.TMSUCCESS))));
          out("active.prepare", tryCode(xa(() -> r.prepare(x))));
          out("active.commit", tryCode(xa(() -> r.commit(x, false))));
          out("active.rollback", tryCode(xa(() -> r.rollback(x))));
          out("active.recover", recovered(r, tag));
          xcons.close();
          out("active.browse", browse(plain, queue));
          Session ds = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
          MessageConsumer dc = ds.createConsumer(ds.createQueue(queue));
          List<String> left = new ArrayList<>();
          for (Message m; (m = dc.receive(2000)) != null;) left.add(((TextMessage) m).getText() + (m.getJMSRedelivered() ? "(redelivered)" : ""));
          dc.close();
          Collections.sort(left);
          out("active.visible", left);
          break;
        }
        case "interleaved": {
          // Y's send, stored before the failover, has a higher sequence than X's, which the
          // client replays to the broker it fails over to.
          String tag = a[3];
          Xid x = new TestXid(tag + "-X");
          Xid y = new TestXid(tag + "-Y");
          r.start(x, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("x1"));
          r.end(x, XAResource.TMSUCCESS);
          r.start(y, XAResource.TMNOFLAGS);
          p.send(s.createTextMessage("y1"));
          r.end(y, XAResource.TMSUCCESS);
          r.commit(y, true);
          System.out.println("interleaved");
          System.out.flush();
          waitForLine();
          out("interleaved.commit", tryCode(xa(() -> r.commit(x, true))));
          List<String> got = drain(plain, queue, 2000);
          Collections.sort(got);
          out("interleaved.visible", got);
          break;
        }
        case "complete":
          completeTwo(r, plain, queue, a[3], true);
          break;
        default:
          throw new IllegalArgumentException(mode);
      }
    } finally {
      plain.close();
      xc.close();
    }
  }
}

// Test helper for the OpenWire codec: ActiveMQ's own OpenWireFormat writes sample commands
// (gen), or reads commands another encoder wrote and writes them again (echo), so the tests can
// compare bytes with Wharf's codec both ways.
import java.io.*;
import java.util.*;
import org.apache.activemq.command.*;
import org.apache.activemq.openwire.OpenWireFormat;
import org.apache.activemq.util.ByteSequence;

public class OwCodec {
    static OpenWireFormat format(String[] a) {
        OpenWireFormat f = new OpenWireFormat(Integer.parseInt(a[1]));
        f.setTightEncodingEnabled(Boolean.parseBoolean(a[2]));
        f.setCacheEnabled(Boolean.parseBoolean(a[3]));
        f.setStackTraceEnabled(Boolean.parseBoolean(a[4]));
        return f;
    }

    public static void main(String[] a) throws Exception {
        OpenWireFormat f = format(a);
        if (a[0].equals("gen")) {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(a[5])))) {
                for (Object o : samples()) f.marshal(o, out);
            }
        } else {
            OpenWireFormat g = format(a);
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(a[5])));
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(a[6])))) {
                while (true) {
                    Object o;
                    try {
                        o = f.unmarshal(in);
                    } catch (EOFException e) {
                        break;
                    }
                    if (o instanceof Message) {
                        // Decode what a Java application would read, so a bad encoding fails here.
                        Message m = (Message) o;
                        m.getProperties();
                        if (m instanceof ActiveMQTextMessage) ((ActiveMQTextMessage) m).getText();
                        if (m instanceof ActiveMQMapMessage) ((ActiveMQMapMessage) m).getContentMap();
                        System.out.println(o);
                    }
                    g.marshal(o, out);
                }
            }
        }
    }

    static List<Object> samples() throws Exception {
        List<Object> l = new ArrayList<>();
        WireFormatInfo wfi = new WireFormatInfo();
        wfi.setVersion(12);
        wfi.setCacheEnabled(true);
        wfi.setTightEncodingEnabled(true);
        wfi.setMaxInactivityDuration(30000);
        wfi.setMaxFrameSize(104857600L);
        l.add(wfi);

        ConnectionId cid = new ConnectionId("ID:host-40000-1700000000000-1:1");
        SessionId sid = new SessionId(cid, 1);
        ProducerId pid = new ProducerId(sid, 1);
        ConsumerId kid = new ConsumerId(sid, 1);
        ActiveMQQueue q = new ActiveMQQueue("ORDERS.\u00e9t\u00e9");
        ActiveMQTopic t = new ActiveMQTopic("prices.>");

        BrokerInfo bi = new BrokerInfo();
        bi.setBrokerId(new BrokerId("ID:broker-1"));
        bi.setBrokerName("wharf");
        bi.setBrokerURL("tcp://127.0.0.1:61616");
        bi.setConnectionId(1L << 40);
        bi.setPeerBrokerInfos(new BrokerInfo[0]);
        l.add(bi);

        ConnectionInfo ci = new ConnectionInfo(cid);
        ci.setClientId("client\u0000one");
        ci.setUserName("user");
        ci.setPassword("p\u00e4ss");
        ci.setResponseRequired(true);
        ci.setCommandId(1);
        ci.setFaultTolerant(true);
        l.add(ci);

        l.add(new SessionInfo(sid));
        ConsumerInfo kinfo = new ConsumerInfo(kid);
        kinfo.setDestination(t);
        kinfo.setPrefetchSize(1000);
        kinfo.setSelector("color = 'red' AND weight > 3");
        kinfo.setSubscriptionName("sub-\uD83D\uDE00");
        kinfo.setClientId("c1");
        kinfo.setNoLocal(true);
        kinfo.setExclusive(true);
        kinfo.setPriority((byte) -3);
        kinfo.setResponseRequired(true);
        kinfo.setCommandId(3);
        l.add(kinfo);

        ProducerInfo pinfo = new ProducerInfo(pid);
        pinfo.setDestination(q);
        pinfo.setWindowSize(65536);
        l.add(pinfo);

        LocalTransactionId ltx = new LocalTransactionId(cid, 7);
        TransactionInfo ti = new TransactionInfo(cid, ltx, TransactionInfo.BEGIN);
        l.add(ti);
        XATransactionId xid = new XATransactionId();
        xid.setFormatId(42);
        xid.setGlobalTransactionId(new byte[] {1, 2, 3});
        xid.setBranchQualifier(new byte[] {9});
        l.add(new TransactionInfo(cid, xid, TransactionInfo.PREPARE));

        int seq = 0;
        for (ActiveMQMessage m : new ActiveMQMessage[] {
            new ActiveMQTextMessage(), new ActiveMQBytesMessage(), new ActiveMQMapMessage(),
            new ActiveMQStreamMessage(), new ActiveMQObjectMessage(), new ActiveMQMessage() }) {
            m.setMessageId(new MessageId(pid, ++seq));
            m.setProducerId(pid);
            m.setDestination(seq % 2 == 0 ? t : q);
            m.setPersistent(seq % 2 == 1);
            m.setTimestamp(1700000000000L + seq);
            m.setExpiration(seq == 3 ? 0 : 1800000000000L);
            m.setPriority((byte) 7);
            m.setCorrelationId("corr-" + seq);
            m.setJMSType("type\u0000x");
            m.setReplyTo(new ActiveMQTempQueue(cid, 1));
            m.setGroupID("g");
            m.setGroupSequence(seq);
            m.setRedeliveryCounter(seq - 1);
            if (seq == 2) m.setTransactionId(ltx);
            m.setBooleanProperty("bool", true);
            m.setByteProperty("byte", (byte) -7);
            m.setShortProperty("short", (short) -300);
            m.setIntProperty("int", 123456789);
            m.setLongProperty("long", 9007199254740993L);
            m.setLongProperty("smallLong", 5L);
            m.setFloatProperty("float", 1.5f);
            m.setDoubleProperty("double", 0.1);
            m.setStringProperty("str", "a\u0000b\uD83D\uDE00\u00ff");
            m.setObjectProperty("char", Character.valueOf('\u263A'));
            char[] big = new char[9000];
            Arrays.fill(big, 'x');
            m.setStringProperty("big", new String(big));
            if (m instanceof ActiveMQTextMessage) ((ActiveMQTextMessage) m).setText("hello \u0000 \uD83D\uDE00 w\u00f6rld");
            if (m instanceof ActiveMQBytesMessage) {
                ActiveMQBytesMessage b = (ActiveMQBytesMessage) m;
                b.writeBytes(new byte[] {0, 1, 2, (byte) 255});
                b.writeUTF("utf");
            }
            if (m instanceof ActiveMQMapMessage) {
                ActiveMQMapMessage mm = (ActiveMQMapMessage) m;
                mm.setShort("s", (short) 12);
                mm.setLong("l", Long.MIN_VALUE);
                mm.setBytes("b", new byte[] {5, 6});
                mm.setChar("c", 'z');
                mm.setDouble("d", Double.NaN);
                Map<String, Object> nested = new HashMap<>();
                nested.put("k", Arrays.asList(1, "two", 3.0f));
                mm.setObject("nested", nested);
                mm.setObject("list", new ArrayList<Object>(Arrays.asList((byte) 1, null, true)));
            }
            if (m instanceof ActiveMQStreamMessage) {
                ActiveMQStreamMessage s = (ActiveMQStreamMessage) m;
                s.writeInt(1);
                s.writeString("two");
                s.writeDouble(3.25);
                s.writeBoolean(false);
                s.writeBytes(new byte[] {7});
                s.writeChar('q');
            }
            if (m instanceof ActiveMQObjectMessage) ((ActiveMQObjectMessage) m).setObject("a serialised string");
            m.setBrokerPath(new BrokerId[] {new BrokerId("b1"), new BrokerId("b2")});
            l.add(m);

            MessageDispatch md = new MessageDispatch();
            md.setConsumerId(kid);
            md.setDestination(m.getDestination());
            md.setMessage(m);
            md.setRedeliveryCounter(2);
            l.add(md);
        }

        MessageAck ack = new MessageAck();
        ack.setAckType(MessageAck.POISON_ACK_TYPE);
        ack.setConsumerId(kid);
        ack.setDestination(q);
        ack.setFirstMessageId(new MessageId(pid, 1));
        ack.setLastMessageId(new MessageId(pid, 3));
        ack.setMessageCount(3);
        ack.setTransactionId(ltx);
        Throwable cause = new javax.jms.JMSException("Delivery[7] exceeds redelivery policy limit");
        cause.initCause(new IllegalStateException("inner"));
        ack.setPoisonCause(cause);
        l.add(ack);

        MessagePull pull = new MessagePull();
        pull.setConsumerId(kid);
        pull.setDestination(q);
        pull.setTimeout(-1);
        l.add(pull);

        DestinationInfo di = new DestinationInfo(cid, DestinationInfo.ADD_OPERATION_TYPE, new ActiveMQTempTopic(cid, 2));
        l.add(di);
        RemoveInfo ri = new RemoveInfo(kid);
        ri.setLastDeliveredSequenceId(123456789012L);
        l.add(ri);
        l.add(new RemoveInfo(sid));
        l.add(new RemoveInfo(cid));
        RemoveSubscriptionInfo rsi = new RemoveSubscriptionInfo();
        rsi.setConnectionId(cid);
        rsi.setClientId("c1");
        rsi.setSubscriptionName("sub");
        l.add(rsi);
        l.add(new KeepAliveInfo());
        l.add(new ShutdownInfo());
        Response r = new Response();
        r.setCorrelationId(5);
        l.add(r);
        ExceptionResponse er = new ExceptionResponse(new javax.jms.InvalidClientIDException("Broker: wharf - Client: c1 already connected"));
        er.setCorrelationId(6);
        l.add(er);
        IntegerResponse ir = new IntegerResponse(3);
        ir.setCorrelationId(7);
        l.add(ir);
        DataArrayResponse dar = new DataArrayResponse(new DataStructure[] {xid, xid});
        l.add(dar);
        ProducerAck pa = new ProducerAck(pid, 4096);
        l.add(pa);
        ConnectionControl cc = new ConnectionControl();
        cc.setFaultTolerant(true);
        cc.setConnectedBrokers("tcp://a:1,tcp://b:2");
        cc.setToken(new byte[] {1});
        l.add(cc);
        ConsumerControl kc = new ConsumerControl();
        kc.setConsumerId(kid);
        kc.setDestination(q);
        kc.setPrefetch(10);
        l.add(kc);
        ConnectionError ce = new ConnectionError();
        ce.setException(new IOException("boom"));
        ce.setConnectionId(cid);
        l.add(ce);
        MessageDispatchNotification mdn = new MessageDispatchNotification();
        mdn.setConsumerId(kid);
        mdn.setDestination(q);
        mdn.setDeliverySequenceId(99);
        mdn.setMessageId(new MessageId(pid, 1));
        l.add(mdn);
        ControlCommand cmd = new ControlCommand();
        cmd.setCommand("shutdown");
        l.add(cmd);
        l.add(new FlushCommand());
        SubscriptionInfo si = new SubscriptionInfo("c1", "sub");
        si.setDestination(t);
        si.setSelector("x > 1");
        l.add(si);
        // Many distinct ids and destinations, each cached once.
        for (int i = 0; i < 40; i++) {
            ProducerInfo p = new ProducerInfo(new ProducerId(sid, 100 + i));
            p.setDestination(new ActiveMQQueue("Q" + i));
            l.add(p);
        }
        return l;
    }
}

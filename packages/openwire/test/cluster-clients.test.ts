// What a Java client's FailoverTransport relies on in a replicated group, over real sockets with
// the codec as the client: the serving broker's ConnectionControl naming the members (at connect
// and when they change, as the connector's updateClusterClients & co. say), a non-serving node's
// refusal (the members, then the socket closes), and ConsumerControl restoring the prefetch of a
// consumer the client reopened with prefetch 0 after failover. test-cluster/openwire-failover
// runs the real Java client through all of it against real processes.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Broker, TransportConnectorConfig } from '@wharf/broker';
import { ConnectionFactory } from '@wharf/client';
import { startBroker, stopBroker } from './broker';
import { DataType, FrameReader, WireFormat, clusterClients, membersFor, negotiate, refuseOpenWire, wireFormatInfo, type Struct } from '../src/index';
import { CLIENT_PREFS, RawOpenWire } from './raw-client';

const MEMBERS = ['tcp://n1:61616', 'tcp://n2:61616'];
const isControl = (x: Struct): boolean => x.type === DataType.CONNECTION_CONTROL;

function portOf(b: Broker): number {
  return Number(/:(\d+)$/.exec(b.connectorUrl('tcp'))![1]);
}

async function connected(b: Broker, id: string, failoverReconnect = false, userName: string | null = null): Promise<RawOpenWire> {
  const c = await RawOpenWire.connect(portOf(b));
  const r = await c.request({ type: DataType.CONNECTION_INFO, connectionId: { type: DataType.CONNECTION_ID, value: id }, clientId: null, brokerPath: null, failoverReconnect, userName });
  assert.equal(r.type, DataType.RESPONSE);
  return c;
}

/** Nothing is waiting: everything the broker wrote before answering a KeepAliveInfo has arrived. */
async function noControlPending(c: RawOpenWire): Promise<void> {
  c.send({ type: DataType.KEEP_ALIVE_INFO, responseRequired: true });
  await c.waitFor((x) => x.type === DataType.KEEP_ALIVE_INFO, 'KeepAliveInfo');
  await assert.rejects(c.waitFor(isControl, 'ConnectionControl', 0), /no ConnectionControl/);
}

async function groupBroker(connector: Partial<TransportConnectorConfig> = {}): Promise<Broker> {
  return startBroker({ transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0', ...connector }], advertisedMembers: MEMBERS });
}

describe('openwire - Java clients in a replicated group', () => {
  const brokers: Broker[] = [];
  const clients: RawOpenWire[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const b of brokers.splice(0)) await stopBroker(b);
  });

  it('openwire cluster clients - the members at connect and when one joins; a member leaving only with updateClusterClientsOnRemove', async () => {
    const b = await groupBroker();
    brokers.push(b);
    const c = await connected(b, 'ID:cc-1');
    clients.push(c);
    const cc = await c.waitFor(isControl, 'ConnectionControl');
    assert.equal(cc.connectedBrokers, MEMBERS.join(','));
    assert.equal(cc.rebalanceConnection, false);
    assert.equal(cc.reconnectTo, null);
    b.admin.announceMembers([...MEMBERS, 'tcp://n3:61616']);
    assert.equal((await c.waitFor(isControl, 'ConnectionControl')).connectedBrokers, `${MEMBERS.join(',')},tcp://n3:61616`);
    b.admin.announceMembers(MEMBERS);
    await noControlPending(c);

    const told = await groupBroker({ updateClusterClientsOnRemove: true, rebalanceClusterClients: true });
    brokers.push(told);
    const d = await connected(told, 'ID:cc-2');
    clients.push(d);
    assert.equal((await d.waitFor(isControl, 'ConnectionControl')).rebalanceConnection, true);
    told.admin.announceMembers([MEMBERS[0]!]);
    assert.equal((await d.waitFor(isControl, 'ConnectionControl')).connectedBrokers, MEMBERS[0]);
    // A client back through failover is not rebalanced away again.
    const back = await connected(told, 'ID:cc-3', true);
    clients.push(back);
    assert.equal((await back.waitFor(isControl, 'ConnectionControl')).rebalanceConnection, false);
  });

  it('openwire cluster clients - updateClusterClients: false tells nothing; a standalone broker has nothing to tell', async () => {
    const quiet = await groupBroker({ updateClusterClients: false });
    const alone = await startBroker();
    brokers.push(quiet, alone);
    for (const b of [quiet, alone]) {
      const c = await connected(b, `ID:quiet-${b.name}`);
      clients.push(c);
      b.admin.announceMembers(b === quiet ? [...MEMBERS, 'tcp://n3:61616'] : []);
      await noControlPending(c);
    }
  });

  it('openwire cluster clients - a client on a TLS connector is never told the members\' plain tcp:// URLs', () => {
    for (const uri of ['ssl://0.0.0.0:61617', 'auto+ssl://0.0.0.0:61617', 'auto+nio+ssl://h:1']) {
      assert.deepEqual(membersFor(clusterClients({ name: 'tls', uri }), MEMBERS), [], uri);
    }
    assert.deepEqual(membersFor(clusterClients({ name: 'tls', uri: 'ssl://h:1' }), ['ssl://n1:61617', ...MEMBERS]), ['ssl://n1:61617']);
    assert.deepEqual(membersFor(clusterClients({ name: 'plain', uri: 'tcp://0.0.0.0:61616' }), MEMBERS), MEMBERS);
  });

  it('openwire refusal - a node that does not serve answers the WireFormatInfo with the members, master first, and closes', async () => {
    const server = net.createServer((s) => s.once('data', (head: Buffer) => refuseOpenWire(s, head, { reason: 'a slave', members: MEMBERS })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const got: Struct[] = [];
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      let wf = new WireFormat({ version: 12 });
      const frames = new FrameReader(1 << 20);
      socket.on('data', (d: Buffer) => {
        frames.push(d);
        for (let f = frames.next(); f; f = frames.next()) {
          const c = wf.decode(f);
          if (!c) continue;
          if (c.type === DataType.WIREFORMAT_INFO) wf = new WireFormat(negotiate(CLIENT_PREFS, c));
          got.push(c);
        }
      });
      socket.write(new WireFormat({ version: 12 }).encode(wireFormatInfo(CLIENT_PREFS)));
      await new Promise((resolve) => socket.once('close', resolve));
      assert.deepEqual(got.map((c) => c.type), [DataType.WIREFORMAT_INFO, DataType.CONNECTION_CONTROL]);
      assert.equal(got[1]!.connectedBrokers, MEMBERS.join(','));
    } finally {
      server.close();
    }
  });

  it('openwire cluster clients - ConsumerControl turns a prefetch-0 consumer (reopened after failover) into a prefetching one', async () => {
    const b = await startBroker();
    brokers.push(b);
    const c = await connected(b, 'ID:pf', true);
    clients.push(c);
    const sid = { type: DataType.SESSION_ID, connectionId: 'ID:pf', value: 1 };
    const consumerId = { type: DataType.CONSUMER_ID, connectionId: 'ID:pf', sessionId: 1, value: 1 };
    const destination = { type: DataType.QUEUE, physicalName: 'OW.PREFETCH' };
    assert.equal((await c.request({ type: DataType.SESSION_INFO, sessionId: sid })).type, DataType.RESPONSE);
    assert.equal((await c.request({ type: DataType.CONSUMER_INFO, consumerId, destination, prefetchSize: 0, brokerPath: null })).type, DataType.RESPONSE);
    const conn = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    try {
      const s = conn.createSession(false, 1);
      const p = await s.createProducer(s.createQueue('OW.PREFETCH'));
      await p.send(s.createTextMessage('one'));
      await p.send(s.createTextMessage('two'));
    } finally {
      await conn.close();
    }
    // Prefetch 0 and no pull: nothing is dispatched.
    await assert.rejects(c.waitFor((x) => x.type === DataType.MESSAGE_DISPATCH, 'MessageDispatch', 0));
    c.send({ type: DataType.CONSUMER_CONTROL, consumerId, destination, prefetch: 10, close: false, flush: false, start: false, stop: false });
    const first = await c.waitFor((x) => x.type === DataType.MESSAGE_DISPATCH, 'MessageDispatch');
    const second = await c.waitFor((x) => x.type === DataType.MESSAGE_DISPATCH, 'MessageDispatch');
    assert.ok(first.message && second.message);
  });

  it('openwire cluster clients - a client back with its ConnectionId takes over its stale connection, for the same user only', async () => {
    const b = await startBroker();
    brokers.push(b);
    const stale = await connected(b, 'ID:same');
    clients.push(stale);
    const back = await connected(b, 'ID:same', true);
    clients.push(back);
    await stale.closedP;
    const other = await connected(b, 'ID:same', true, 'mallory');
    clients.push(other);
    await noControlPending(back);
    assert.equal(back.closed, false);
  });
});

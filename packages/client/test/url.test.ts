import { strict as assert } from 'node:assert';
import { ConfigError } from '@wharf/protocol';
import { parseBrokerUrl, transportOptionsOf } from '../src/url';
import { ReconnectSchedule, parseFailoverOptions, DEFAULT_FAILOVER_OPTIONS } from '../src/failover';
import { ConnectionFactory } from '../src/connection-factory';

describe('url', () => {
  it('url - tcp, ssl and vm with default ports', () => {
    const t = parseBrokerUrl('tcp://broker1');
    assert.equal(t.failover, null);
    assert.deepEqual([t.endpoints[0]!.scheme, t.endpoints[0]!.host, t.endpoints[0]!.port], ['tcp', 'broker1', 61616]);
    const s = parseBrokerUrl('ssl://secure:61618?trustAll=true');
    assert.deepEqual([s.endpoints[0]!.scheme, s.endpoints[0]!.port], ['ssl', 61618]);
    assert.equal(transportOptionsOf(s.endpoints[0]!).trustAll, true);
    const v = parseBrokerUrl('vm://embedded');
    assert.deepEqual([v.endpoints[0]!.scheme, v.endpoints[0]!.host], ['vm', 'embedded']);
    assert.equal(parseBrokerUrl('nio://h:1').endpoints[0]!.scheme, 'tcp');
    assert.equal(parseBrokerUrl('tcp://[::1]:5000').endpoints[0]!.host, '::1');
    assert.equal(parseBrokerUrl('tcp://[::1]:5000').endpoints[0]!.uri, 'tcp://[::1]:5000');
    assert.equal(parseBrokerUrl('tcp://0.0.0.0:61616').endpoints[0]!.host, '127.0.0.1');
  });

  it('url - heartbeat from heartbeat= or wireFormat.maxInactivityDuration=', () => {
    assert.equal(transportOptionsOf(parseBrokerUrl('tcp://h:1?heartbeat=500').endpoints[0]!).heartbeat, 500);
    assert.equal(transportOptionsOf(parseBrokerUrl('tcp://h:1?wireFormat.maxInactivityDuration=7000').endpoints[0]!).heartbeat, 7000);
    assert.equal(transportOptionsOf(parseBrokerUrl('tcp://h:1?wireFormat.maxInactivityDuration=7000&heartbeat=10').endpoints[0]!).heartbeat, 10);
    assert.equal(transportOptionsOf(parseBrokerUrl('tcp://h:1?useInactivityMonitor=false').endpoints[0]!).heartbeat, 0);
    assert.equal(transportOptionsOf(parseBrokerUrl('tcp://h:1').endpoints[0]!).heartbeat, undefined);
  });

  it('url - jms.* options configure the factory', () => {
    const f = new ConnectionFactory('tcp://h:1?jms.prefetchPolicy.all=50&jms.clientID=Mark&jms.useAsyncSend=true'
      + '&jms.redeliveryPolicy.maximumRedeliveries=2&jms.redeliveryPolicy.useExponentialBackOff=true');
    assert.equal(f.getPrefetchPolicy().queuePrefetch, 50);
    assert.equal(f.getPrefetchPolicy().durableTopicPrefetch, 50);
    assert.equal(f.getClientID(), 'Mark');
    assert.equal(f.isUseAsyncSend(), true);
    assert.equal(f.getRedeliveryPolicy().maximumRedeliveries, 2);
    assert.equal(f.getRedeliveryPolicy().useExponentialBackOff, true);
    assert.equal(f.getRedeliveryPolicy().configured, true);
    const g = new ConnectionFactory('tcp://h:1?jms.prefetchPolicy.queuePrefetch=7', { prefetchPolicy: { queuePrefetch: 9 } });
    assert.equal(g.getPrefetchPolicy().queuePrefetch, 9, 'the options object wins over the URL');
    assert.equal(g.getPrefetchPolicy().topicPrefetch, 32767);
    assert.equal(new ConnectionFactory('tcp://h:1').getRedeliveryPolicy().configured, false);
  });

  it('url - unknown options are errors that name them', () => {
    assert.throws(() => parseBrokerUrl('tcp://h:1?bogus=1'), (e: Error) => e instanceof ConfigError && /'bogus'/.test(e.message));
    assert.throws(() => new ConnectionFactory('tcp://h:1?jms.nope=1'), /jms\.nope/);
    assert.throws(() => parseBrokerUrl('failover:(tcp://h:1)?randomise=false'), /randomise/);
    assert.throws(() => parseBrokerUrl('http://h:1'), /unknown transport scheme 'http'/);
    assert.throws(() => parseBrokerUrl('tcp://h:99999'), /port/);
    assert.throws(() => parseBrokerUrl('failover:()'), /lists no broker URIs/);
    assert.throws(() => parseBrokerUrl('failover:(tcp://a:1'), /closing parenthesis/);
    // ActiveMQ socket tuning is accepted and ignored.
    assert.doesNotThrow(() => parseBrokerUrl('tcp://h:1?soTimeout=1000&wireFormat.tightEncodingEnabled=false&tcpNoDelay=true'));
  });

  it('url - failover list with options, nested.* and jms.*', () => {
    const u = parseBrokerUrl('failover:(tcp://a:61616,tcp://b:61617?heartbeat=100)?randomize=false&initialReconnectDelay=100'
      + '&maxReconnectAttempts=3&backOffMultiplier=3&timeout=500&nested.wireFormat.maxInactivityDuration=2000&jms.clientID=x');
    assert.deepEqual(u.endpoints.map((e) => e.uri), ['tcp://a:61616', 'tcp://b:61617']);
    assert.equal(u.failover!.randomize, false);
    assert.equal(u.failover!.initialReconnectDelay, 100);
    assert.equal(u.failover!.maxReconnectAttempts, 3);
    assert.equal(u.failover!.reconnectDelayExponent, 3, 'backOffMultiplier is an alias');
    assert.equal(u.failover!.timeout, 500);
    assert.equal(u.failover!.maxReconnectDelay, 30000);
    assert.equal(u.jms.clientID, 'x');
    assert.equal(transportOptionsOf(u.endpoints[0]!).heartbeat, 2000);
    assert.equal(transportOptionsOf(u.endpoints[1]!).heartbeat, 100, 'heartbeat= wins over wireFormat');
    const plain = parseBrokerUrl('failover:tcp://a:1,tcp://b:2?randomize=false');
    assert.deepEqual(plain.endpoints.map((e) => e.port), [1, 2]);
    assert.equal(plain.failover!.randomize, false);
    assert.deepEqual(parseBrokerUrl('failover://(tcp://a:1)').failover, { ...DEFAULT_FAILOVER_OPTIONS });
  });

  it('url - failover defaults are ActiveMQ\'s', () => {
    const o = parseFailoverOptions({});
    assert.deepEqual(o, {
      initialReconnectDelay: 10, maxReconnectDelay: 30000, useExponentialBackOff: true, reconnectDelayExponent: 2,
      maxReconnectAttempts: -1, startupMaxReconnectAttempts: -1, randomize: true, timeout: -1, updateURIsSupported: true,
    });
  });

  it('failover - reconnect delays grow exponentially up to maxReconnectDelay', () => {
    const u = parseBrokerUrl('failover:(tcp://a:1)?initialReconnectDelay=10&maxReconnectDelay=100');
    const s = new ReconnectSchedule(u.failover!, u.endpoints);
    assert.deepEqual([s.failed(), s.failed(), s.failed(), s.failed(), s.failed(), s.failed()], [10, 20, 40, 80, 100, 100]);
    s.connected();
    assert.equal(s.failed(), 10, 'a new outage starts over');
    const flat = new ReconnectSchedule(parseFailoverOptions({ useExponentialBackOff: 'false', initialReconnectDelay: '5' }), u.endpoints);
    assert.deepEqual([flat.failed(), flat.failed(), flat.failed()], [5, 5, 5]);
  });

  it('failover - attempt limits: startupMaxReconnectAttempts before the first connection, then maxReconnectAttempts', () => {
    const u = parseBrokerUrl('failover:(tcp://a:1)?startupMaxReconnectAttempts=2&maxReconnectAttempts=0');
    const s = new ReconnectSchedule(u.failover!, u.endpoints);
    assert.ok(s.failed() >= 0);
    assert.equal(s.failed(), -1, 'two startup attempts');
    s.connected();
    assert.equal(s.failed(), -1, 'maxReconnectAttempts=0 tries once');
  });

  it('failover - randomize shuffles; randomize=false keeps the order; members are learnt once', () => {
    const u = parseBrokerUrl('failover:(tcp://a:1,tcp://b:1,tcp://c:1)?randomize=false');
    const s = new ReconnectSchedule(u.failover!, u.endpoints);
    assert.deepEqual(s.round().map((e) => e.host), ['a', 'b', 'c']);
    assert.equal(s.add(parseBrokerUrl('tcp://d:1').endpoints[0]!), true);
    assert.equal(s.add(parseBrokerUrl('tcp://a:1').endpoints[0]!), false);
    assert.deepEqual(s.round().map((e) => e.host), ['a', 'b', 'c', 'd']);
    const r = parseBrokerUrl('failover:(tcp://a:1,tcp://b:1,tcp://c:1)');
    const seq = [0.1, 0.9, 0.5];
    let i = 0;
    const rs = new ReconnectSchedule(r.failover!, r.endpoints, () => seq[i++ % seq.length]!);
    assert.deepEqual(rs.round().map((e) => e.host).sort(), ['a', 'b', 'c']);
  });
});

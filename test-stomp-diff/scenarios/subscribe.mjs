// SUBSCRIBE / UNSUBSCRIBE: ids, selectors, activemq.* options, browse, wildcards, virtual topics,
// header escapes on the way out.
import { patchHeaders } from '../lib/compare.mjs';
export default [
  {
    name: 'subscribe-without-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
      await a.count(3, undefined, 1000);
    },
  },
  {
    name: 'subscribe-without-id-v10',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': undefined });
      await a.send('SUBSCRIBE', { destination: t.q(), receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'r2' }, 'x');
      await a.count(4);
      await a.send('UNSUBSCRIBE', { destination: t.q(), receipt: 'r3' });
      await a.send('SEND', { destination: t.q(), receipt: 'r4' }, 'y');
    },
  },
  {
    name: 'subscribe-without-destination',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { id: '1', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'subscribe-duplicate-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q('A'), id: '1', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: t.q('B'), id: '1', receipt: 'r2' });
      await a.send('SEND', { destination: t.q('A'), receipt: 'after' }, 'x');
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'subscribe-bad-selector',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: 'color = ', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'subscribe-invalid-ack-mode',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'sometimes', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'selector-string-property',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: "color = 'red'", receipt: 'r1' });
      for (const c of ['blue', 'red', 'green', 'red']) await a.send('SEND', { destination: t.q(), color: c, receipt: c }, c);
      await a.count(7);
    },
  },
  {
    name: 'selector-string-header-vs-number',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: 'num > 5', receipt: 'r1' });
      for (const n of ['3', '10', '7.5', 'abc', '6']) await a.send('SEND', { destination: t.q(), num: n, receipt: `n${n}` }, n);
      await a.count(9);
    },
  },
  {
    name: 'selector-string-header-equals-number',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: 'num = 10', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: t.topic(), id: '2', selector: "num = '10'", receipt: 'r2' });
      for (const n of ['10', '10.0', '010']) {
        await a.send('SEND', { destination: t.q(), num: n, receipt: `q${n}` }, n);
        await a.send('SEND', { destination: t.topic(), num: n, receipt: `t${n}` }, n);
      }
      await a.count(10, undefined, 1000);
    },
  },
  {
    name: 'selector-jms-headers',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: "JMSPriority > 5 AND JMSType = 'T' AND JMSCorrelationID LIKE 'c%'", receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), priority: '7', type: 'T', 'correlation-id': 'c1', receipt: 's1' }, 'match');
      await a.send('SEND', { destination: t.q(), priority: '3', type: 'T', 'correlation-id': 'c2', receipt: 's2' }, 'low');
      await a.send('SEND', { destination: t.q(), priority: '8', type: 'U', 'correlation-id': 'c3', receipt: 's3' }, 'type');
      await a.count(5);
    },
  },
  {
    name: 'selector-delivery-mode',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: "JMSDeliveryMode = 'PERSISTENT'", receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 's1' }, 'np');
      await a.send('SEND', { destination: t.q(), persistent: 'true', receipt: 's2' }, 'p');
      await a.count(4);
    },
  },
  {
    name: 'selector-in-and-between',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', selector: "color IN ('red','green') AND size BETWEEN 2 AND 4", receipt: 'r1' });
      for (const [c, s] of [['red', '3'], ['red', '5'], ['blue', '3'], ['green', '2']]) await a.send('SEND', { destination: t.q(), color: c, size: s, receipt: `${c}${s}` }, `${c}${s}`);
      await a.count(7);
    },
  },
  {
    name: 'subscribe-prefetch-one-client-ack',
    async run(t) {
      const a = await t.connect('a');
      for (let i = 0; i < 3; i++) await a.send('SEND', { destination: t.q(), receipt: `s${i}` }, `m${i}`);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', 'activemq.prefetchSize': '1', receipt: 'r1' });
      const m = await a.nextMessage();
      await t.sleep(300);
      t.observe('delivered-before-ack', a.messages().length);
      await a.send('ACK', { id: m?.h.ack ?? 'none', receipt: 'ack1' });
      await a.count(7);
    },
  },
  {
    name: 'subscribe-prefetch-invalid',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', 'activemq.prefetchSize': '0', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'subscribe-exclusive-consumer',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'shared', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'excl', 'activemq.exclusive': 'true', receipt: 'r2' });
      for (let i = 0; i < 4; i++) await a.send('SEND', { destination: t.q(), receipt: `s${i}` }, `m${i}`);
      await a.count(11);
    },
  },
  {
    name: 'subscribe-consumer-priority',
    async run(t) {
      const a = await t.connect('a');
      const b = await t.connect('b');
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'low', 'activemq.priority': '1', receipt: 'r1' });
      await b.send('SUBSCRIBE', { destination: t.q(), id: 'high', 'activemq.priority': '9', receipt: 'r2' });
      for (let i = 0; i < 3; i++) await a.send('SEND', { destination: t.q(), receipt: `s${i}` }, `m${i}`);
      await b.count(4);
    },
  },
  {
    name: 'subscribe-no-local-topic',
    async run(t) {
      const a = await t.connect('a');
      const b = await t.connect('b');
      await a.send('SUBSCRIBE', { destination: t.topic(), id: '1', 'activemq.noLocal': 'true', receipt: 'r1' });
      await a.send('SEND', { destination: t.topic(), receipt: 'own' }, 'mine');
      await b.send('SEND', { destination: t.topic(), receipt: 'other' }, 'theirs');
      await a.nextMessage();
    },
  },
  {
    name: 'unsubscribe-stops-delivery',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 's1' }, 'one');
      await a.nextMessage();
      await a.send('UNSUBSCRIBE', { id: '1', receipt: 'u1' });
      await a.send('SEND', { destination: t.q(), receipt: 's2' }, 'two');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '2', receipt: 'r2' });
      await a.nextMessage();
    },
  },
  {
    name: 'unsubscribe-unknown-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('UNSUBSCRIBE', { id: 'ghost', receipt: 'u1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'unsubscribe-without-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('UNSUBSCRIBE', { receipt: 'u1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'topic-fanout-two-subscribers',
    async run(t) {
      const a = await t.connect('a');
      const b = await t.connect('b');
      await a.send('SUBSCRIBE', { destination: t.topic(), id: 'a', receipt: 'r1' });
      await b.send('SUBSCRIBE', { destination: t.topic(), id: 'b', receipt: 'r2' });
      await a.send('SEND', { destination: t.topic(), receipt: 's1' }, 'all');
      await b.nextMessage();
      await a.nextMessage();
    },
  },
  {
    name: 'queue-round-robin-two-subscribers',
    async run(t) {
      const a = await t.connect('a');
      const b = await t.connect('b');
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'a', 'activemq.prefetchSize': '1', ack: 'client', receipt: 'r1' });
      await b.send('SUBSCRIBE', { destination: t.q(), id: 'b', 'activemq.prefetchSize': '1', ack: 'client', receipt: 'r2' });
      for (let i = 0; i < 2; i++) await a.send('SEND', { destination: t.q(), receipt: `s${i}` }, `m${i}`);
      await a.nextMessage();
      await b.nextMessage();
    },
  },
  {
    name: 'wildcard-topic-star-and-gt',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: `/topic/${t.n('w')}.*`, id: 'star', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: `/topic/${t.n('w')}.>`, id: 'gt', receipt: 'r2' });
      await a.send('SEND', { destination: `/topic/${t.n('w')}.one`, receipt: 's1' }, 'one');
      await a.send('SEND', { destination: `/topic/${t.n('w')}.one.two`, receipt: 's2' }, 'two');
      await a.count(7);
    },
  },
  {
    name: 'wildcard-queue-subscribe',
    async run(t) {
      const a = await t.connect('a');
      // Subscribed first: ActiveMQ is slow to hand a new wildcard consumer what a queue already
      // holds (it comes with the next message), a delay not worth copying.
      await a.send('SUBSCRIBE', { destination: `/queue/${t.n('x')}.*`, id: 'w', receipt: 'r1' });
      await a.send('SEND', { destination: t.q('x.a'), receipt: 's1' }, 'a');
      await a.nextMessage();
      await a.send('SEND', { destination: t.q('x.b'), receipt: 's2' }, 'b');
      await a.nextMessage();
    },
  },
  {
    name: 'virtual-topic-consumer-queues',
    async run(t) {
      const a = await t.connect('a');
      const vt = `VirtualTopic.${t.n()}`;
      await a.send('SUBSCRIBE', { destination: `/queue/Consumer.A.${vt}`, id: 'A', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: `/queue/Consumer.B.${vt}`, id: 'B', receipt: 'r2' });
      await a.send('SEND', { destination: `/topic/${vt}`, receipt: 's1' }, 'fan');
      await a.count(5);
    },
  },
  {
    name: 'browse-queue',
    async run(t) {
      const a = await t.connect('a');
      for (let i = 0; i < 2; i++) await a.send('SEND', { destination: t.q(), receipt: `s${i}` }, `m${i}`);
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'b', browser: 'true', receipt: 'r1' });
      await a.count(6);
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'consume', receipt: 'r2' });
      await a.count(9);
    },
  },
  {
    name: 'browse-empty-queue',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'b', browser: 'true', receipt: 'r1' });
      await a.count(3);
    },
  },
  {
    name: 'header-escapes-v12',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      a.raw(`SEND\ndestination:${t.q()}\nweird\\cname:a\\cb\\nc\\\\d\\re\n\nesc\0`);
      await a.nextMessage();
    },
  },
  {
    name: 'header-escapes-v10-literal',
    // docs/ACTIVEMQ-DIFFERENCES.md: ActiveMQ decodes 1.1 escapes in a 1.0 frame and writes the
    // value back raw, so the `\n` becomes a header line of its own (header injection); Wharf
    // keeps 1.0 headers literal, as STOMP 1.0 has no escapes.
    difference: 'STOMP 1.0 headers are literal',
    expect: (rec) => patchHeaders(rec, 'a', '(/queue/~.q)', 0, (h) => h.filter(([k]) => k !== 'c').map(([k, v]) => [k, k === 'lit' ? 'a\\cb\\nc:d' : v])),
    async run(t) {
      const a = await t.connect('a', { 'accept-version': undefined });
      await a.send('SUBSCRIBE', { destination: t.q(), receipt: 'r1' });
      a.raw(`SEND\ndestination:${t.q()}\nlit:a\\cb\\nc:d\n\nraw\0`);
      await a.nextMessage();
    },
  },
  {
    name: 'header-undefined-escape',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      a.raw(`SEND\ndestination:${t.q()}\nbad:tab\\there\nreceipt:r2\n\nx\0`);
      await a.count(3, undefined, 1000);
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'header-repeated-first-wins',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      a.raw(`SEND\ndestination:${t.q()}\ncolor:first\ncolor:second\n\nx\0`);
      await a.nextMessage();
    },
  },
];

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { StompParser, encodeFrame, escapeHeader, unescapeHeader, type ParseEvent, type StompVersion } from '../src/parser';
import { fromStompDestination, messageToFrame, sendToMessage, toStompDestination } from '../src/mapping';
import { negotiateHeartBeat } from '../src/heartbeat';
import { DEFAULT_STOMP_OPTIONS } from '../src/options';

function frames(events: ParseEvent[]): Array<{ command: string; headers: Record<string, string>; body: string }> {
  return events.flatMap((e) => (e.type === 'frame' ? [{ command: e.frame.command, headers: Object.fromEntries(e.frame.headers), body: e.frame.body.toString('latin1') }] : []));
}

function parser(version: StompVersion = '1.2', limits = {}): StompParser {
  const p = new StompParser(limits);
  p.version = version;
  return p;
}

describe('stomp parser', () => {
  it('stomp parser - a frame without content-length ends at the first NUL', () => {
    const ev = parser().parse(Buffer.from('SEND\ndestination:/queue/a\n\nhello\0'));
    assert.deepEqual(frames(ev), [{ command: 'SEND', headers: { destination: '/queue/a' }, body: 'hello' }]);
  });

  it('stomp parser - content-length allows NUL bytes inside the body', () => {
    const body = Buffer.from([0, 1, 0, 255, 0]);
    const f = Buffer.concat([Buffer.from('SEND\ndestination:/queue/a\ncontent-length:5\n\n'), body, Buffer.from([0])]);
    const ev = parser().parse(f);
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.type, 'frame');
    assert.deepEqual(ev[0]!.type === 'frame' && [...ev[0]!.frame.body], [0, 1, 0, 255, 0]);
  });

  it('stomp parser - EOL heart-beats between frames, CRLF lines, many frames in one chunk', () => {
    const ev = parser().parse(Buffer.from('\n\r\nCONNECT\r\naccept-version:1.2\r\n\r\n\0\n\nSEND\ndestination:/queue/b\n\nx\0\r\n'));
    assert.deepEqual(ev.map((e) => e.type), ['heartbeat', 'heartbeat', 'frame', 'heartbeat', 'heartbeat', 'frame', 'heartbeat']);
    assert.deepEqual(frames(ev).map((f) => f.command), ['CONNECT', 'SEND']);
  });

  it('stomp parser - frames split at every byte give the same frames', () => {
    const data = Buffer.from('SEND\ndestination:/queue/a\ncontent-length:3\n\nab\0\0\nSUBSCRIBE\nid:1\ndestination:/topic/x\n\n\0');
    const p = parser();
    const ev: ParseEvent[] = [];
    for (let i = 0; i < data.length; i++) ev.push(...p.parse(data.subarray(i, i + 1)));
    assert.deepEqual(frames(ev), frames(parser().parse(data)));
    assert.equal(frames(ev).length, 2);
  });

  it('stomp parser - repeated headers: the first wins', () => {
    const ev = parser().parse(Buffer.from('SEND\nfoo:1\nfoo:2\n\n\0'));
    assert.equal(frames(ev)[0]!.headers.foo, '1');
  });

  it('stomp parser - 1.2 unescapes \\r \\n \\c \\\\; 1.0 and CONNECT do not', () => {
    const raw = 'SEND\na\\cb:x\\ny\\r\\\\z\n\n\0';
    assert.deepEqual(frames(parser('1.2').parse(Buffer.from(raw)))[0]!.headers, { 'a:b': 'x\ny\r\\z' });
    assert.deepEqual(frames(parser('1.0').parse(Buffer.from(raw)))[0]!.headers, { 'a\\cb': 'x\\ny\\r\\\\z' });
    assert.deepEqual(frames(parser('1.2').parse(Buffer.from('CONNECT\nlogin:a\\cb\n\n\0')))[0]!.headers, { login: 'a\\cb' });
  });

  it('stomp parser - an undefined escape is kept as written, as ActiveMQ does (\\t; \\r in 1.1)', () => {
    assert.deepEqual(frames(parser('1.2').parse(Buffer.from('SEND\nx:a\\tb\n\n\0')))[0]!.headers, { x: 'a\\tb' });
    assert.deepEqual(frames(parser('1.1').parse(Buffer.from('SEND\nx:a\\rb\n\n\0')))[0]!.headers, { x: 'a\\rb' });
  });

  it('stomp parser - a header line without a colon is skipped (ActiveMQ)', () => {
    assert.deepEqual(frames(parser('1.2').parse(Buffer.from('SEND\nnocolon\na:b\n\n\0')))[0]!.headers, { a: 'b' });
  });

  it('stomp parser - malformed input: bad command line, bad content-length, missing NUL', () => {
    for (const bad of ['\u0001\u0002\n\n\0', 'SEND\ncontent-length:x\n\n\0', 'SEND\ncontent-length:1\n\nab\0']) {
      const p = parser();
      const ev = p.parse(Buffer.from(bad));
      assert.equal(ev.at(-1)!.type, 'error', JSON.stringify(bad));
      assert.ok(p.failed);
      assert.deepEqual(p.parse(Buffer.from('SEND\n\n\0')), [], 'nothing after an error');
    }
  });

  it('stomp parser - limits: body, header section, header count, command length', () => {
    const tooLarge = (ev: ParseEvent[]): boolean => ev.some((e) => e.type === 'error' && e.error.tooLarge);
    assert.ok(tooLarge(parser('1.2', { maxBodyBytes: 10 }).parse(Buffer.from('SEND\ncontent-length:11\n\n'))), 'declared body');
    assert.ok(tooLarge(parser('1.2', { maxBodyBytes: 10 }).parse(Buffer.from(`SEND\n\n${'x'.repeat(11)}`))), 'scanned body');
    assert.ok(tooLarge(parser('1.2', { maxHeaderBytes: 50 }).parse(Buffer.from(`SEND\nx:${'y'.repeat(60)}`))), 'header bytes');
    assert.ok(tooLarge(parser('1.2', { maxHeaders: 2 }).parse(Buffer.from('SEND\na:1\nb:2\nc:3\n\n\0'))), 'header count');
    assert.equal(parser().parse(Buffer.from('A'.repeat(2000)))[0]!.type, 'error');
  });

  it('stomp parser - a declared content-length is not allocated before its bytes arrive; a big body trickled in still arrives whole', () => {
    const p = parser('1.2', { maxBodyBytes: 100 * 1024 * 1024 });
    // A few header bytes claiming 50 MB must not make the broker hold 50 MB.
    assert.deepEqual(p.parse(Buffer.from('SEND\ndestination:/queue/a\ncontent-length:50000000\n\nabc')), []);
    assert.ok(p.heldBytes <= 64 * 1024, `holds ${p.heldBytes} bytes for a 3-byte body so far`);
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
    const q = parser('1.2', { maxBodyBytes: 1024 * 1024 });
    const events: ParseEvent[] = [...q.parse(Buffer.from(`SEND\ndestination:/queue/a\ncontent-length:${body.length}\n\n`))];
    let held = 0;
    for (let i = 0; i < body.length; i += 7_000) {
      events.push(...q.parse(body.subarray(i, Math.min(body.length, i + 7_000))));
      held = Math.max(held, q.heldBytes);
      assert.ok(q.heldBytes <= Math.max(64 * 1024, 2 * Math.min(body.length, i + 7_000)), `holds ${q.heldBytes} after ${i + 7_000} bytes`);
    }
    events.push(...q.parse(Buffer.from([0])));
    const got = events.flatMap((e) => (e.type === 'frame' ? [e.frame.body] : []));
    assert.equal(got.length, 1);
    assert.ok(Buffer.compare(got[0]!, body) === 0, 'the body arrives byte for byte');
    assert.equal(held, body.length);
  });

  it('stomp parser - arbitrary bytes never throw and only yield frames, heart-beats and one final error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.constantFrom<StompVersion>('1.0', '1.1', '1.2'), (chunks, v) => {
        const p = parser(v, { maxBodyBytes: 256, maxHeaderBytes: 256, maxHeaders: 8, maxCommandLength: 32 });
        const ev: ParseEvent[] = [];
        for (const c of chunks) ev.push(...p.parse(c));
        const errors = ev.filter((e) => e.type === 'error');
        assert.ok(errors.length <= 1);
        if (errors.length) assert.equal(ev.at(-1)!.type, 'error');
        for (const e of ev) assert.ok(['frame', 'heartbeat', 'error'].includes(e.type));
      }),
      { numRuns: 3000 },
    );
  });

  it('stomp parser - text made of STOMP-like pieces never throws', () => {
    const piece = fc.constantFrom('SEND', 'MESSAGE', '\n', '\r\n', ':', '\\', '\\c', '\\n', '\0', 'content-length:', '3', 'x', 'destination:/queue/a');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (pieces, step) => {
        const data = Buffer.from(pieces.join(''));
        const p = parser('1.2', { maxBodyBytes: 64 });
        for (let i = 0; i < data.length; i += step) p.parse(data.subarray(i, i + step));
      }),
      { numRuns: 3000 },
    );
  });

  it('stomp parser - encoded frames stay intact while later ones fill the shared slab and move to new ones', () => {
    // Frames are views of the encoder's slab: one kept by a socket must never be overwritten,
    // also when a later frame does not fit and starts (or a big body gets) a slab of its own.
    const kept: Array<{ frame: Buffer; copy: Buffer }> = [];
    for (let i = 0; i < 2000; i++) {
      const big = i % 500 === 7;
      const body = big ? new Uint8Array(100_000).fill(i % 251) : `body ${i} ${'é'.repeat(i % 97)}`;
      const headers: Array<[string, string]> = [['message-id', `ID:p:1:1:${i}`], ['destination', '/queue/a:b']];
      if (big) headers.push(['content-length', '100000']);
      const frame = encodeFrame('MESSAGE', headers, body, '1.2');
      kept.push({ frame, copy: Buffer.from(frame) });
    }
    for (const { frame, copy } of kept) assert.ok(frame.equals(copy));
    const p = parser();
    const ev = kept.flatMap(({ frame }) => p.parse(frame));
    assert.equal(ev.length, 2000);
    ev.forEach((e, i) => {
      assert.equal(e.type, 'frame');
      if (e.type !== 'frame') return;
      assert.equal(e.frame.headers.get('message-id'), `ID:p:1:1:${i}`);
      assert.equal(e.frame.headers.get('destination'), '/queue/a:b');
      if (i % 500 === 7) assert.ok(e.frame.body.equals(Buffer.alloc(100_000, i % 251)));
      else assert.equal(e.frame.body.toString('utf8'), `body ${i} ${'é'.repeat(i % 97)}`);
    });
  });

  it('stomp parser - encodeFrame then parse in random chunks gives the frame back, for every version', () => {
    const text = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(
        fc.constantFrom<StompVersion>('1.1', '1.2'),
        fc.dictionary(text.filter((k) => k.length > 0 && !k.includes('\r')), text.filter((v) => !v.includes('\r'))),
        fc.uint8Array({ maxLength: 100 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (v, headers, body, cuts) => {
          const list = Object.entries(headers).filter(([k]) => k !== 'content-length');
          const data = encodeFrame('MESSAGE', [...list, ['content-length', String(body.length)]], body, v);
          const p = parser(v);
          const ev: ParseEvent[] = [];
          let i = 0;
          for (let k = 0; i < data.length; k++) {
            const n = cuts[k % cuts.length]!;
            ev.push(...p.parse(data.subarray(i, i + n)));
            i += n;
          }
          assert.equal(ev.length, 1);
          const f = ev[0]!;
          assert.equal(f.type, 'frame');
          if (f.type !== 'frame') return;
          assert.deepEqual([...f.frame.body], [...body]);
          for (const [k, val] of list) assert.equal(f.frame.headers.get(k), val);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stomp parser - escape and unescape are inverse in 1.1 (without CR) and 1.2', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      assert.equal(unescapeHeader(escapeHeader(s, '1.2'), '1.2'), s);
      if (!s.includes('\r')) assert.equal(unescapeHeader(escapeHeader(s, '1.1'), '1.1'), s);
    }));
  });
});

describe('stomp mapping', () => {
  it('stomp mapping - destinations: prefixes, temporaries of this and other connections, composites', () => {
    assert.deepEqual(fromStompDestination('/queue/a.b', 'ID:c1'), { url: 'queue://a.b', temps: [] });
    assert.deepEqual(fromStompDestination('/temp-queue/r', 'ID:c1'), { url: 'temp-queue://ID:c1:r', temps: ['temp-queue://ID:c1:r'] });
    assert.equal(fromStompDestination('/queue/a,/topic/b', 'c').url, 'queue://a,topic://b');
    assert.equal(toStompDestination('temp-queue://ID:c1:r', 'ID:c1'), '/temp-queue/r');
    assert.equal(toStompDestination('temp-queue://ID:c1:r', 'ID:c2'), '/remote-temp-queue/ID:c1:r');
    assert.equal(fromStompDestination('/remote-temp-queue/ID:c1:r', 'ID:c2').url, 'temp-queue://ID:c1:r');
    // As ActiveMQ: a composite is written first part in STOMP form, the others qualified.
    assert.equal(toStompDestination('queue://a,topic://b', 'c'), '/queue/a,topic://b');
    // As ActiveMQ: no prefix is a queue; a later composite part without one keeps the kind before it.
    assert.equal(fromStompDestination('foo', 'c').url, 'queue://foo');
    assert.equal(fromStompDestination('/queue/a,b', 'c').url, 'queue://a,queue://b');
    assert.equal(fromStompDestination('/topic/a,b', 'c').url, 'topic://a,topic://b');
    assert.throws(() => fromStompDestination('/queue/', 'c'), /no name/);
  });

  it('stomp mapping - SEND headers to message fields and properties (ActiveMQ FrameTranslator)', () => {
    const h = new Map(Object.entries({
      destination: '/queue/a', receipt: '9', persistent: 'true', priority: '7', expires: '1234', 'correlation-id': 'c',
      type: 't', 'reply-to': '/queue/r', JMSXGroupID: 'g', JMSXGroupSeq: '3', AMQ_SCHEDULED_DELAY: '100',
      AMQ_SCHEDULED_CRON: '* * * * *', custom: '42', 'content-type': 'text/plain', JMSXUserID: 'mallory', 'message-id': 'x',
    }));
    const m = sendToMessage(h, Buffer.from('hi'), { messageId: 'ID:p:1', producerId: 'p', producerSeq: 1, destination: 'queue://a', replyTo: 'queue://r', now: 5 });
    assert.equal(m.deliveryMode, 2);
    assert.equal(m.priority, 7);
    assert.equal(m.expiration, 1234);
    assert.equal(m.correlationId, 'c');
    assert.equal(m.type, 't');
    assert.equal(m.replyTo, 'queue://r');
    assert.equal(m.groupId, 'g');
    assert.equal(m.groupSeq, 3);
    assert.equal(m.timestamp, 5);
    assert.deepEqual(m.properties, { AMQ_SCHEDULED_DELAY: 100, AMQ_SCHEDULED_CRON: '* * * * *', custom: '42', 'content-type': 'text/plain' });
    assert.equal(m.bodyKind, 1);
    assert.equal(m.body, 'hi');
    const np = sendToMessage(new Map([['content-length', '2']]), Buffer.from('hi'), { messageId: 'i', producerId: 'p', producerSeq: 2, destination: 'queue://a', now: 0 });
    assert.equal(np.deliveryMode, 1, 'non-persistent by default');
    assert.equal(np.bodyKind, 2, 'content-length makes bytes');
    assert.throws(() => sendToMessage(new Map([['priority', 'high']]), Buffer.alloc(0), { messageId: 'i', producerId: 'p', producerSeq: 3, destination: 'queue://a', now: 0 }), /not an integer/);
  });

  it('stomp mapping - message to MESSAGE headers, bytes get content-length, maps become JSON', () => {
    const base = {
      messageId: 'ID:p:1', destination: 'queue://a', deliveryMode: 2 as const, priority: 4, timestamp: 10, expiration: 0, deliveryTime: 0,
      redelivered: false, deliveryCount: 1, producerId: 'p', producerSeq: 1, properties: { n: 1, b: true, s: 'x', destination: 'no' },
    };
    const text = messageToFrame({ ...base, bodyKind: 1, body: 'hello' }, { connectionId: 'c', subscription: '1', ackId: '5', redelivered: true, version: '1.2' });
    const h = Object.fromEntries(text.headers);
    assert.equal(h.destination, '/queue/a');
    assert.equal(h.persistent, 'true');
    assert.equal(h.redelivered, 'true');
    assert.equal(h.ack, '5');
    assert.equal(h.n, '1');
    assert.equal(h.b, 'true');
    assert.equal(h['content-length'], undefined);
    assert.equal(text.body, 'hello');
    const bytes = messageToFrame({ ...base, bodyKind: 2, body: new Uint8Array([0, 1]) }, { connectionId: 'c', redelivered: false, version: '1.1' });
    assert.equal(Object.fromEntries(bytes.headers)['content-length'], '2');
    const map = messageToFrame({ ...base, bodyKind: 3, body: { a: 1, big: 5n, raw: Buffer.from([1]) } }, { connectionId: 'c', redelivered: false, version: '1.1' });
    assert.equal(Object.fromEntries(map.headers).transformation, 'jms-map-json');
    assert.deepEqual(JSON.parse(map.body as string), { a: 1, big: 5, raw: 'AQ==' });
  });

  it('stomp mapping - heart-beat negotiation echoes the client (ActiveMQ), floors tiny intervals, none in 1.0', () => {
    const o = DEFAULT_STOMP_OPTIONS;
    assert.deepEqual(negotiateHeartBeat('1000,2000', '1.2', o), { sendEvery: 2000, readEvery: 1000, header: '2000,1000' });
    assert.deepEqual(negotiateHeartBeat('0,0', '1.1', o), { sendEvery: 0, readEvery: 0, header: '0,0' });
    assert.deepEqual(negotiateHeartBeat('1,5', '1.2', o), { sendEvery: 100, readEvery: 100, header: '100,100' });
    assert.deepEqual(negotiateHeartBeat(undefined, '1.2', { ...o, defaultHeartBeat: [5000, 0] }), { sendEvery: 0, readEvery: 5000, header: '0,5000' });
    assert.equal(negotiateHeartBeat('10,10', '1.0', o)!.header, undefined);
    assert.equal(negotiateHeartBeat('soon', '1.2', o), null);
  });
});

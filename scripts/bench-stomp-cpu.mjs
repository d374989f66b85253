// CPU per message of the STOMP path inside one process, without sockets: a producer's SEND
// frames (200 per chunk, as scripts/bench-stomp.mjs writes them) go into a StompConnection,
// through the broker (no store: non-persistent) to an ack:auto subscriber's StompConnection,
// whose MESSAGE frames and the RECEIPTs go to sinks that only count bytes. The phases are the
// non-persistent ones of bench-stomp.mjs:
//   nonpersistent-receipt-roundtrip (default)  a receipt on every SEND, the consumer subscribed
//   nonpersistent-roundtrip  a receipt on every 100th SEND, the consumer subscribed
//   nonpersistent-send       a receipt on every 100th SEND, nobody subscribed while timed (the
//                            backlog is drained after each round, untimed)
// The work measured is what the broker's thread does per message on the STOMP path (parse,
// convert, route, dispatch, encode, receipts, auto-acks) minus the socket system calls, so it
// moves much less with other work on the machine than a rate does: compare two builds by
// running this against each, alternately, and taking the lowest of the rounds; several --root
// options measure several builds in one process, a round of each in turn.
//   node scripts/bench-stomp-cpu.mjs [--root DIR]... [--phase P] [--messages 60000] [--rounds 7]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: opts } = parseArgs({
  options: {
    root: { type: 'string', multiple: true, default: [path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')] },
    messages: { type: 'string', default: '60000' },
    rounds: { type: 'string', default: '7' },
    phase: { type: 'string', default: 'nonpersistent-receipt-roundtrip' },
  },
});
const PHASES = ['nonpersistent-receipt-roundtrip', 'nonpersistent-roundtrip', 'nonpersistent-send'];
if (!PHASES.includes(opts.phase)) throw new Error(`--phase: one of ${PHASES.join(', ')}`);
const RECEIPT_EVERY = opts.phase === 'nonpersistent-receipt-roundtrip' ? 1 : 100;
const CONSUMER_DURING = opts.phase !== 'nonpersistent-send';
const N = Number(opts.messages);
const CHUNK = 200;

class CountingSink {
  remoteAddress = '127.0.0.1:1';
  peerDN = null;
  stream = true; // a byte stream, as the TCP sink
  bytes = 0;
  frames = 0;
  /** Frames end with a NUL; a write may hold several (RECEIPTs written together). */
  nuls = 0;
  constructor(countNuls = false) {
    this.countNuls = countNuls;
  }
  write(data) {
    this.bytes += data.length;
    this.frames++;
    if (this.countNuls) for (let i = data.indexOf(0); i >= 0; i = data.indexOf(0, i + 1)) this.nuls++;
  }
  end() {}
  congested() {
    return false;
  }
  onDrain(fn) {
    process.nextTick(fn);
  }
  pause() {}
  resume() {}
}

const BODY = 'x'.repeat(256);
let seq = 0;
const chunks = [];
for (let i = 0; i < 50; i++) {
  let text = '';
  for (let j = 0; j < CHUNK; j++) {
    text += ++seq % RECEIPT_EVERY === 0 ? `SEND\ndestination:/queue/stomp-cpu\nreceipt:${seq}\n\n${BODY}\0` : `SEND\ndestination:/queue/stomp-cpu\n\n${BODY}\0`;
  }
  chunks.push(Buffer.from(text));
}
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** One build's broker, producer and consumer; run(n) sends n messages through them. */
async function setUp(root) {
  const { Broker } = await import(path.join(root, 'packages/broker/dist/src/index.js'));
  const { StompConnection, stompProtocol, DEFAULT_STOMP_OPTIONS } = await import(path.join(root, 'packages/stomp/dist/src/index.js'));
  const broker = new Broker({ brokerName: 'stomp-cpu', persistent: false, transportConnectors: [], advisorySupport: false, logLevel: 'warn' }, { protocols: [stompProtocol] });
  await broker.start();
  const options = { ...DEFAULT_STOMP_OPTIONS, maxFrameSize: 100 * 1024 * 1024 };
  const consumerSink = new CountingSink();
  const consumer = new StompConnection(broker, consumerSink, options);
  consumer.onData(Buffer.from('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
  const subscribe = () => consumer.onData(Buffer.from('SUBSCRIBE\nid:1\ndestination:/queue/stomp-cpu\nack:auto\n\n\0'));
  if (CONSUMER_DURING) subscribe();
  const producerSink = new CountingSink(true);
  const producer = new StompConnection(broker, producerSink, options);
  producer.onData(Buffer.from('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
  let consumed = 0;
  /** n messages through; resolves the CPU µs of the part that is measured. */
  async function run(n) {
    const receipts = producerSink.nuls;
    const cpu = process.cpuUsage();
    for (let i = 0; i < n / CHUNK; i++) {
      producer.onData(chunks[i % chunks.length]);
      await turn();
    }
    // Every message is routed once its receipt is back (the last SEND of each chunk has one).
    while (producerSink.nuls - receipts < n / RECEIPT_EVERY) await turn();
    if (CONSUMER_DURING) while (consumerSink.frames - consumed < n) await turn();
    const used = process.cpuUsage(cpu);
    if (!CONSUMER_DURING) {
      subscribe();
      while (consumerSink.frames - consumed < n) await turn();
      consumer.onData(Buffer.from('UNSUBSCRIBE\nid:1\n\n\0'));
    }
    consumed = consumerSink.frames;
    return used.user + used.system;
  }
  return { root, broker, consumerSink, run, results: [] };
}

// Several builds are measured in one process, their rounds alternated, so that what else the
// machine runs weighs on each alike.
const builds = [];
for (const root of opts.root) builds.push(await setUp(root));
for (const b of builds) await b.run(Math.min(N, 40_000)); // warm-up: V8 optimises the path
for (let r = 0; r < Number(opts.rounds); r++) {
  for (const b of builds) {
    b.results.push((await b.run(N)) / N);
  }
}
for (const b of builds) {
  const results = [...b.results].sort((x, y) => x - y);
  console.log(`${b.root} ${opts.phase}: µs CPU per message, lowest ${results[0].toFixed(2)}, median ${results[Math.floor(results.length / 2)].toFixed(2)} ` +
    `(${results.length} rounds of ${N}; MESSAGE frames of ${Math.round(b.consumerSink.bytes / b.consumerSink.frames)} bytes)`);
}
for (const b of builds) await b.broker.stop();
process.exit(0);

// Producers of one OpenWire connection and their sends: ProducerInfo becomes a native producer,
// a Java message a native SEND (answered when the broker took it, or a ProducerAck reopening
// the producer's window when the client asked for no answer).
import { CommandType, type Send } from '@wharf/protocol';
import type { Struct } from './codec';
import { DataType } from './schema';
import { destinationUrl, fromOpenWire } from './message';
import { OpenWireError } from './errors';
import { idKey, txKey, type OwContext } from './context';
import type { Sessions } from './sessions';

interface JavaProducer {
  key: string;
  windowSize: number;
  id: Struct;
}

export class Producers {
  private readonly producers = new Map<string, JavaProducer>();
  private byStruct = new WeakMap<Struct, JavaProducer>();

  constructor(private readonly ctx: OwContext, private readonly sessions: Sessions) {}

  onProducerInfo(c: Struct, answer: number): void {
    const ctx = this.ctx;
    ctx.requireOpen();
    const pid = c.producerId as Struct | null;
    if (!pid) throw new OpenWireError('ProducerInfo without a producer id');
    const sessionId = this.sessions.sessionFor({ connectionId: pid.connectionId, value: pid.sessionId });
    const key = `${String(pid.connectionId)}:${String(pid.sessionId)}:${String(pid.value)}`.replace(/^ID:/, '');
    this.producers.set(idKey(pid), { key, windowSize: Number(c.windowSize) || 0, id: pid });
    const destination = destinationUrl(c.destination);
    ctx.conn.handle({ type: CommandType.PRODUCER_OPEN, corr: ctx.expect(answer), sessionId, producerId: key, ...(destination ? { destination } : {}) });
  }

  /** RemoveInfo for a producer id. */
  remove(id: Struct, answer: number): void {
    const p = this.producers.get(idKey(id));
    this.producers.delete(idKey(id));
    this.byStruct = new WeakMap();
    if (p) this.ctx.conn.handle({ type: CommandType.PRODUCER_CLOSE, producerId: p.key });
    this.ctx.answerOk(answer);
  }

  onMessage(c: Struct, answer: number): void {
    const ctx = this.ctx;
    ctx.requireOpen();
    const { message, size } = fromOpenWire(c);
    const pid = (c.producerId as Struct | null) ?? null;
    // With the marshal cache on, each message carries the same producer id object.
    let producer = pid ? this.byStruct.get(pid) : undefined;
    if (!producer && pid) {
      producer = this.producers.get(idKey(pid));
      if (producer) this.byStruct.set(pid, producer);
    }
    const cmd: Send = { type: CommandType.SEND, producerId: producer?.key ?? message.producerId, message };
    const tx = txKey(c.transactionId);
    if (tx) cmd.txId = tx;
    if (answer >= 0) cmd.corr = ctx.expect(answer);
    else if (producer && producer.windowSize > 0) {
      // Producer flow control (producerWindowSize): the window reopens as the broker takes each send.
      const id = producer.id;
      cmd.corr = ctx.expect(-1, () => ctx.writeCommand({ type: DataType.PRODUCER_ACK, commandId: 0, responseRequired: false, producerId: id, size }));
    }
    ctx.conn.handle(cmd);
  }
}

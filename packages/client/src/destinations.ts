// JMS destinations (docs/ARCHITECTURE.md: the message model): Queue, Topic, TemporaryQueue, TemporaryTopic. A name may be a
// composite (`FOO.A,FOO.B,topic://cd.mark`), kept whole and sent as one destination; ActiveMQ's
// consumer options (`queue?consumer.prefetchSize=10`) are read off the name.
import {
  InvalidDestinationError, isComposite, parseComposite, parseDestination,
  type DestinationKind,
} from '@wharf/protocol';
import { parseQuery } from './url';

/** ActiveMQ destination options for consumers (`?consumer.prefetchSize=…`). */
export interface ConsumerDestinationOptions {
  prefetchSize?: number;
  exclusive?: boolean;
  priority?: number;
  noLocal?: boolean;
  selector?: string;
}

const IGNORED_CONSUMER_OPTIONS = new Set(['dispatchAsync', 'retroactive', 'maximumPendingMessageLimit']);

function readOptions(query: string, whole: string): ConsumerDestinationOptions {
  const out: ConsumerDestinationOptions = {};
  for (const [k, v] of Object.entries(parseQuery(query, `destination '${whole}'`))) {
    const name = k.startsWith('consumer.') ? k.slice(9) : null;
    const bad = (): never => {
      throw new InvalidDestinationError(`destination option ${k}=${v} in '${whole}' is not valid`);
    };
    switch (name) {
      case 'prefetchSize': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) bad();
        out.prefetchSize = n;
        break;
      }
      case 'priority': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < -128 || n > 127) bad();
        out.priority = n;
        break;
      }
      case 'exclusive':
      case 'noLocal':
        if (v !== 'true' && v !== 'false') bad();
        out[name] = v === 'true';
        break;
      case 'selector':
        out.selector = v;
        break;
      default:
        if (name !== null && IGNORED_CONSUMER_OPTIONS.has(name)) break;
        throw new InvalidDestinationError(`unknown destination option '${k}' in '${whole}' `
          + '(known: consumer.prefetchSize, consumer.exclusive, consumer.priority, consumer.noLocal, consumer.selector)');
    }
  }
  return out;
}

/** Base of every destination. `toString()` is the canonical URL (`queue://NAME`). */
export abstract class Destination {
  readonly kind: DestinationKind;
  /** The physical name (a comma list for a composite). */
  readonly name: string;
  /** Consumer options given on the name, if any. */
  readonly options: ConsumerDestinationOptions;

  protected constructor(name: string, kind: DestinationKind) {
    if (typeof name !== 'string') throw new InvalidDestinationError('destination name must be a string');
    let text = name;
    let options: ConsumerDestinationOptions = {};
    const q = text.indexOf('?');
    if (q >= 0) {
      options = readOptions(text.slice(q + 1), name);
      text = text.slice(0, q);
    }
    this.kind = kind;
    this.name = normalise(text, kind);
    this.options = options;
  }

  /** Canonical URL: `<kind>://<name>`. */
  get url(): string {
    return `${this.kind}://${this.name}`;
  }

  isQueue(): boolean {
    return this.kind === 'queue' || this.kind === 'temp-queue';
  }
  isTopic(): boolean {
    return this.kind === 'topic' || this.kind === 'temp-topic';
  }
  isTemporary(): boolean {
    return this.kind === 'temp-queue' || this.kind === 'temp-topic';
  }
  isComposite(): boolean {
    return isComposite(this.name);
  }
  /** The elements of a composite (or this destination alone). */
  getCompositeDestinations(): Destination[] {
    if (!this.isComposite()) return [this];
    return parseComposite(this.url, this.kind).map((d) => destinationFromUrl(d.url));
  }
  equals(other: unknown): boolean {
    return other instanceof Destination && other.url === this.url;
  }
  toString(): string {
    return this.url;
  }
}

/** Validate a name for `kind`; a composite is checked element by element and kept whole. */
function normalise(text: string, kind: DestinationKind): string {
  const prefix = `${kind}://`;
  if (isComposite(text)) {
    const whole = text.startsWith(prefix) ? text.slice(prefix.length) : text;
    if (kind === 'queue' || kind === 'topic') parseComposite(`${kind}://${whole}`, kind);
    else throw new InvalidDestinationError(`a temporary destination cannot be a composite: '${text}'`);
    return whole;
  }
  const d = parseDestination(text, kind);
  if (d.kind !== kind) {
    throw new InvalidDestinationError(`'${text}' is a ${d.kind}, not a ${kind}`);
  }
  return d.name;
}

export class Queue extends Destination {
  constructor(name: string, /** 'temp-queue' for TemporaryQueue */ kind: 'queue' | 'temp-queue' = 'queue') {
    super(name, kind);
  }
  getQueueName(): string {
    return this.name;
  }
}

export class Topic extends Destination {
  constructor(name: string, /** 'temp-topic' for TemporaryTopic */ kind: 'topic' | 'temp-topic' = 'topic') {
    super(name, kind);
  }
  getTopicName(): string {
    return this.name;
  }
}

/** What a temporary destination needs from the connection that created it. */
export interface TempOwner {
  deleteTemporary(d: Destination): Promise<void>;
}

export class TemporaryQueue extends Queue {
  /** @internal */ owner: TempOwner | null;
  constructor(name: string, owner: TempOwner | null = null) {
    super(name, 'temp-queue');
    this.owner = owner;
  }
  /** Delete it on the broker (it must have no consumers). */
  delete(): Promise<void> {
    return deleteTemp(this);
  }
}

export class TemporaryTopic extends Topic {
  /** @internal */ owner: TempOwner | null;
  constructor(name: string, owner: TempOwner | null = null) {
    super(name, 'temp-topic');
    this.owner = owner;
  }
  delete(): Promise<void> {
    return deleteTemp(this);
  }
}

function deleteTemp(d: TemporaryQueue | TemporaryTopic): Promise<void> {
  if (!d.owner) {
    return Promise.reject(new InvalidDestinationError(`${d.url} was not created by this connection: only its creator can delete it`));
  }
  return d.owner.deleteTemporary(d);
}

/** ActiveMQ's class names, as the ActiveMQ tutorial this project follows writes them: `new ActiveMQQueue('FOO.A,FOO.B')`. */
export { Queue as ActiveMQQueue, Topic as ActiveMQTopic, TemporaryQueue as ActiveMQTempQueue, TemporaryTopic as ActiveMQTempTopic };

const cache = new Map<string, Destination>();

/** The destination object for a canonical URL from the wire (cached). */
export function destinationFromUrl(url: string): Destination {
  let d = cache.get(url);
  if (d) return d;
  const m = /^([a-z-]+):\/\/(.*)$/s.exec(url);
  const kind = m?.[1];
  const name = m?.[2] ?? url;
  switch (kind) {
    case 'topic': d = new Topic(name); break;
    case 'temp-queue': d = new TemporaryQueue(name); break;
    case 'temp-topic': d = new TemporaryTopic(name); break;
    case 'queue': d = new Queue(name); break;
    default: d = new Queue(url);
  }
  if (cache.size > 10000) cache.clear();
  cache.set(url, d);
  return d;
}

// Destination names (docs/ARCHITECTURE.md: the message model): `queue://NAME`, `topic://NAME`, `temp-queue://ID`,
// `temp-topic://ID`. Names are dot-separated paths; `*` matches one element, `>` the rest.
// A composite name is a comma list; each element may carry its own `queue://`/`topic://` prefix.
import { InvalidDestinationError } from './errors';

export type DestinationKind = 'queue' | 'topic' | 'temp-queue' | 'temp-topic';

export interface Destination {
  readonly kind: DestinationKind;
  readonly name: string;
  /** Canonical URL: `<kind>://<name>`. */
  readonly url: string;
}

const KINDS: readonly DestinationKind[] = ['queue', 'topic', 'temp-queue', 'temp-topic'];
const MAX_NAME = 1024;

export function isQueueKind(kind: DestinationKind): boolean {
  return kind === 'queue' || kind === 'temp-queue';
}
export function isTopicKind(kind: DestinationKind): boolean {
  return kind === 'topic' || kind === 'temp-topic';
}
export function isTemporary(kind: DestinationKind): boolean {
  return kind === 'temp-queue' || kind === 'temp-topic';
}

function checkName(name: string, whole: string): void {
  if (name.length === 0) throw new InvalidDestinationError(`empty destination name in '${whole}'`);
  if (name.length > MAX_NAME) throw new InvalidDestinationError(`destination name longer than ${MAX_NAME} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    // eslint-disable-next-line no-control-regex
    throw new InvalidDestinationError(`destination name '${whole.replace(/[\u0000-\u001f]/g, '?')}' contains a control character`);
  }
  if (/\s/.test(name[0] ?? '') || /\s/.test(name[name.length - 1] ?? '')) {
    throw new InvalidDestinationError(`destination name '${name}' starts or ends with white space`);
  }
  if (name.split('.').some((p) => p.length === 0)) {
    throw new InvalidDestinationError(`destination name '${name}' has an empty path element`);
  }
}

export function makeDestination(kind: DestinationKind, name: string): Destination {
  if (!KINDS.includes(kind)) throw new InvalidDestinationError(`unknown destination kind '${kind}'`);
  checkName(name, name);
  return { kind, name, url: `${kind}://${name}` };
}

/**
 * Parse one destination. A bare name takes `defaultKind`. Throws InvalidDestinationError naming
 * the fault. Composite names are not accepted here (see parseComposite).
 */
export function parseDestination(text: string, defaultKind?: DestinationKind): Destination {
  if (typeof text !== 'string') throw new InvalidDestinationError('destination must be a string');
  const m = /^([a-z-]+):\/\/(.*)$/s.exec(text);
  let kind: DestinationKind;
  let name: string;
  if (m) {
    const k = m[1] as DestinationKind;
    if (!KINDS.includes(k)) throw new InvalidDestinationError(`unknown destination kind '${m[1]}' in '${text}'`);
    kind = k;
    name = m[2] ?? '';
  } else {
    if (!defaultKind) throw new InvalidDestinationError(`destination '${text}' has no kind: write queue://${text} or topic://${text}`);
    kind = defaultKind;
    name = text;
  }
  if (name.includes(',')) throw new InvalidDestinationError(`'${text}' is a composite destination`);
  checkName(name, text);
  return { kind, name, url: `${kind}://${name}` };
}

export function isComposite(text: string): boolean {
  return text.includes(',');
}

/**
 * Split a composite name (`FOO.A,FOO.B,topic://cd.mark`) into its destinations; each element
 * without a prefix takes `defaultKind` (the kind the composite was created as).
 */
export function parseComposite(text: string, defaultKind: DestinationKind): Destination[] {
  const m = /^([a-z-]+):\/\/(.*)$/s.exec(text);
  let kind = defaultKind;
  let rest = text;
  if (m && (m[1] === 'queue' || m[1] === 'topic')) {
    kind = m[1];
    rest = m[2] ?? '';
  }
  const parts = rest.split(',').map((s) => s.trim());
  if (parts.some((p) => p.length === 0)) throw new InvalidDestinationError(`composite destination '${text}' has an empty element`);
  return parts.map((p) => parseDestination(p, kind));
}

export function isWildcard(name: string): boolean {
  // Fast path for the hot send path: no '*' or '>' at all, no wildcard.
  if (name.indexOf('*') < 0 && name.indexOf('>') < 0) return false;
  return name.split('.').some((p) => p === '*' || p === '>');
}

/**
 * Does `pattern` (with `*` and `>`) match `name`? `.` separates; `*` one element; `>` the rest.
 * Text after `>` is ignored, as in ActiveMQ.
 */
export function wildcardMatches(pattern: string, name: string): boolean {
  const p = pattern.split('.');
  const n = name.split('.');
  for (let i = 0; i < p.length; i++) {
    const el = p[i];
    // ActiveMQ's PrefixDestinationFilter: `FOO.>` matches FOO itself and everything below it.
    if (el === '>') return n.length >= i;
    if (i >= n.length) return false;
    if (el !== '*' && el !== n[i]) return false;
  }
  return p.length === n.length;
}

/** Does a subscription destination (possibly a wildcard) take messages sent to `dest`? */
export function destinationMatches(sub: Destination, dest: Destination): boolean {
  const subQ = isQueueKind(sub.kind);
  if (subQ !== isQueueKind(dest.kind)) return false;
  if (sub.kind !== dest.kind) return false;
  if (sub.name === dest.name) return true;
  return isWildcard(sub.name) && wildcardMatches(sub.name, dest.name);
}

const cache = new Map<string, Destination>();
/** parseDestination for canonical URLs on hot paths; memoised (bounded). */
export function destinationOf(url: string): Destination {
  let d = cache.get(url);
  if (!d) {
    d = parseDestination(url);
    if (cache.size > 10000) cache.clear();
    cache.set(url, d);
  }
  return d;
}

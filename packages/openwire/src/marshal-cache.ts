// The marshal cache of the encoding side, as Java's OpenWireFormat keeps it: ids and
// destinations written once get an index, later frames carry only the index. Our frames must
// match Java's bytes, so the slot choice and the eviction sweep follow its order exactly.
import type { Struct } from './codec';

/** Entries kept free by the sweep before each frame (Java's MARSHAL_CACHE_FREE_SPACE). */
const CACHE_FREE_SPACE = 100;

const keys = new WeakMap<object, string>();

/** Java's equals() for the cached types (ids and destinations): type and every field. */
export function cacheKey(o: Struct): string {
  let k = keys.get(o);
  if (k !== undefined) return k;
  k = String(o.type);
  for (const name in o) {
    if (name === 'type') continue;
    const v = o[name];
    k += '\u0000' + (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? cacheKey(v as Struct) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v));
  }
  keys.set(o, k);
  return k;
}

export class MarshalCache {
  private readonly index = new Map<string, number>();
  private readonly slots: Array<string | undefined>;
  private next = 0;
  private nextEvict = 0;

  constructor(size: number) {
    this.slots = new Array(size).fill(undefined);
  }

  indexOf(key: string): number | undefined {
    return this.index.get(key);
  }

  /** The index given to `key`, or -1 when the cache is full (written uncached, as Java does). */
  add(key: string): number {
    const i = this.next++;
    if (this.next >= this.slots.length) this.next = 0;
    if (this.index.size < this.slots.length) {
      this.slots[i] = key;
      this.index.set(key, i);
      return i;
    }
    return -1;
  }

  evictionSweep(): void {
    while (this.index.size > this.slots.length - CACHE_FREE_SPACE) {
      const k = this.slots[this.nextEvict];
      if (k !== undefined) this.index.delete(k);
      this.slots[this.nextEvict] = undefined;
      this.nextEvict++;
      if (this.nextEvict >= this.slots.length) this.nextEvict = 0;
    }
  }
}

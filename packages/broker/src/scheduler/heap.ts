// A binary min-heap of scheduled jobs ordered as the store orders them (due ms, then id), with
// an id index so a job can be found and removed in O(log n) (management REMOVE).

export interface JobKey {
  due: number;
  id: string;
}

export interface HeapNode<T> extends JobKey {
  data: T;
  /** Position in the heap array; -1 when not in the heap. */
  pos: number;
}

/** The store's order: due cut to whole ms, then the id (keys are `J|due|id`). */
export function compareKeys(a: JobKey, b: JobKey): number {
  const d = Math.floor(a.due) - Math.floor(b.due);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class JobHeap<T> {
  private readonly items: HeapNode<T>[] = [];
  private readonly byId = new Map<string, HeapNode<T>>();

  get size(): number {
    return this.items.length;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): HeapNode<T> | undefined {
    return this.byId.get(id);
  }

  peek(): HeapNode<T> | undefined {
    return this.items[0];
  }

  push(node: HeapNode<T>): void {
    const old = this.byId.get(node.id);
    if (old) this.remove(old.id);
    node.pos = this.items.length;
    this.items.push(node);
    this.byId.set(node.id, node);
    this.up(node.pos);
  }

  pop(): HeapNode<T> | undefined {
    const top = this.items[0];
    if (top) this.remove(top.id);
    return top;
  }

  remove(id: string): HeapNode<T> | undefined {
    const node = this.byId.get(id);
    if (!node) return undefined;
    this.byId.delete(id);
    const i = node.pos;
    const last = this.items.pop()!;
    node.pos = -1;
    if (last !== node) {
      this.items[i] = last;
      last.pos = i;
      this.down(i);
      this.up(last.pos);
    }
    return node;
  }

  /** Every node, in due order (a copy; the heap is unchanged). */
  sorted(): HeapNode<T>[] {
    return [...this.items].sort(compareKeys);
  }

  /** Keep only the first `n` jobs in due order; returns the last one kept. */
  truncate(n: number): HeapNode<T> | undefined {
    const all = this.sorted();
    for (const d of all.slice(n)) {
      this.byId.delete(d.id);
      d.pos = -1;
    }
    this.items.length = 0;
    for (const node of all.slice(0, n)) {
      node.pos = this.items.length;
      this.items.push(node); // sorted order is a valid heap
    }
    return this.items.at(-1);
  }

  clear(): void {
    for (const n of this.items) n.pos = -1;
    this.items.length = 0;
    this.byId.clear();
  }

  private up(i: number): void {
    const items = this.items;
    const node = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (compareKeys(node, parent) >= 0) break;
      items[i] = parent;
      parent.pos = i;
      i = p;
    }
    items[i] = node;
    node.pos = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const node = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && compareKeys(items[r]!, items[l]!) < 0 ? r : l;
      const child = items[c]!;
      if (compareKeys(child, node) >= 0) break;
      items[i] = child;
      child.pos = i;
      i = c;
    }
    items[i] = node;
    node.pos = i;
  }
}

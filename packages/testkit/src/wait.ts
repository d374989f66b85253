// Waiting for conditions without fixed sleeps: poll a predicate until it holds or a deadline.
export async function checkFor<T>(timeoutMs: number, fn: () => T | Promise<T>, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolve on the first event `name` from an emitter (with a deadline). */
export function once<T = unknown>(emitter: { once(ev: string, fn: (v: T) => void): unknown; off?(ev: string, fn: (v: T) => void): unknown }, name: string, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`)), timeoutMs);
    emitter.once(name, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

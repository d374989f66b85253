// "Did you mean ...?": the closest known name to a misspelt one, for the CLI's flags and the
// client's option objects alike.
import { ConfigError } from './errors';

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

const fold = (s: string): string => s.toLowerCase().replace(/[-_.]/g, '');

/** The closest candidate to a misspelt name, if one is close enough to be a likely typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  // On a tie, answer in the spelling the user chose (--memory-limt → --memory-limit).
  const sameStyle = (c: string | undefined): boolean => c !== undefined && c.includes('-') === name.includes('-');
  for (const c of candidates) {
    const d = distance(fold(name), fold(c));
    if (d < bestD || (d === bestD && sameStyle(c) && !sameStyle(best))) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(fold(name).length / 3)) ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggest(name, candidates);
  return s === undefined ? '' : ` (did you mean '${s}'?)`;
}

/**
 * Refuse option names nobody reads (a typo would otherwise be ignored in silence), naming the
 * closest valid one.
 */
export function rejectUnknownKeys(what: string, options: object, known: readonly string[]): void {
  for (const k of Object.keys(options)) {
    if (known.includes(k)) continue;
    const s = suggest(k, known);
    throw new ConfigError(`unknown ${what} option '${k}'${s ? ` — did you mean '${s}'?` : ''} (valid: ${known.join(', ')})`);
  }
}

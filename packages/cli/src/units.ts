// Human-friendly values: sizes (`64mb`, `1 gb`), durations (`2s`, `500ms`) and "did you mean".
// ActiveMQ's size units are binary (`64 mb` = 64 × 1024 × 1024), and so are ours.

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  '': 1, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000,
};

function parseWithUnits(text: string, units: Record<string, number>): number | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const mult = units[(m[2] ?? '').toLowerCase()];
  if (mult === undefined) return undefined;
  return Math.round(Number(m[1]) * mult);
}

/** `64mb`, `1 gb`, `512k`, `1024` → bytes; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  return parseWithUnits(text, SIZE_UNITS);
}

/** `2s`, `500ms`, `1m`, `1500` (ms) → milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  return parseWithUnits(text, DURATION_UNITS);
}

/** 67108864 → `64 MiB`, for messages. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v} ${units[i] ?? 'B'}`;
}

export { suggest, didYouMean } from '@wharf/protocol';

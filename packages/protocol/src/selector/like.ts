// LIKE patterns (JMS 1.1 §3.8.1.1): `%` any run, `_` one character, the whole value must match,
// and `.` or newlines in the value are ordinary characters (DOTALL). Escape handling follows
// ActiveMQ's LikeExpression: the escape character escapes only `_`, `%` or itself; anywhere else
// it stands for itself.

const ANY = 0; // %
const ONE = 1; // _
type Piece = string | typeof ANY | typeof ONE;

// Characters with a meaning in a `u`-mode RegExp; every other code point is literal there.
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

function toRegex(seg: readonly Piece[]): string {
  let s = '';
  for (const p of seg) s += p === ONE ? '[^]' : (p as string).replace(REGEX_SYNTAX, '\\$&');
  return s;
}

/** Compile a LIKE pattern once into a test on string values. */
export function compileLike(pattern: string, escape: string | undefined): (s: string) => boolean {
  const pieces: Piece[] = [];
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    if (c === escape) {
      const next = cps[i + 1];
      if (next === '_' || next === '%' || next === escape) {
        pieces.push(next);
        i++;
        continue;
      }
    }
    if (c === '%') {
      if (pieces[pieces.length - 1] !== ANY) pieces.push(ANY); // `%%` is `%`
    } else {
      pieces.push(c === '_' ? ONE : c);
    }
  }

  // Split at each % into segments of fixed length: k wildcards give k + 1 segments.
  const segs: Piece[][] = [[]];
  let hasOne = false;
  let cur = segs[0] as Piece[];
  for (const p of pieces) {
    if (p === ANY) {
      cur = [];
      segs.push(cur);
    } else {
      if (p === ONE) hasOne = true;
      cur.push(p);
    }
  }

  if (!hasOne) {
    const lits = segs.map((s) => s.join(''));
    const [first = '', second, third] = lits;
    if (lits.length === 1) return (s) => s === first;
    if (lits.length === 2 && second !== undefined) {
      if (second === '') return (s) => s.startsWith(first);
      if (first === '') return (s) => s.endsWith(second);
      return (s) => s.length >= first.length + second.length && s.startsWith(first) && s.endsWith(second);
    }
    if (lits.length === 3 && first === '' && third === '' && second !== undefined) return (s) => s.includes(second);
  }

  // Middle segments are found at their first occurrence inside an atomic lookahead with a
  // backreference: choosing the earliest fit never loses a match (segments have fixed length),
  // and forbidding backtracking keeps `%a%a%a%b` linear instead of exponential.
  const last = segs.length - 1;
  let src = `^${toRegex(segs[0] ?? [])}`;
  for (let i = 1; i < last; i++) src += `(?=([^]*?${toRegex(segs[i] ?? [])}))\\${i}`;
  if (last > 0) src += `[^]*${toRegex(segs[last] ?? [])}`;
  src += '$';
  const re = new RegExp(src, 'su');
  return (s) => re.test(s);
}

// Runtime semantics of selector values (JMS 1.1 §3.8.1.1). A value is null/undefined (SQL NULL),
// boolean, number, bigint (Java long beyond 2^53), string, or anything else (bytes: only IS NULL
// applies). A condition is true, false or null (UNKNOWN). Nothing here throws: a comparison of
// values of different types, or an operation a type does not support, is UNKNOWN.

export type Truth = boolean | null;

export function isNumeric(v: unknown): v is number | bigint {
  const t = typeof v;
  return t === 'number' || t === 'bigint';
}

/** JMS: a boolean identifier used as a condition; any other type is UNKNOWN. */
export function asTruth(v: unknown): Truth {
  return typeof v === 'boolean' ? v : null;
}

export function not3(v: Truth): Truth {
  return v === null ? null : !v;
}

export function and3(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * convert_string_expressions: read a numeric-looking string as a number (ActiveMQ uses
 * Long.valueOf / Double.valueOf and treats a NumberFormatException as no match).
 */
export function parseNumeric(s: string): number | bigint | null {
  if (INT.test(s)) {
    const n = Number(s);
    // Integers past 2^53 keep their exact value, as a Java long would (short strings only).
    return Number.isSafeInteger(n) || s.length > 24 ? n : BigInt(s);
  }
  return FLOAT.test(s) ? Number(s) : null;
}

/**
 * convert_string_expressions: the string read as the other operand's type, as ActiveMQ's
 * ComparisonExpression does: Long.valueOf against an integer (so '7.5' never compares with 5
 * and '010' equals 10), Double.valueOf against a decimal. Null when it does not parse (no match).
 */
export function convertTo(s: string, other: number | bigint): number | bigint | null {
  if (typeof other === 'bigint' || Number.isInteger(other)) return INT.test(s) ? parseNumeric(s) : null;
  return FLOAT.test(s) ? Number(s) : null;
}

function convertedEquals(s: string, other: unknown): Truth {
  // Boolean.valueOf(String): 'true' in any case is true, every other string false.
  if (typeof other === 'boolean') return (s.toLowerCase() === 'true') === other;
  if (!isNumeric(other)) return null;
  const n = convertTo(s, other);
  // == compares a number with a bigint by value.
  return n === null ? null : n == other;
}

/** `=`: same-type values compare; numbers compare across number and bigint. */
export function equals(a: unknown, b: unknown, convertStrings: boolean): Truth {
  if (a == null || b == null) return null;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb) return ta === 'string' || ta === 'number' || ta === 'boolean' || ta === 'bigint' ? a === b : null;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    // == compares a number with a bigint by value.
    return a == b;
  }
  if (convertStrings) {
    if (ta === 'string') return convertedEquals(a as string, b);
    if (tb === 'string') return convertedEquals(b as string, a);
  }
  return null;
}

/**
 * Order two values for < <= > >=: negative, zero or positive; NaN when a NaN makes them
 * unordered (every comparison false); null (UNKNOWN) unless both are numeric. Strings and
 * booleans are not ordered (JMS 1.1 §3.8.1.1).
 */
export function order(a: unknown, b: unknown, convertStrings: boolean): number | null {
  if (a == null || b == null) return null;
  let p: number | bigint | null;
  let q: number | bigint | null;
  if (isNumeric(a)) p = a;
  else if (convertStrings && typeof a === 'string' && isNumeric(b)) p = convertTo(a, b);
  else return null;
  if (isNumeric(b)) q = b;
  else if (convertStrings && typeof b === 'string' && p !== null) q = convertTo(b, p);
  else return null;
  if (p === null || q === null) return null;
  // == compares a number with a bigint by value.
  return p < q ? -1 : p > q ? 1 : p == q ? 0 : NaN;
}

// ---- arithmetic ------------------------------------------------------------------------------
// As ActiveMQ's ArithmeticExpression: + - * keep integers exact (bigint when a long is involved),
// / and % are floating point. Division by zero is UNKNOWN rather than Infinity.

export type BinaryFn = (a: unknown, b: unknown) => unknown;

/** Both operands as bigint when one is a bigint and the other an integer; else both as numbers. */
function mixed(a: number | bigint, b: number | bigint, big: (x: bigint, y: bigint) => bigint, num: (x: number, y: number) => number): number | bigint {
  if (typeof a === 'bigint' && typeof b === 'bigint') return big(a, b);
  if (typeof a === 'bigint' && Number.isInteger(b)) return big(a, BigInt(b));
  if (typeof b === 'bigint' && Number.isInteger(a)) return big(BigInt(a), b);
  return num(Number(a), Number(b));
}

export const ADD: BinaryFn = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (!isNumeric(a) || !isNumeric(b)) return null;
  return mixed(a, b, (x, y) => x + y, (x, y) => x + y);
};

export const SUB: BinaryFn = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (!isNumeric(a) || !isNumeric(b)) return null;
  return mixed(a, b, (x, y) => x - y, (x, y) => x - y);
};

export const MUL: BinaryFn = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (!isNumeric(a) || !isNumeric(b)) return null;
  return mixed(a, b, (x, y) => x * y, (x, y) => x * y);
};

export const DIV: BinaryFn = (a, b) => {
  if (!isNumeric(a) || !isNumeric(b)) return null;
  const d = Number(b);
  return d === 0 ? null : Number(a) / d;
};

export const MOD: BinaryFn = (a, b) => {
  if (!isNumeric(a) || !isNumeric(b)) return null;
  const d = Number(b);
  return d === 0 ? null : Number(a) % d;
};

export function negate(v: unknown): unknown {
  if (typeof v === 'number') return -v;
  if (typeof v === 'bigint') return -v;
  return null;
}

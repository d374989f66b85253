// Property tests of the selector (docs/CONVENTIONS.md: pure codecs): the compiler fails only with InvalidSelectorError,
// compiled selectors agree with a small reference evaluator, and matches() never throws.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { InvalidSelectorError } from '../src/errors';
import { compileSelector, type Filterable, type Selector } from '../src/selector';

function filterable(props: Record<string, unknown>, headers: Record<string, unknown> = {}): Filterable {
  return {
    getHeader: (n) => (Object.hasOwn(headers, n) ? headers[n] : undefined),
    getProperty: (n) => (Object.hasOwn(props, n) ? props[n] : undefined),
  };
}

/** Compile, or check that the failure is a well-formed InvalidSelectorError. */
function compileOrExplain(text: string): Selector | undefined {
  try {
    return compileSelector(text);
  } catch (e) {
    assert.ok(e instanceof InvalidSelectorError, `${JSON.stringify(text)} threw ${String(e)}`);
    const pos = e.position;
    assert.ok(pos !== undefined && Number.isInteger(pos) && pos >= 1 && pos <= text.length + 1, `${JSON.stringify(text)}: position ${pos}`);
    assert.ok(e.message.includes(`at column ${pos}`), e.message);
    return undefined;
  }
}

// ---- (1) arbitrary text ------------------------------------------------------------------------

const VOCAB = [
  'a', 'b', 'JMSType', 'JMSPriority', 'NOT', 'not', 'AND', 'OR', 'BETWEEN', 'LIKE', 'ESCAPE', 'IN', 'IS', 'NULL', 'TRUE',
  'FALSE', 'XPATH', '=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '(', ')', ',', "'x'", "'%_'", "'!'",
  "'", "''", '0', '1', '07', '0x1F', '1.5e3', '.5', '10L', '2d', '09', '--', '/*', '*/', '\n', '"', 'é', '😀', '$v', '_',
];

describe('selector - fuzz: arbitrary text', () => {
  it('never fails with anything but InvalidSelectorError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.fullUnicodeString({ maxLength: 30 })), (text) => {
      compileOrExplain(text)?.matches(filterable({}));
    }), { numRuns: 2000 });
  });
  it('token soup never fails with anything but InvalidSelectorError', () => {
    const soup = fc.tuple(fc.array(fc.constantFrom(...VOCAB), { maxLength: 25 }), fc.constantFrom(' ', '', '  '));
    fc.assert(fc.property(soup, ([tokens, sep]) => {
      const s = compileOrExplain(tokens.join(sep));
      if (s) {
        assert.equal(typeof s.matches(filterable({})), 'boolean');
        assert.equal(typeof s.matches(filterable({ a: 1, b: 'x' }, { JMSType: 'x', JMSPriority: 4 })), 'boolean');
      }
    }), { numRuns: 3000 });
  });
});

// ---- (2) reference evaluation over integer properties ------------------------------------------

type ArithOp = '+' | '-' | '*' | '/' | '%';
type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
type Num =
  | { k: 'lit'; v: number; style: number }
  | { k: 'prop'; name: string }
  | { k: 'neg'; e: Num }
  | { k: 'bin'; op: ArithOp; l: Num; r: Num };
type Bool =
  | { k: 'const'; v: boolean | null }
  | { k: 'propcond'; name: string }
  | { k: 'cmp'; op: CmpOp; l: Num; r: Num }
  | { k: 'between'; not: boolean; e: Num; lo: Num; hi: Num }
  | { k: 'isnull'; not: boolean; e: Num }
  | { k: 'isnullb'; not: boolean; e: Bool }
  | { k: 'not'; e: Bool }
  | { k: 'and' | 'or'; l: Bool; r: Bool };

const PROPS = ['a', 'b', 'c'];

const { bool } = fc.letrec<{ num: Num; bool: Bool }>((tie) => {
  const n = tie('num') as fc.Arbitrary<Num>;
  const b = tie('bool') as fc.Arbitrary<Bool>;
  return {
    num: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'selector' },
      fc.record({ k: fc.constant('lit' as const), v: fc.integer({ min: 0, max: 20 }), style: fc.nat(4) }),
      fc.record({ k: fc.constant('prop' as const), name: fc.constantFrom(...PROPS) }),
      fc.record({ k: fc.constant('neg' as const), e: n }),
      fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom<ArithOp>('+', '-', '*', '/', '%'), l: n, r: n }),
    ),
    bool: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'selector' },
      fc.record({ k: fc.constant('cmp' as const), op: fc.constantFrom<CmpOp>('=', '<>', '<', '<=', '>', '>='), l: n, r: n }),
      fc.record({ k: fc.constant('const' as const), v: fc.constantFrom(true, false, null) }),
      fc.record({ k: fc.constant('propcond' as const), name: fc.constantFrom(...PROPS) }),
      fc.record({ k: fc.constant('between' as const), not: fc.boolean(), e: n, lo: n, hi: n }),
      fc.record({ k: fc.constant('isnull' as const), not: fc.boolean(), e: n }),
      fc.record({ k: fc.constant('isnullb' as const), not: fc.boolean(), e: b }),
      fc.record({ k: fc.constant('not' as const), e: b }),
      fc.record({ k: fc.constant('and' as const), l: b, r: b }),
      fc.record({ k: fc.constant('or' as const), l: b, r: b }),
    ),
  };
});

type V = number | null;
type T = boolean | null;
const not3 = (x: T): T => (x === null ? null : !x);
const and3 = (x: T, y: T): T => (x === false || y === false ? false : x === null || y === null ? null : true);
const or3 = (x: T, y: T): T => (x === true || y === true ? true : x === null || y === null ? null : false);

function evalNum(e: Num, props: Record<string, V>): V {
  switch (e.k) {
    case 'lit': return e.v;
    case 'prop': return props[e.name] ?? null;
    case 'neg': { const x = evalNum(e.e, props); return x === null ? null : -x; }
    case 'bin': {
      const x = evalNum(e.l, props);
      const y = evalNum(e.r, props);
      if (x === null || y === null) return null;
      switch (e.op) {
        case '+': return x + y;
        case '-': return x - y;
        case '*': return x * y;
        case '/': return y === 0 ? null : x / y;
        case '%': return y === 0 ? null : x % y;
      }
    }
  }
}

function compare(op: string, x: V, y: V): T {
  if (x === null || y === null) return null;
  switch (op) {
    case '=': return x === y;
    case '<>': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    default: return x >= y;
  }
}

function evalBool(e: Bool, props: Record<string, V>): T {
  switch (e.k) {
    case 'const': return e.v;
    case 'propcond': return null; // integer properties are not booleans: UNKNOWN
    case 'cmp': return compare(e.op, evalNum(e.l, props), evalNum(e.r, props));
    case 'between': {
      const v = evalNum(e.e, props);
      const inside = and3(compare('>=', v, evalNum(e.lo, props)), compare('<=', v, evalNum(e.hi, props)));
      return e.not ? not3(inside) : inside;
    }
    case 'isnull': return (evalNum(e.e, props) === null) !== e.not;
    case 'isnullb': {
      // IS NULL looks at the value: a bare identifier is not cast to a boolean there.
      const v = e.e.k === 'propcond' ? props[e.e.name] ?? null : evalBool(e.e, props);
      return (v === null) !== e.not;
    }
    case 'not': return not3(evalBool(e.e, props));
    case 'and': return and3(evalBool(e.l, props), evalBool(e.r, props));
    case 'or': return or3(evalBool(e.l, props), evalBool(e.r, props));
  }
}

// Rendering with the fewest parentheses the precedence allows (or all of them), so the parser's
// precedence is what the comparison tests. Levels: OR 1, AND 2, NOT 3, equality 4, comparison 5,
// additive 6, multiplicative 7, unary 8, primary 9.
type Style = { upper: 'upper' | 'lower' | 'mixed'; parens: boolean };
type R = [text: string, level: number];

function kw(word: string, s: Style): string {
  if (s.upper === 'upper') return word;
  if (s.upper === 'lower') return word.toLowerCase();
  return word[0] + word.slice(1).toLowerCase();
}
function wrap([text, level]: R, min: number, s: Style): string {
  return level >= min && !(s.parens && level < 9) ? text : `( ${text} )`;
}
function literal(v: number, style: number): string {
  switch (style) {
    case 1: return `0x${v.toString(16)}`;
    case 2: return v === 0 ? '0' : `0${v.toString(8)}`;
    case 3: return `${v}L`;
    case 4: return `${v}.0`;
    default: return String(v);
  }
}
function renderNum(e: Num, s: Style): R {
  switch (e.k) {
    case 'lit': return [literal(e.v, e.style), 9];
    case 'prop': return [e.name, 9];
    case 'neg': return [`- ${wrap(renderNum(e.e, s), 8, s)}`, 8];
    case 'bin': {
      const level = e.op === '+' || e.op === '-' ? 6 : 7;
      return [`${wrap(renderNum(e.l, s), level, s)} ${e.op} ${wrap(renderNum(e.r, s), level + 1, s)}`, level];
    }
  }
}
function renderBool(e: Bool, s: Style): R {
  switch (e.k) {
    case 'const': return [kw(e.v === null ? 'NULL' : e.v ? 'TRUE' : 'FALSE', s), 9];
    case 'propcond': return [e.name, 9];
    case 'cmp': {
      const level = e.op === '=' || e.op === '<>' ? 4 : 5;
      return [`${wrap(renderNum(e.l, s), level + 1, s)} ${e.op} ${wrap(renderNum(e.r, s), level + 1, s)}`, level];
    }
    case 'between': {
      const not = e.not ? `${kw('NOT', s)} ` : '';
      const [x, lo, hi] = [e.e, e.lo, e.hi].map((n) => wrap(renderNum(n, s), 6, s));
      return [`${x} ${not}${kw('BETWEEN', s)} ${lo} ${kw('AND', s)} ${hi}`, 5];
    }
    case 'isnull':
    case 'isnullb': {
      const inner = e.k === 'isnull' ? renderNum(e.e, s) : renderBool(e.e, s);
      return [`${wrap(inner, 5, s)} ${kw('IS', s)} ${e.not ? `${kw('NOT', s)} ` : ''}${kw('NULL', s)}`, 4];
    }
    case 'not': return [`${kw('NOT', s)} ${wrap(renderBool(e.e, s), 3, s)}`, 3];
    case 'and': return [`${wrap(renderBool(e.l, s), 2, s)} ${kw('AND', s)} ${wrap(renderBool(e.r, s), 3, s)}`, 2];
    case 'or': return [`${wrap(renderBool(e.l, s), 1, s)} ${kw('OR', s)} ${wrap(renderBool(e.r, s), 2, s)}`, 1];
  }
}

const intProps = fc.record(
  { a: fc.option(fc.integer({ min: -30, max: 30 })), b: fc.option(fc.integer({ min: -30, max: 30 })), c: fc.option(fc.integer({ min: -5, max: 5 })) },
  { requiredKeys: [] },
);
const style = fc.record({ upper: fc.constantFrom('upper' as const, 'lower' as const, 'mixed' as const), parens: fc.boolean() });

describe('selector - fuzz: reference evaluation', () => {
  it('agrees with a three-valued reference evaluator over integer properties', () => {
    fc.assert(fc.property(bool, style, fc.array(intProps, { minLength: 1, maxLength: 4 }), (expr, st, messages) => {
      const [text] = renderBool(expr, st);
      const sel = compileSelector(text);
      for (const props of messages) {
        const expected = evalBool(expr, props as Record<string, V>) === true;
        assert.equal(sel.matches(filterable(props)), expected, `${text} with ${JSON.stringify(props)}`);
        // JMS: NOT selects exactly where the condition is FALSE, never where it is UNKNOWN.
        const negated = compileSelector(`${kw('NOT', st)} ( ${text} )`);
        assert.equal(negated.matches(filterable(props)), evalBool(expr, props as Record<string, V>) === false, `NOT (${text})`);
      }
    }), { numRuns: 1500 });
  });
});

// ---- (3) matches() never throws ----------------------------------------------------------------

const anyValue = fc.oneof(
  fc.boolean(), fc.integer(), fc.double(), fc.bigInt(), fc.string({ maxLength: 8 }), fc.constantFrom('1', '2.5', '-3', 'true', '1e400', ''),
  fc.uint8Array({ maxLength: 4 }), fc.constant(null), fc.constant(undefined), fc.constantFrom(NaN, Infinity, -0),
);
const anyProps = fc.dictionary(fc.constantFrom('a', 'b', 'c', 's', 'JMSType', 'JMSPriority'), anyValue);

const ident = fc.constantFrom('a', 'b', 'c', 's', 'x', 'JMSType', 'JMSPriority', 'JMSDeliveryMode', 'JMSRedelivered');
const numLit = fc.oneof(fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom('0x10', '010', '1.5', '1e3', '9223372036854775807', '2.5d'));
const strLit = fc.string({ maxLength: 5 }).map((v) => `'${v.replace(/'/g, "''")}'`);
const operand = fc.oneof(ident, numLit, ident.chain((i) => fc.constantFrom(`${i} + 1`, `${i} / 0`, `- ${i}`, `${i} % ${i}`)));
const atom = fc.oneof(
  fc.tuple(operand, fc.constantFrom('=', '<>', '<', '<=', '>', '>='), operand).map(([l, o, r]) => `${l} ${o} ${r}`),
  fc.tuple(ident, fc.constantFrom('=', '<>'), fc.oneof(strLit, fc.constantFrom('TRUE', 'FALSE'))).map(([l, o, r]) => `${l} ${o} ${r}`),
  fc.tuple(ident, fc.constantFrom('LIKE', 'NOT LIKE'), strLit, fc.boolean()).map(([l, o, pat, esc]) => `${l} ${o} ${pat}${esc ? " ESCAPE '!'" : ''}`),
  fc.tuple(ident, fc.constantFrom('IN', 'NOT IN'), fc.array(strLit, { minLength: 1, maxLength: 4 })).map(([l, o, xs]) => `${l} ${o} (${xs.join(', ')})`),
  fc.tuple(operand, fc.constantFrom('BETWEEN', 'NOT BETWEEN'), operand, operand).map(([e, o, lo, hi]) => `${e} ${o} ${lo} AND ${hi}`),
  fc.tuple(operand, fc.constantFrom('IS NULL', 'IS NOT NULL')).map(([e, o]) => `${e} ${o}`),
  ident,
);
const condition = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { maxDepth: 3 },
    atom,
    (tie('c') as fc.Arbitrary<string>).map((x) => `NOT (${x})`),
    fc.tuple(tie('c') as fc.Arbitrary<string>, fc.constantFrom('AND', 'OR'), tie('c') as fc.Arbitrary<string>).map(([l, o, r]) => `(${l}) ${o} (${r})`),
  ),
})).c;

describe('selector - fuzz: matches never throws', () => {
  it('on arbitrary property and header values', () => {
    fc.assert(fc.property(condition, fc.boolean(), anyProps, anyProps, (text, convert, props, headers) => {
      const sel = compileOrExplain(convert ? `convert_string_expressions:${text}` : text);
      if (sel) assert.equal(typeof sel.matches(filterable(props, headers)), 'boolean');
    }), { numRuns: 3000 });
  });
});

// ---- LIKE against a dynamic-programming matcher ------------------------------------------------

function likeReference(value: string, pattern: string, escape: string | undefined): boolean {
  // Pieces: literal code points, '%' runs and '_' as ActiveMQ reads them.
  const pieces: Array<{ lit: string } | '%' | '_'> = [];
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    const next = cps[i + 1];
    if (c === escape && (next === '%' || next === '_' || next === escape)) {
      pieces.push({ lit: next });
      i++;
    } else if (c === '%' || c === '_') {
      pieces.push(c);
    } else {
      pieces.push({ lit: c });
    }
  }
  const s = Array.from(value);
  // ok[i][j]: the first i pieces match the first j characters.
  const ok = Array.from({ length: pieces.length + 1 }, () => new Array<boolean>(s.length + 1).fill(false));
  (ok[0] as boolean[])[0] = true;
  for (let i = 1; i <= pieces.length; i++) {
    const piece = pieces[i - 1];
    const row = ok[i] as boolean[];
    const prev = ok[i - 1] as boolean[];
    for (let j = 0; j <= s.length; j++) {
      if (piece === '%') row[j] = (prev[j] ?? false) || (j > 0 && (row[j - 1] ?? false));
      else if (j > 0 && (piece === '_' || piece?.lit === s[j - 1])) row[j] = prev[j - 1] ?? false;
    }
  }
  return (ok[pieces.length] as boolean[])[s.length] ?? false;
}

describe('selector - fuzz: LIKE', () => {
  it('agrees with a dynamic-programming matcher', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '%', '_', '!', '.', '*', '\n'), { maxLength: 8 }).map((xs) => xs.join(''));
    const value = fc.array(fc.constantFrom('a', 'b', '!', '.', '*', '\n', '%', '_', '😀'), { maxLength: 10 }).map((xs) => xs.join(''));
    fc.assert(fc.property(pattern, value, fc.boolean(), (pat, val, withEscape) => {
      const text = `s LIKE '${pat}'${withEscape ? " ESCAPE '!'" : ''}`;
      const expected = likeReference(val, pat, withEscape ? '!' : undefined);
      assert.equal(compileSelector(text).matches(filterable({ s: val })), expected, `${text} on ${JSON.stringify(val)}`);
    }), { numRuns: 3000 });
  });
});

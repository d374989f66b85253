// Turn the checked tree into nested closures, once per selector. A match then runs only the
// closures: no tree walk, no per-match allocation (bigint arithmetic aside). Comparisons with
// a literal get a fast path for the common same-type case; LIKE patterns and IN lists are
// prepared here.
import { DeliveryMode } from '../message';
import type { CmpOp, Node } from './ast';
import { compileLike } from './like';
import type { Filterable } from './types';
import {
  ADD, DIV, MOD, MUL, SUB, type BinaryFn, type Truth,
  and3, asTruth, equals, negate, not3, order,
} from './values';

export type Eval = (m: Filterable) => unknown;
export type Cond = (m: Filterable) => Truth;

const ARITH: Readonly<Record<string, BinaryFn>> = { '+': ADD, '-': SUB, '*': MUL, '/': DIV, '%': MOD };
/** `lit op x` is `x FLIP[op] lit`. */
const FLIP: Readonly<Record<CmpOp, CmpOp>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const ORDER_TEST: Readonly<Record<CmpOp, (o: number) => boolean>> = {
  '=': (o) => o === 0, '<>': (o) => o !== 0,
  '<': (o) => o < 0, '<=': (o) => o <= 0, '>': (o) => o > 0, '>=': (o) => o >= 0,
};

/** Compile the whole selector (or any condition) to a three-valued test. */
export function compileCondition(n: Node, convertStrings: boolean): Cond {
  return new Compiler(convertStrings).condition(n);
}

function identifier(name: string, header: boolean): Eval {
  if (!header) return (m) => m.getProperty(name);
  if (name === 'JMSDeliveryMode') {
    // Selectors see the mode as a string (ActiveMQ PropertyExpression); accept the numeric
    // javax.jms.DeliveryMode too, in case a Filterable hands that out.
    return (m) => {
      const v = m.getHeader(name);
      if (v === DeliveryMode.PERSISTENT) return 'PERSISTENT';
      if (v === DeliveryMode.NON_PERSISTENT) return 'NON_PERSISTENT';
      return v;
    };
  }
  return (m) => m.getHeader(name);
}

function conjunction(fs: readonly Cond[]): Cond {
  const [a, b] = fs;
  if (fs.length === 2 && a && b) {
    return (m) => {
      const x = a(m);
      if (x === false) return false;
      const y = b(m);
      if (y === false) return false;
      return x === null || y === null ? null : true;
    };
  }
  const n = fs.length;
  return (m) => {
    let unknown = false;
    for (let i = 0; i < n; i++) {
      const v = (fs[i] as Cond)(m);
      if (v === false) return false;
      if (v === null) unknown = true;
    }
    return unknown ? null : true;
  };
}

function disjunction(fs: readonly Cond[]): Cond {
  const [a, b] = fs;
  if (fs.length === 2 && a && b) {
    return (m) => {
      const x = a(m);
      if (x === true) return true;
      const y = b(m);
      if (y === true) return true;
      return x === null || y === null ? null : false;
    };
  }
  const n = fs.length;
  return (m) => {
    let unknown = false;
    for (let i = 0; i < n; i++) {
      const v = (fs[i] as Cond)(m);
      if (v === true) return true;
      if (v === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

function between(v: unknown, lo: unknown, hi: unknown, conv: boolean): Truth {
  const a = order(v, lo, conv);
  const b = order(v, hi, conv);
  return and3(a === null ? null : a >= 0, b === null ? null : b <= 0);
}

class Compiler {
  constructor(private readonly conv: boolean) {}

  value(n: Node): Eval {
    switch (n.k) {
      case 'lit': {
        const v = n.value;
        return () => v;
      }
      case 'id':
        return identifier(n.name, n.header);
      case 'neg': {
        const e = this.value(n.e);
        return (m) => negate(e(m));
      }
      case 'arith': {
        const l = this.value(n.l);
        const r = this.value(n.r);
        const f = ARITH[n.op] as BinaryFn;
        return (m) => f(l(m), r(m));
      }
      default:
        return this.condition(n);
    }
  }

  condition(n: Node): Cond {
    switch (n.k) {
      case 'lit': {
        const v = asTruth(n.value);
        return () => v;
      }
      case 'id': {
        // JMS: a boolean property may stand alone as a condition.
        const get = identifier(n.name, n.header);
        return (m) => asTruth(get(m));
      }
      case 'neg':
      case 'arith':
        return () => null; // the parser rejects numeric conditions
      case 'cmp':
        return this.comparison(n.op, n.l, n.r);
      case 'isnull': {
        const e = this.value(n.e);
        return n.not ? (m) => e(m) != null : (m) => e(m) == null;
      }
      case 'like': {
        const e = this.value(n.e);
        const test = compileLike(n.pattern, n.escape);
        if (n.not) {
          return (m) => {
            const v = e(m);
            return typeof v === 'string' ? !test(v) : null;
          };
        }
        return (m) => {
          const v = e(m);
          return typeof v === 'string' ? test(v) : null;
        };
      }
      case 'in': {
        const e = this.value(n.e);
        const not = n.not;
        const list = [...new Set(n.list)];
        if (list.length <= 8) {
          // Short lists: comparing strings beats hashing them.
          const len = list.length;
          return (m) => {
            const v = e(m);
            if (typeof v !== 'string') return null;
            for (let i = 0; i < len; i++) if (list[i] === v) return !not;
            return not;
          };
        }
        const set = new Set(list);
        return (m) => {
          const v = e(m);
          return typeof v === 'string' ? set.has(v) !== not : null;
        };
      }
      case 'between': {
        const inside = this.between(n.e, n.lo, n.hi);
        return n.not ? (m) => not3(inside(m)) : inside;
      }
      case 'not': {
        const e = this.condition(n.e);
        return (m) => not3(e(m));
      }
      case 'and':
        return conjunction(n.items.map((c) => this.condition(c)));
      case 'or':
        return disjunction(n.items.map((c) => this.condition(c)));
    }
  }

  private between(en: Node, lon: Node, hin: Node): Cond {
    const e = this.value(en);
    const conv = this.conv;
    if (lon.k === 'lit' && hin.k === 'lit' && typeof lon.value === 'number' && typeof hin.value === 'number') {
      const lo = lon.value;
      const hi = hin.value;
      return (m) => {
        const v = e(m);
        return typeof v === 'number' ? v >= lo && v <= hi : between(v, lo, hi, conv);
      };
    }
    const lo = this.value(lon);
    const hi = this.value(hin);
    return (m) => between(e(m), lo(m), hi(m), conv);
  }

  private comparison(op0: CmpOp, l0: Node, r0: Node): Cond {
    const swap = l0.k === 'lit' && r0.k !== 'lit';
    const op = swap ? FLIP[op0] : op0;
    const ln = swap ? r0 : l0;
    const rn = swap ? l0 : r0;
    const conv = this.conv;
    const l = this.value(ln);
    if (rn.k === 'lit' && (typeof rn.value === 'string' || typeof rn.value === 'number')) {
      const fast = this.literalComparison(op, l, rn.value);
      if (fast) return fast;
    }
    const r = this.value(rn);
    if (op === '=') return (m) => equals(l(m), r(m), conv);
    if (op === '<>') return (m) => not3(equals(l(m), r(m), conv));
    const test = ORDER_TEST[op];
    return (m) => {
      const o = order(l(m), r(m), conv);
      return o === null ? null : test(o);
    };
  }

  /** `x op literal` where x usually has the literal's type: test that case inline. */
  private literalComparison(op: CmpOp, l: Eval, c: string | number): Cond | undefined {
    const conv = this.conv;
    const kind = typeof c;
    if (op === '=') return (m) => {
      const v = l(m);
      return typeof v === kind ? v === c : equals(v, c, conv);
    };
    if (op === '<>') return (m) => {
      const v = l(m);
      return typeof v === kind ? v !== c : not3(equals(v, c, conv));
    };
    if (typeof c !== 'number') return undefined; // the parser rejects ordering on strings
    const test = ORDER_TEST[op];
    switch (op) {
      case '<': return (m) => {
        const v = l(m);
        if (typeof v === 'number') return v < c;
        const o = order(v, c, conv);
        return o === null ? null : test(o);
      };
      case '<=': return (m) => {
        const v = l(m);
        if (typeof v === 'number') return v <= c;
        const o = order(v, c, conv);
        return o === null ? null : test(o);
      };
      case '>': return (m) => {
        const v = l(m);
        if (typeof v === 'number') return v > c;
        const o = order(v, c, conv);
        return o === null ? null : test(o);
      };
      default: return (m) => {
        const v = l(m);
        if (typeof v === 'number') return v >= c;
        const o = order(v, c, conv);
        return o === null ? null : test(o);
      };
    }
  }
}

// Recursive-descent parser for the JMS selector grammar (JMS 1.1 §3.8.1.1, ActiveMQ
// SelectorParser.jj). Precedence, lowest first: OR, AND, NOT, equality (= <> IS [NOT] NULL),
// comparison (< <= > >= [NOT] LIKE / BETWEEN / IN), additive, multiplicative, unary, primary.
// Static type errors (`NOT 5`, `'a' + 1`, `a = NULL`, `5 LIKE 'x'`) are rejected here, with the
// column of the offending operand.
import {
  type ArithOp, type CmpOp, type Literal, type Node,
  HEADER_NAMES, describeNode, staticType,
} from './ast';
import { quote, selectorError } from './fault';
import { type Token, tokenize } from './lexer';

/** Deepest nesting of parentheses, unary operators and operators in the tree. */
export const MAX_SELECTOR_DEPTH = 256;

/** Parse selector text from `start` (after any prefix) into a type-checked tree. */
export function parseSelector(text: string, start: number, convertStrings: boolean): Node {
  return new Parser(text, tokenize(text, start), convertStrings).parse();
}

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'kw': return t.value as string;
    case 'str': return quote(t.raw.slice(1, -1));
    case 'op': return `'${t.raw}'`;
    default: return t.raw.length > 40 ? `${t.raw.slice(0, 40)}…` : t.raw;
  }
}

function height(...children: Node[]): number {
  let d = 0;
  for (const c of children) if (c.depth > d) d = c.depth;
  return d + 1;
}

class Parser {
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly text: string,
    private readonly toks: readonly Token[],
    private readonly convertStrings: boolean,
  ) {}

  parse(): Node {
    const e = this.orExpr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      const hint = t.kind === 'op' && t.raw === ')' ? "no matching '('" : undefined;
      throw this.fail(t.pos, 'expected end of input', describeToken(t), hint);
    }
    this.condition(e, 'a selector must be a boolean expression');
    return e;
  }

  // ---- token helpers -------------------------------------------------------------------------

  private peek(ahead = 0): Token {
    const t = this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
    if (t === undefined) throw new Error('selector lexer produced no tokens');
    return t;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isKw(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'kw' && t.value === word;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === op;
  }
  private expectKw(word: string): Token {
    if (!this.isKw(word)) throw this.fail(this.peek().pos, `expected ${word}`, describeToken(this.peek()));
    return this.next();
  }
  private expectOp(op: string, hint?: string): Token {
    if (!this.isOp(op)) throw this.fail(this.peek().pos, `expected '${op}'`, describeToken(this.peek()), hint);
    return this.next();
  }
  private expectString(what: string, hint?: string): Token {
    const t = this.peek();
    if (t.kind !== 'str') throw this.fail(t.pos, what, describeToken(t), hint);
    return this.next();
  }
  private fail(pos: number, what: string, found?: string, hint?: string): Error {
    return selectorError(this.text, pos, what, found, hint);
  }
  private enter(pos: number): void {
    if (++this.nesting > MAX_SELECTOR_DEPTH) {
      throw this.fail(pos, `selector nests deeper than ${MAX_SELECTOR_DEPTH} levels`);
    }
  }
  private leave(): void {
    this.nesting--;
  }
  /** Check a new node's height; `at` is where to report it (the operator of a binary node). */
  private made<T extends Node>(n: T, at = n.pos): T {
    if (n.depth > MAX_SELECTOR_DEPTH) throw this.fail(at, `selector nests deeper than ${MAX_SELECTOR_DEPTH} levels`);
    return n;
  }

  // ---- static types --------------------------------------------------------------------------

  /** AND / OR / NOT operands and the whole selector: booleans, identifiers (cast) or NULL. */
  private condition(n: Node, what: string): void {
    const t = staticType(n);
    if (t === 'num' || t === 'str') throw this.fail(n.pos, what, describeNode(n));
  }
  /** Arithmetic operands; NULL is allowed and yields UNKNOWN. */
  private numeric(n: Node, op: string): void {
    const t = staticType(n);
    if (t === 'str' || t === 'bool') throw this.fail(n.pos, `'${op}' needs numeric operands`, describeNode(n));
  }
  /** Operands of < <= > >= BETWEEN (ActiveMQ checkLessThanOperand): no string, boolean or NULL literal. */
  private ordered(n: Node, op: string): void {
    const t = staticType(n);
    if (t === 'str' || t === 'bool' || t === 'null') {
      throw this.fail(n.pos, `${op} needs numeric operands`, describeNode(n), t === 'str' ? 'strings only support = and <>' : undefined);
    }
  }
  /** Operands of LIKE and IN must be strings. */
  private stringy(n: Node, op: string): void {
    const t = staticType(n);
    if (t === 'num' || t === 'bool') throw this.fail(n.pos, `${op} needs a string operand`, describeNode(n));
  }
  private equality(op: Token, l: Node, r: Node): void {
    for (const n of [l, r]) {
      if (n.k === 'lit' && n.value === null) {
        throw this.fail(n.pos, `'${op.raw}' cannot compare with NULL`, undefined, `use IS ${op.raw === '=' ? '' : 'NOT '}NULL`);
      }
    }
    const a = staticType(l);
    const b = staticType(r);
    if (a === 'any' || b === 'any' || a === b) return;
    if (this.convertStrings && (a === 'str' || b === 'str')) return;
    throw this.fail(op.pos, `'${op.raw}' cannot compare ${describeNode(l)} with ${describeNode(r)}`);
  }

  // ---- grammar -------------------------------------------------------------------------------

  private orExpr(): Node {
    let left = this.andExpr();
    while (this.isKw('OR')) {
      this.next();
      left = this.logic('or', left, this.andExpr());
    }
    return left;
  }

  private andExpr(): Node {
    let left = this.notExpr();
    while (this.isKw('AND')) {
      this.next();
      left = this.logic('and', left, this.notExpr());
    }
    return left;
  }

  private logic(k: 'and' | 'or', left: Node, right: Node): Node {
    const word = k.toUpperCase();
    this.condition(left, `${word} needs boolean operands`);
    this.condition(right, `${word} needs boolean operands`);
    if (left.k === k) {
      if (right.k === k) left.items.push(...right.items);
      else left.items.push(right);
      left.depth = Math.max(left.depth, right.depth + 1);
      return this.made(left);
    }
    const items = right.k === k ? [left, ...right.items] : [left, right];
    return this.made({ k, items, pos: left.pos, depth: height(...items) });
  }

  private notExpr(): Node {
    if (!this.isKw('NOT')) return this.equalityExpr();
    const t = this.next();
    this.enter(t.pos);
    const e = this.notExpr();
    this.leave();
    this.condition(e, 'NOT needs a boolean operand');
    return this.made({ k: 'not', e, pos: t.pos, depth: height(e) });
  }

  private equalityExpr(): Node {
    let left = this.comparisonExpr();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '=' || t.value === '<>')) {
        this.next();
        const right = this.comparisonExpr();
        this.equality(t, left, right);
        left = this.made({ k: 'cmp', op: t.value as CmpOp, l: left, r: right, pos: left.pos, depth: height(left, right) }, t.pos);
      } else if (this.isKw('IS')) {
        this.next();
        const not = this.isKw('NOT');
        if (not) this.next();
        this.expectKw('NULL');
        left = this.made({ k: 'isnull', e: left, not, pos: left.pos, depth: height(left) }, t.pos);
      } else {
        return left;
      }
    }
  }

  private comparisonExpr(): Node {
    let left = this.additiveExpr();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '<' || t.value === '<=' || t.value === '>' || t.value === '>=')) {
        this.next();
        const right = this.additiveExpr();
        this.ordered(left, `'${t.raw}'`);
        this.ordered(right, `'${t.raw}'`);
        const op = t.value as CmpOp;
        left = this.made({ k: 'cmp', op, l: left, r: right, pos: left.pos, depth: height(left, right) }, t.pos);
        continue;
      }
      let not = false;
      if (this.isKw('NOT')) {
        if (!this.isKw('LIKE', 1) && !this.isKw('BETWEEN', 1) && !this.isKw('IN', 1)) {
          const after = this.peek(1);
          throw this.fail(after.pos, 'expected LIKE, BETWEEN or IN after NOT', describeToken(after));
        }
        this.next();
        not = true;
      }
      if (this.isKw('LIKE')) left = this.like(left, not);
      else if (this.isKw('BETWEEN')) left = this.between(left, not);
      else if (this.isKw('IN')) left = this.in(left, not);
      else return left;
    }
  }

  private like(e: Node, not: boolean): Node {
    const kw = this.next();
    this.stringy(e, 'LIKE');
    const pattern = this.expectString('expected a string literal pattern after LIKE').value as string;
    let escape: string | undefined;
    if (this.isKw('ESCAPE')) {
      this.next();
      const t = this.expectString('expected a string literal after ESCAPE');
      escape = t.value as string;
      // One character (code point); ActiveMQ createLike rejects any other length.
      if ([...escape].length !== 1) throw this.fail(t.pos, 'ESCAPE must be a single character', describeToken(t));
    }
    return this.made({ k: 'like', e, pattern, escape, not, pos: e.pos, depth: height(e) }, kw.pos);
  }

  private between(e: Node, not: boolean): Node {
    const kw = this.next();
    const lo = this.additiveExpr();
    this.expectKw('AND');
    const hi = this.additiveExpr();
    for (const n of [e, lo, hi]) this.ordered(n, 'BETWEEN');
    return this.made({ k: 'between', e, lo, hi, not, pos: e.pos, depth: height(e, lo, hi) }, kw.pos);
  }

  private in(e: Node, not: boolean): Node {
    const kw = this.next();
    this.stringy(e, 'IN');
    this.expectOp('(', 'IN takes a parenthesised list of string literals');
    const list: string[] = [];
    for (;;) {
      const t = this.expectString('expected a string literal', 'IN lists take string literals only');
      list.push(t.value as string);
      if (this.isOp(')')) break;
      if (!this.isOp(',')) throw this.fail(this.peek().pos, "expected ',' or ')'", describeToken(this.peek()));
      this.next();
    }
    this.next();
    return this.made({ k: 'in', e, list, not, pos: e.pos, depth: height(e) }, kw.pos);
  }

  private additiveExpr(): Node {
    let left = this.multiplicativeExpr();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = this.arith(t, left, this.multiplicativeExpr());
    }
    return left;
  }

  private multiplicativeExpr(): Node {
    let left = this.unaryExpr();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      left = this.arith(t, left, this.unaryExpr());
    }
    return left;
  }

  private arith(t: Token, l: Node, r: Node): Node {
    const op = t.value as ArithOp;
    this.numeric(l, op);
    this.numeric(r, op);
    return this.made({ k: 'arith', op, l, r, pos: l.pos, depth: height(l, r) }, t.pos);
  }

  private unaryExpr(): Node {
    if (!this.isOp('-') && !this.isOp('+')) return this.primaryExpr();
    const t = this.next();
    this.enter(t.pos);
    const e = this.unaryExpr();
    this.leave();
    this.numeric(e, t.raw);
    if (t.raw === '+') return e;
    if (e.k === 'lit' && (typeof e.value === 'number' || typeof e.value === 'bigint')) {
      // Fold `-5` into a literal, so `-9223372036854775808` is the long minimum as in Java.
      return { k: 'lit', value: negateLiteral(e.value), pos: t.pos, depth: 1 };
    }
    return this.made({ k: 'neg', e, pos: t.pos, depth: height(e) });
  }

  private primaryExpr(): Node {
    const t = this.peek();
    switch (t.kind) {
      case 'num':
      case 'str':
        this.next();
        return { k: 'lit', value: t.value as Literal, pos: t.pos, depth: 1 };
      case 'id': {
        this.next();
        if (this.isOp('(')) throw this.fail(this.peek().pos, 'function calls are not supported', `'(' after ${t.raw}`);
        const name = t.value as string;
        return { k: 'id', name, header: HEADER_NAMES.has(name), pos: t.pos, depth: 1 };
      }
      case 'kw':
        if (t.value === 'TRUE' || t.value === 'FALSE' || t.value === 'NULL') {
          this.next();
          const value = t.value === 'NULL' ? null : t.value === 'TRUE';
          return { k: 'lit', value, pos: t.pos, depth: 1 };
        }
        if (t.value === 'XPATH' || t.value === 'XQUERY') {
          throw this.fail(t.pos, `${t.value as string} selectors are not supported`);
        }
        break;
      case 'op':
        if (t.value === '(') {
          this.next();
          this.enter(t.pos);
          const e = this.orExpr();
          this.expectOp(')', `to close the '(' at column ${t.pos + 1}`);
          this.leave();
          return e;
        }
        break;
      default:
        break;
    }
    throw this.fail(t.pos, 'expected an expression', describeToken(t));
  }
}

function negateLiteral(v: number | bigint): number | bigint {
  if (typeof v === 'number') return -v;
  const n = -v;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

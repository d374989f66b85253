// Tokens of the JMS selector language as ActiveMQ's SelectorParser.jj defines them
// (docs/ACTIVEMQ-BEHAVIOUR.md: selectors): case-insensitive keywords, '' inside string literals, decimal / hex /
// octal integers with an optional L, floats with an exponent, `--` and `/* */` comments.
import { quote, selectorError } from './fault';

export type TokenKind = 'num' | 'str' | 'id' | 'kw' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** 0-based offset of the first character in the full selector text. */
  readonly pos: number;
  /** The source text of the token. */
  readonly raw: string;
  /**
   * num: number | bigint; str: the decoded string; id: the name; kw: the keyword in upper case;
   * op: the operator text; eof: null.
   */
  readonly value: unknown;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'NOT', 'AND', 'OR', 'BETWEEN', 'LIKE', 'ESCAPE', 'IN', 'IS', 'TRUE', 'FALSE', 'NULL', 'XPATH', 'XQUERY',
]);

// JMS 1.1 §3.8.1.1: identifiers are Java identifiers (letters include _ and $). ActiveMQ accepts
// ASCII only; we also accept other Unicode letters, which JMS allows.
const IDENT = /[\p{L}_$][\p{L}\p{Nd}_$]*/uy;
const IDENT_PART = /[\p{L}\p{Nd}_$.]/uy;
const ASCII_WORD = /^[A-Za-z]+$/;

const SINGLE_OPS = new Set(['=', '+', '-', '*', '/', '%', '(', ')', ',']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** Numbers in the safe integer range stay `number`; larger integers become `bigint`. */
function intValue(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
}

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 32 || cp === 127) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return quote(String.fromCodePoint(cp));
}

/** Split `text` from `start` into tokens; the last token is always `eof`. */
export function tokenize(text: string, start: number): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = start;
  for (;;) {
    i = skipBlanks(text, i);
    if (i >= n) {
      out.push({ kind: 'eof', pos: n, raw: '', value: null });
      return out;
    }
    const c = text.charCodeAt(i);
    let tok: Token;
    if (isDigit(c) || (c === 46 /* . */ && isDigit(text.charCodeAt(i + 1)))) {
      tok = lexNumber(text, i);
    } else if (c === 39 /* ' */) {
      tok = lexString(text, i);
    } else {
      IDENT.lastIndex = i;
      const m = IDENT.exec(text);
      if (m) {
        const word = m[0];
        const upper = word.toUpperCase();
        // ASCII only: 'ın'.toUpperCase() is 'IN', and it is not the keyword.
        tok = ASCII_WORD.test(word) && KEYWORDS.has(upper)
          ? { kind: 'kw', pos: i, raw: word, value: upper }
          : { kind: 'id', pos: i, raw: word, value: word };
      } else {
        tok = lexOperator(text, i);
      }
    }
    out.push(tok);
    i = tok.pos + tok.raw.length;
  }
}

function skipBlanks(text: string, i: number): number {
  const n = text.length;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('--', i)) {
      // ActiveMQ LINE_COMMENT: to the end of the line.
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw selectorError(text, i, 'unterminated comment');
      i = end + 2;
    } else {
      return i;
    }
  }
}

function lexOperator(text: string, i: number): Token {
  const c = text[i] ?? '';
  const two = text.slice(i, i + 2);
  if (two === '<>' || two === '<=' || two === '>=') return { kind: 'op', pos: i, raw: two, value: two };
  if (two === '!=') {
    throw selectorError(text, i, "'!=' is not a selector operator", undefined, "use '<>' for not-equal");
  }
  if (two === '==') {
    throw selectorError(text, i, "'==' is not a selector operator", undefined, "use '=' for equality");
  }
  if (c === '<' || c === '>' || SINGLE_OPS.has(c)) return { kind: 'op', pos: i, raw: c, value: c };
  if (c === '"') {
    throw selectorError(text, i, 'unexpected character', describeChar(text, i), "string literals use single quotes");
  }
  throw selectorError(text, i, 'unexpected character', describeChar(text, i));
}

function lexString(text: string, start: number): Token {
  let i = start + 1;
  let value = '';
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0) throw selectorError(text, start, 'unterminated string literal');
    value += text.slice(i, q);
    if (text.charCodeAt(q + 1) === 39) {
      value += "'";
      i = q + 2;
    } else {
      return { kind: 'str', pos: start, raw: text.slice(start, q + 1), value };
    }
  }
}

function lexNumber(text: string, start: number): Token {
  const n = text.length;
  let i = start;
  let value: number | bigint;
  const c1 = text.charCodeAt(i + 1);
  if (text.charCodeAt(i) === 48 && (c1 === 120 || c1 === 88) /* 0x 0X */) {
    i += 2;
    const digits = i;
    while (i < n && isHexDigit(text.charCodeAt(i))) i++;
    if (i === digits) throw badNumber(text, start, 'invalid hexadecimal literal');
    value = intValue(BigInt(`0x${text.slice(digits, i)}`));
    if (text[i] === 'l' || text[i] === 'L') i++;
  } else {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    const intEnd = i;
    let isFloat = false;
    if (text[i] === '.') {
      isFloat = true;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      let j = i + 1;
      if (text[j] === '+' || text[j] === '-') j++;
      if (isDigit(text.charCodeAt(j))) {
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        isFloat = true;
        i = j;
      }
    }
    const s = text[i];
    if (s === 'd' || s === 'D' || s === 'f' || s === 'F') {
      value = Number(text.slice(start, i));
      i++;
    } else if (isFloat) {
      value = Number(text.slice(start, i));
    } else {
      const digits = text.slice(start, intEnd);
      if (digits.length > 1 && digits[0] === '0') {
        if (!/^[0-7]+$/.test(digits)) throw badNumber(text, start, 'invalid octal literal');
        value = intValue(BigInt(`0o${digits.slice(1)}`));
      } else {
        value = intValue(BigInt(digits));
      }
      if (s === 'l' || s === 'L') i++;
    }
  }
  IDENT_PART.lastIndex = i;
  // `5abc`, `0x`, `1e`, `1.2.3`: a number must not run into a word, except a keyword, which
  // ActiveMQ's tokenizer splits off (`a=1AND b=2`).
  if (i < n && IDENT_PART.test(text) && !startsWithKeyword(text, i)) {
    throw badNumber(text, start, 'invalid numeric literal');
  }
  return { kind: 'num', pos: start, raw: text.slice(start, i), value };
}

function startsWithKeyword(text: string, i: number): boolean {
  IDENT.lastIndex = i;
  const word = IDENT.exec(text)?.[0] ?? '';
  return ASCII_WORD.test(word) && KEYWORDS.has(word.toUpperCase());
}

function badNumber(text: string, start: number, what: string): Error {
  let end = start;
  while (end < text.length) {
    IDENT_PART.lastIndex = end;
    if (!IDENT_PART.test(text)) break;
    end = IDENT_PART.lastIndex;
  }
  return selectorError(text, start, what, quote(text.slice(start, Math.max(end, start + 1))));
}

// JMS message selectors (JMS 1.1 §3.8.1, ActiveMQ Classic flavour, docs/ACTIVEMQ-BEHAVIOUR.md: selectors): parsed
// and type-checked once, compiled to closures, then matched against any `Filterable`.
import { compileCondition } from './compile';
import { selectorError } from './fault';
import { parseSelector } from './parser';
import type { CompileSelectorOptions, Filterable, Selector } from './types';

export type { CompileSelectorOptions, Filterable, Selector } from './types';
export { MAX_SELECTOR_DEPTH } from './parser';

/** Longest selector text accepted, in UTF-16 code units (64 KiB). */
export const MAX_SELECTOR_LENGTH = 64 * 1024;

/** ActiveMQ STOMP convention: this prefix turns on convertStringExpressions. */
export const CONVERT_STRING_EXPRESSIONS_PREFIX = 'convert_string_expressions:';

/** The selector of a consumer that gave none (or only blanks): every message matches. */
export const MATCH_ALL: Selector = Object.freeze({ text: '', matches: (_m: Filterable) => true });

/**
 * Compile a selector. Throws InvalidSelectorError (with the 1-based column in `position`) for
 * syntax errors and for type errors visible in the text; `matches` never throws.
 */
export function compileSelector(text: string, opts: CompileSelectorOptions = {}): Selector {
  if (text == null) return MATCH_ALL;
  if (text.length > MAX_SELECTOR_LENGTH) {
    throw selectorError(text, undefined, `selector is ${text.length} characters long; the limit is ${MAX_SELECTOR_LENGTH}`);
  }
  let start = 0;
  let convertStrings = opts.convertStringExpressions === true;
  const lead = text.length - text.trimStart().length;
  if (text.startsWith(CONVERT_STRING_EXPRESSIONS_PREFIX, lead)) {
    convertStrings = true;
    start = lead + CONVERT_STRING_EXPRESSIONS_PREFIX.length;
  }
  if (text.slice(start).trim() === '') return MATCH_ALL;
  const test = compileCondition(parseSelector(text, start, convertStrings), convertStrings);
  return Object.freeze({ text, matches: (m: Filterable) => test(m) === true });
}

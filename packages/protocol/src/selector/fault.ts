import { InvalidSelectorError } from '../errors';

// Long selectors are shown cut short: the column says where the fault is.
const MAX_SHOWN = 80;

/**
 * Build the error for a fault at `offset` (0-based) in `text`. The message reads
 * `invalid selector "<text>": <what> at column <n>[ but found <found>][ (<hint>)]`.
 */
export function selectorError(
  text: string,
  offset: number | undefined,
  what: string,
  found?: string,
  hint?: string,
): InvalidSelectorError {
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  let message = `invalid selector "${shown}": ${what}`;
  const column = offset === undefined ? undefined : offset + 1;
  if (column !== undefined) message += ` at column ${column}`;
  if (found !== undefined) message += ` but found ${found}`;
  if (hint !== undefined) message += ` (${hint})`;
  return new InvalidSelectorError(message, column);
}

/** A short, printable rendering of a piece of selector text for error messages. */
export function quote(s: string, max = 40): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return `'${cut}'`;
}

// Frame encoding without a Buffer per frame: frames are written one after another into a shared
// slab, and each frame is a view of it. A slab's bytes are never written twice (a full slab is
// left to the views that still use it and a new one taken), so a view stays valid for as long
// as a socket or WebSocket holds it. Frames written in a row for one connection sit side by side,
// which lets the TCP sink send a tick's frames as one write without copying them again.
import type { StompVersion } from './parser';

const SLAB_BYTES = 64 * 1024;
const NUL = 0;
const LF = 10;
const CR = 13;
const COLON = 58;
const BACKSLASH = 92;
/** Escaped per STOMP 1.1 and 1.2; 1.0 only has to keep line breaks out of a header. */
const TO_ESCAPE = /[\\\n:\r]/;
const TO_ESCAPE_ALL = /[\\\n:\r]/g;
const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', ':': '\\c', '\r': '\\r' };
const ESCAPES_11: Record<string, string> = { ...ESCAPES, '\r': ' ' };

/** Escape a header name or value for `version` (STOMP 1.1 and 1.2 "Value Encoding"). */
export function escapeHeader(s: string, version: StompVersion): string {
  if (version === '1.0') {
    // 1.0 has no escaping: a line break would end the header, so it becomes a space.
    return LINE_BREAK.test(s) ? s.replace(LINE_BREAKS, ' ') : s;
  }
  if (!TO_ESCAPE.test(s)) return s;
  // The common case (message ids): colons only.
  if (!s.includes('\\') && !s.includes('\n') && !s.includes('\r')) return s.replaceAll(':', '\\c');
  // 1.1 has no \r escape: a CR becomes a space.
  const table = version === '1.2' ? ESCAPES : ESCAPES_11;
  return s.replace(TO_ESCAPE_ALL, (ch) => table[ch]!);
}

/**
 * How a header is escaped: not at all (numbers, constants, ids made here), the value only (a
 * constant name; ID, a message id, is the same), or name and value.
 */
export const enum Escape { NONE, VALUE, ID, BOTH }

/** Where message headers are written: a FrameWriter, or a list (messageToFrame). */
export interface HeaderTarget {
  header(name: string, value: string, escape: Escape): void;
}

/** Strings up to this length are written by a loop here; longer ones by one utf8Write call. */
const SHORT = 64;
const SPACE = 32;
const LOWER_C = 99;
const LOWER_N = 110;
const LOWER_R = 114;

/**
 * Writes frames into the slab. Use: begin(command, version), header()…, then end(body) gives the
 * frame. No other frame may be started between begin and end (nothing in between yields). The
 * head is written in place as it comes, escaping included, one character at a time: headers
 * are short and mostly ASCII, and neither a string per header nor a call into the runtime per
 * header is made (both were most of a MESSAGE frame's cost). A body goes in with one utf8Write.
 */
export class FrameWriter implements HeaderTarget {
  private slab = Buffer.allocUnsafe(SLAB_BYTES) as Slab;
  private pos = 0;
  /** Where the frame being written starts in the slab. */
  private start = 0;
  private version: StompVersion = '1.2';

  /** Start a frame; its headers are escaped for `version` (CONNECTED's never: pass '1.0'). */
  begin(command: string, version: StompVersion): this {
    this.start = this.pos;
    this.version = version;
    this.put(command, false);
    this.byte(LF);
    return this;
  }

  header(name: string, value: string, escape: Escape): this {
    this.put(name, escape === Escape.BOTH);
    this.byte(COLON);
    this.put(value, escape !== Escape.NONE);
    this.byte(LF);
    return this;
  }

  /** The blank line, the body and the NUL: the frame, as a view of the slab. */
  end(body?: string | Uint8Array): Buffer {
    this.byte(LF);
    if (typeof body === 'string') {
      this.text(body);
    } else if (body !== undefined) {
      this.room(body.byteLength + 1);
      this.slab.set(body, this.pos);
      this.pos += body.byteLength;
    }
    this.byte(NUL);
    return this.slab.subarray(this.start, this.pos);
  }

  /** Frames already encoded as text (a run of RECEIPTs), as a view of the slab. */
  raw(s: string): Buffer {
    this.start = this.pos;
    this.text(s);
    return this.slab.subarray(this.start, this.pos);
  }

  private byte(b: number): void {
    if (this.pos >= this.slab.length) this.room(1);
    this.slab[this.pos++] = b;
  }

  /**
   * `s`, escaped for the frame's version when `escape` is set, exactly as escapeHeader does.
   * ASCII is stored byte by byte; from the first other character on, the rest is escaped by
   * escapeHeader and encoded by utf8Write.
   */
  private put(s: string, escape: boolean): void {
    const n = s.length;
    if (n > SHORT) {
      this.text(escape ? escapeHeader(s, this.version) : s);
      return;
    }
    // At most 3 bytes per UTF-16 unit (UTF-8), or 2 per escaped ASCII character.
    this.room(n * 3);
    const slab = this.slab;
    const v10 = this.version === '1.0';
    const v12 = this.version === '1.2';
    let p = this.pos;
    if (!escape) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        slab[p + i] = c;
      }
      if (i === n) {
        this.pos = p + n;
        return;
      }
      this.pos = p + i;
      this.pos += slab.utf8Write(s.slice(i), p + i, slab.length - p - i);
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        const rest = i === 0 ? s : s.slice(i);
        this.pos += slab.utf8Write(escape ? escapeHeader(rest, this.version) : rest, p, slab.length - p);
        return;
      }
      if (escape && (c === COLON || c === BACKSLASH || c === LF || c === CR)) {
        if (v10) {
          // 1.0 has no escaping: a line break becomes a space; the rest stays as it is.
          slab[p++] = c === LF || c === CR ? SPACE : c;
        } else if (c === CR && !v12) {
          slab[p++] = SPACE; // 1.1 has no \r escape
        } else {
          slab[p++] = BACKSLASH;
          slab[p++] = c === COLON ? LOWER_C : c === LF ? LOWER_N : c === CR ? LOWER_R : BACKSLASH;
        }
        continue;
      }
      slab[p++] = c;
    }
    this.pos = p;
  }

  private text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a long text is measured instead.
    const max = s.length > 4096 ? Buffer.byteLength(s) : s.length * 3;
    this.room(max);
    this.pos += this.slab.utf8Write(s, this.pos, max);
  }

  /** Room for `n` more bytes: the frame being written moves, with what it has so far, to a new slab. */
  private room(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    const partial = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, partial + n + 1024)) as Slab;
    this.slab.copy(next, 0, this.start, this.pos);
    this.slab = next;
    this.start = 0;
    this.pos = partial;
  }
}

/** Node's Buffer encodes into place with this (undocumented, but what Buffer#write calls). */
type Slab = Buffer & { utf8Write(s: string, offset: number, length: number): number };

/** The writer every connection shares (frames are encoded one at a time, start to end). */
export const frames = new FrameWriter();

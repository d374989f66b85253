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
 * constant name), the value of an id (ID:…:seq, whose part before the last colon repeats from one
 * message to the next), or name and value.
 */
export const enum Escape { NONE, VALUE, ID, BOTH }

/** Where message headers are written: a FrameWriter, or a list (messageToFrame). */
export interface HeaderTarget {
  header(name: string, value: string, escape: Escape): void;
}

/**
 * Writes frames into the slab. Use: begin(command, version), header()…, then end(body) gives the
 * frame. No other frame may be started between begin and end (nothing in between yields). The
 * head is gathered as one string and encoded with the body in one call: many small encodes
 * cost more than the concatenation.
 */
export class FrameWriter implements HeaderTarget {
  private slab = Buffer.allocUnsafe(SLAB_BYTES) as Slab;
  private pos = 0;
  /** Where the frame being written starts in the slab. */
  private start = 0;
  private head = '';
  private version: StompVersion = '1.2';
  private idPrefix = '';
  private idPrefixEscaped = '';
  private idPrefixVersion: StompVersion = '1.2';

  /** Start a frame; its headers are escaped for `version` (CONNECTED's never: pass '1.0'). */
  begin(command: string, version: StompVersion): this {
    this.head = `${command}\n`;
    this.version = version;
    return this;
  }

  header(name: string, value: string, escape: Escape): this {
    if (escape === Escape.NONE) this.head += `${name}:${value}\n`;
    else if (escape === Escape.VALUE) this.head += `${name}:${escapeHeader(value, this.version)}\n`;
    else if (escape === Escape.ID) this.head += `${name}:${this.escapeId(value)}\n`;
    else this.head += `${escapeHeader(name, this.version)}:${escapeHeader(value, this.version)}\n`;
    return this;
  }

  /**
   * escapeHeader for message ids: the escaped form of the last id's prefix (up to its last
   * colon) is kept, so the next id of the same producer costs a comparison, not an escape.
   */
  private escapeId(id: string): string {
    // The usual case, the same prefix as the last id, is told without lastIndexOf (a call into
    // the runtime) and without a regular expression.
    const p = this.idPrefix.length;
    if (p > 0 && id.length > p && this.idPrefixVersion === this.version && id.startsWith(this.idPrefix)) {
      let i = p;
      for (; i < id.length; i++) {
        const c = id.charCodeAt(i);
        if (c === COLON || c === BACKSLASH || c === LF || c === CR) break;
      }
      if (i === id.length) return this.idPrefixEscaped + id.slice(p);
    }
    const colon = id.lastIndexOf(':');
    if (colon < 0 || this.version === '1.0') return escapeHeader(id, this.version);
    const tail = id.slice(colon + 1);
    if (TO_ESCAPE.test(tail)) return escapeHeader(id, this.version);
    if (colon + 1 !== this.idPrefix.length || !id.startsWith(this.idPrefix)) {
      this.idPrefix = id.slice(0, colon + 1);
      this.idPrefixEscaped = escapeHeader(this.idPrefix, this.version);
      this.idPrefixVersion = this.version;
    } else if (this.idPrefixVersion !== this.version) {
      this.idPrefixEscaped = escapeHeader(this.idPrefix, this.version);
      this.idPrefixVersion = this.version;
    }
    return this.idPrefixEscaped + tail;
  }

  /** The blank line, the body and the NUL: the frame, as a view of the slab. */
  end(body?: string | Uint8Array): Buffer {
    this.start = this.pos;
    if (body === undefined || typeof body === 'string') {
      const text = body === undefined ? `${this.head}\n\u0000` : `${this.head}\n${body}\u0000`;
      this.head = '';
      this.text(text);
    } else {
      const text = `${this.head}\n`;
      this.head = '';
      this.text(text);
      this.room(body.byteLength + 1);
      this.slab.set(body, this.pos);
      this.pos += body.byteLength;
      this.slab[this.pos++] = NUL;
    }
    return this.slab.subarray(this.start, this.pos);
  }

  /** Frames already encoded as text (a run of RECEIPTs), as a view of the slab. */
  raw(s: string): Buffer {
    this.start = this.pos;
    this.text(s);
    return this.slab.subarray(this.start, this.pos);
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

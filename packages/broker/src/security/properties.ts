// ActiveMQ's JAAS property files: users.properties (`user=password`) and groups.properties
// (`group=user1,user2`), read as java.util.Properties reads them (the common subset: `#`/`!`
// comments, `=`, `:` or blanks between key and value, backslash line continuations).
// With reload on, a file is read again when its modification time or size changed, checked at
// each login as ActiveMQ's PropertiesLoginModule does with `reload=true`.
import fs from 'node:fs';
import { ConfigError } from '@wharf/protocol';

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const key = unescape(m ? m[1]! : line);
    out.set(key, m ? unescape(m[2]!.replace(/\s+$/, '')) : '');
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c;
  });
}

/** One properties file, read at start and again when it changed (if reload is on). */
export class PropertiesFile {
  private stamp = '';
  private data = new Map<string, string>();

  constructor(readonly path: string, private readonly reload: boolean, private readonly onError: (err: Error) => void) {
    this.read(true);
  }

  /** The current contents (re-read first when the file changed and reload is on). */
  get(): Map<string, string> {
    if (this.reload) this.read(false);
    return this.data;
  }

  private read(first: boolean): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.path);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (stamp === this.stamp) return;
      this.data = parseProperties(fs.readFileSync(this.path, 'utf8'));
      this.stamp = stamp;
    } catch (err) {
      const e = new ConfigError(`cannot read ${this.path}: ${(err as Error).message}`);
      if (first) throw e;
      // A file being replaced may be missing for a moment: keep what was read last.
      this.onError(e);
    }
  }
}

// Read a configuration file: YAML or JSON by extension, or by a look at the first character.
// Syntax errors name the file, the line and the column.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '@wharf/protocol';

export type FileFormat = 'yaml' | 'json';

export function formatOf(file: string, text: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

function parseYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` line ${pos.line}, column ${pos.col}` : '';
    const msg = err.message.split(/ at line \d+/)[0] ?? err.message;
    const source = pos ? text.split('\n')[pos.line - 1] : undefined;
    throw new ConfigError(`config file '${file}'${where}: YAML syntax error: ${msg}${source !== undefined ? ` (near: ${source.trim()})` : ''} — fix the YAML at that line (indent with spaces, 'key: value')`);
  }
  return doc.toJS();
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /at position (\d+)/.exec(msg) ?? /\(line (\d+) column (\d+)\)/.exec(msg);
    let where = '';
    if (m && m[2] !== undefined) where = ` line ${m[1]}, column ${m[2]}`;
    else if (m) {
      const { line, col } = lineCol(text, Number(m[1]));
      where = ` line ${line}, column ${col}`;
    } else {
      // V8 gives no position for some faults; YAML's JSON schema (a superset parser) finds the line.
      const pos = YAML.parseDocument(text, { schema: 'json' }).errors[0]?.linePos?.[0];
      if (pos) where = ` line ${pos.line}, column ${pos.col}`;
    }
    throw new ConfigError(`config file '${file}'${where}: JSON syntax error: ${msg.replace(/ in JSON at position \d+.*$/s, '').replace(/, "[\s\S]*" is not valid JSON$/, '').replace(/\s+/g, ' ')} — fix the JSON (or use YAML, which also allows comments)`);
  }
}

/** The top-level mapping of a configuration file; `{}` for an empty file. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw new ConfigError(`cannot read config file '${file}': ${why} — check the path given to --config or WHARF_CONFIG (relative paths start at ${process.cwd()})`);
  }
  const value = formatOf(file, text) === 'json' ? parseJson(text, file) : parseYaml(text, file);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config file '${file}': expected a mapping of keys at the top (brokerName: ..., transportConnectors: ...), got ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`} — write one 'key: value' per line`);
  }
  return value as Record<string, unknown>;
}

// Run the compiled `wharf` command as a child process, and wait for what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Io } from '../src/io';

export const BIN = path.join(__dirname, '..', 'src', 'bin.js');

export interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `re`; rejects if the process ends first. */
  line(re: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A JSON log line's message (stdout is JSON when it is not a terminal); other lines as they are. */
export function logMessage(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const rec = JSON.parse(line) as { msg?: unknown };
    return typeof rec.msg === 'string' ? rec.msg : line;
  } catch {
    return line;
  }
}

export function wharf(args: string[], env: Record<string, string> = {}, prefix: string[] = []): Run {
  const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
  const child = spawn(cmd!, [...pre, ...(prefix.length ? [process.execPath] : []), BIN, ...args], {
    // The console on a free port unless a test says otherwise: 8161 may be taken on this machine.
    env: { PATH: process.env.PATH ?? '', WHARF_LOG_LEVEL: 'silent', WHARF_CONSOLE_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close' comes after stdout and stderr ended, so every line has been read by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  readline.createInterface({ input: child.stdout! }).on('line', (raw) => {
    const l = logMessage(raw);
    stdout.push(l);
    for (const w of waiters.splice(0)) {
      if (w.re.test(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  readline.createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  return {
    child,
    stdout,
    stderr,
    exit,
    line: (re) => {
      const seen = stdout.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exit.then(({ code }) => reject(new Error(`wharf exited (${code}) before printing ${re}; stderr: ${stderr.join('\n')}`)));
      });
    },
  };
}

/** Run to completion. */
export async function wharfDone(args: string[], env: Record<string, string> = {}, prefix: string[] = []): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const r = wharf(args, env, prefix);
  const { code } = await r.exit;
  return { code, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-test-'));
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** An Io that records what a command prints. */
export function memoryIo(env: Record<string, string> = {}): Io & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return {
    outLines,
    errLines,
    out: (l) => outLines.push(l),
    err: (l) => errLines.push(l),
    env,
    isTTY: false,
    stderr: process.stderr,
  };
}

// Structured logs through pino. One format per process: JSON lines when stdout is not a terminal
// (log collectors read them), readable lines when it is (what pino-pretty users expect);
// WHARF_LOG_FORMAT=json|pretty chooses. Level `silent` in tests unless WHARF_LOG_LEVEL.
import pino from 'pino';

export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';

export function logFormat(env: Record<string, string | undefined> = process.env, tty = process.stdout.isTTY === true): LogFormat {
  const f = env.WHARF_LOG_FORMAT;
  if (f === 'json' || f === 'pretty') return f;
  return tty ? 'pretty' : 'json';
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One pino JSON record as a line for people: `12:00:01.250 INFO  broker started  broker=x store=leveldb`. */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const t = new Date(typeof rec.time === 'number' ? rec.time : Date.now());
  const time = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  const level = (LEVELS[rec.level as number] ?? String(rec.level)).padEnd(5);
  const fields = Object.entries(rec).filter(([k, v]) => !OMIT.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${String(rec.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

export function createLogger(level: string, brokerName: string, format: LogFormat = logFormat()): Logger {
  const opts = { level: process.env.WHARF_LOG_LEVEL ?? level, base: { broker: brokerName } };
  if (format === 'json') return pino(opts, stdoutDestination());
  return pino(opts, { write: (line: string) => process.stdout.write(`${prettyLine(line)}\n`) });
}

/**
 * stdout for JSON lines, written as pino's default is (asynchronously), with an 'error' listener
 * of its own: pino's handles only EPIPE and re-emits anything else (ENOSPC: stdout is a file on
 * a full disk) with nobody listening, and the exit that followed hung in the exit-time flush,
 * retrying for ever: the broker stopped answering. A line that cannot be written is dropped
 * (later ones are tried again), stderr is told once, and nothing is flushed at exit after a
 * failure.
 */
function stdoutDestination(): pino.DestinationStream {
  const dest = pino.destination({ dest: process.stdout.fd ?? 1, sync: false, minLength: 0 });
  let told = false;
  dest.on('error', (err: NodeJS.ErrnoException) => {
    dest.flushSync = () => undefined;
    if (told) return;
    told = true;
    process.stderr.write(`wharf: log lines cannot be written to stdout (${err.code ?? err.message}): they are dropped until it can be written again\n`);
  });
  return dest;
}

// The `wharf` command: dispatch to a subcommand, turn errors into `wharf: ...` and an exit code.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@wharf/protocol';
import { CliError, messageOf, processIo, type Io } from './io';
import { mainHelp } from './help';
import { suggest } from './units';

export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

type Command = (argv: readonly string[], io: Io) => Promise<number>;

// Loaded on use: `wharf produce` does not load the broker, `wharf start` not the client.
const COMMANDS: Record<string, () => Command> = {
  start: () => (require('./commands/start') as typeof import('./commands/start')).runStart,
  produce: () => (require('./commands/produce') as typeof import('./commands/produce')).runProduce,
  consume: () => (require('./commands/consume') as typeof import('./commands/consume')).runConsume,
  browse: () => (require('./commands/browse') as typeof import('./commands/browse')).runBrowse,
  query: () => (require('./commands/admin') as typeof import('./commands/admin')).runQuery,
  purge: () => (require('./commands/admin') as typeof import('./commands/admin')).runPurge,
  dstat: () => (require('./commands/admin') as typeof import('./commands/admin')).runDstat,
  bstat: () => (require('./commands/admin') as typeof import('./commands/admin')).runBstat,
  cluster: () => (require('./commands/cluster') as typeof import('./commands/cluster')).runCluster,
  store: () => (require('./commands/store') as typeof import('./commands/store')).runStore,
  'hash-password': () => (require('./commands/hash-password') as typeof import('./commands/hash-password')).runHashPassword,
};

/** Run `wharf <argv>`; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const topic = cmd === 'help' ? rest[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) return main([topic, '--help'], io);
    io.out(mainHelp(version()));
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    io.out(version());
    return 0;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    const s = suggest(cmd, Object.keys(COMMANDS));
    io.err(`wharf: unknown command '${cmd}'${s ? ` (did you mean '${s}'?)` : ''} — 'wharf --help' lists the commands`);
    return 2;
  }
  try {
    return await load()(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`wharf: config error: ${err.message}`);
      return 2;
    }
    io.err(`wharf: ${messageOf(err)}`);
    if (!(err instanceof CliError) && io.env.WHARF_DEBUG) io.err(String((err as Error).stack));
    return err instanceof CliError ? err.exitCode : 1;
  }
}

// `wharf hash-password`: the scrypt hash of one password, for `users[].password` or a
// users.properties line. The password is read from stdin (or an environment variable), never
// from the command line, where it would land in the shell history and the process list.
import { hashPassword } from '@wharf/broker';
import { UsageError, type Io } from '../io';

export const HASH_PASSWORD_HELP = `Usage: wharf hash-password [--env NAME] < password.txt

Prints the scrypt hash of a password (the first line of stdin, or the environment variable
NAME) for users[].password in the configuration or a users.properties line.`;

async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export async function runHashPassword(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HASH_PASSWORD_HELP);
    return 0;
  }
  let password: string;
  if (argv[0] === '--env' && argv.length === 2) {
    const v = io.env[argv[1]!];
    if (v === undefined) throw new UsageError(`environment variable ${argv[1]} is not set`);
    password = v;
  } else if (argv.length === 0) {
    password = await firstLineOfStdin();
  } else {
    throw new UsageError(`unexpected arguments: ${argv.join(' ')}\n${HASH_PASSWORD_HELP}`);
  }
  if (password === '') throw new UsageError('the password is empty');
  io.out(hashPassword(password));
  return 0;
}

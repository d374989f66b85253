#!/usr/bin/env node
// Entry point of the `wharf` command.
import { main } from './main';

// A reader of stdout or stderr that goes away (`wharf browse --print | head`, a log collector
// that ends) makes the next write fail with EPIPE, emitted as 'error' on that stream: unheard,
// that ends the process. A broker or cluster node (`wharf start`) serves on without those
// lines: its clients matter more than its output. Any other command has no one left to tell
// what it does and exits at once, as a Unix tool on SIGPIPE does (`wharf consume` would
// otherwise go on taking messages nobody sees).
const serving = process.argv[2] === 'start';
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => {
    if (!serving) process.exit(141);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`wharf: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// Entry point of the `wharf` command.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`wharf: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

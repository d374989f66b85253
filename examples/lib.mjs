// Shared by the examples: connect to WHARF_URL when it is set (a broker you started with
// `wharf start`), otherwise start a broker embedded in this process on a free port.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Broker } from '@wharf/broker';

export async function brokerUrl(opts = {}) {
  if (process.env.WHARF_URL) return { url: process.env.WHARF_URL, stop: async () => {} };
  const dataDirectory = opts.dataDirectory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-example-'));
  const broker = new Broker({
    brokerName: opts.brokerName ?? 'example',
    persistent: opts.persistent ?? false,
    dataDirectory,
    transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
    logLevel: 'warn',
    ...(opts.config ?? {}),
  });
  await broker.start();
  return {
    url: broker.connectorUrl('tcp'),
    broker,
    stop: async () => {
      await broker.stop();
      if (!opts.dataDirectory) fs.rmSync(dataDirectory, { recursive: true, force: true });
    },
  };
}

/** Fail the example (exit code 1) when a condition does not hold. */
export function expect(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

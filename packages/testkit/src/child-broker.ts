// Entry point of a broker child process (crash and restart tests): argv[2] is the JSON config.
// Prints one JSON line `{"url": ...}` on stdout once started.
import { Broker } from '@wharf/broker';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}');
  const broker = new Broker({ logLevel: 'silent', ...config });
  try {
    await broker.start();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(3);
  }
  process.stdout.write(`${JSON.stringify({ url: broker.connectorUrl('tcp'), urls: broker.connectors.map((c) => c.url) })}\n`);
  const stop = (): void => {
    broker.stop().then(() => process.exit(0), (err: Error) => {
      process.stderr.write(`stopping the broker failed: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(3);
});

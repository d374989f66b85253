// A broker in a child process, for tests that kill it (SIGKILL) or restart it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { BrokerConfig } from '@wharf/broker';

export interface BrokerProcess {
  url: string;
  urls: string[];
  child: ChildProcess;
  /** SIGKILL, resolved when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown), resolved with the exit code. */
  stop(): Promise<number | null>;
}

export async function startBrokerProcess(config: Partial<BrokerConfig>): Promise<BrokerProcess> {
  const script = path.join(__dirname, 'child-broker.js');
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const info = await new Promise<{ url: string; urls: string[] }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    const exitedEarly = (code: number | null): void => reject(new Error(`broker process exited with ${code}: ${err.trim()}`));
    exited.then(exitedEarly, reject);
  });
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  const unreap = (): void => void process.off('exit', reap);
  exited.then(unreap, unreap);
  return {
    ...info,
    child,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

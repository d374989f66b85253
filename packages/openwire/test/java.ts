// The real Java client for tests: compiles Java sources with javac against ActiveMQ 5.17's client
// jar from Debian (cached in dist/java-build, rebuilt when a source is newer) and runs them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const JARS = ['activemq-client.jar', 'geronimo-jms_1.1_spec.jar', 'hawtbuf.jar', 'slf4j-api.jar', 'slf4j-nop.jar'];
const JAVA_DIR = process.env.WHARF_JAVA_LIB ?? '/usr/share/java';

export function javaAvailable(): boolean {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return JARS.every((j) => fs.existsSync(path.join(JAVA_DIR, j)));
}

export function classpath(extra: string[] = []): string {
  return [...extra, ...JARS.map((j) => path.join(JAVA_DIR, j))].join(path.delimiter);
}

/** Compile every .java file in `srcDir` into `outDir` unless the classes are newer. */
export function compileJava(srcDir: string, outDir: string): string {
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.java')).map((f) => path.join(srcDir, f));
  const stamp = path.join(outDir, '.stamp');
  const newest = Math.max(...sources.map((s) => fs.statSync(s).mtimeMs));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newest) return outDir;
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath(), '-d', outDir, ...sources], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(stamp, '');
  return outDir;
}

export function runJava(classDir: string, main: string, args: string[], opts: { timeout?: number } = {}): string {
  return execFileSync('java', ['-cp', classpath([classDir]), main, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

export function spawnJava(classDir: string, main: string, args: string[]): ChildProcess {
  return spawn('java', ['-cp', classpath([classDir]), main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

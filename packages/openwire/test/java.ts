// The real Java client for tests: compiles Java sources with javac against ActiveMQ 5.17's client
// jar from Debian (scripts/java-classpath.sh; cached in a build directory, rebuilt when a source
// is newer) and runs them, asynchronously, so an in-process broker keeps serving meanwhile.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..');

let cp: string | null | undefined;

/** The client jars' classpath, or null when Java or the jars are missing. */
export function classpath(): string | null {
  if (cp !== undefined) return cp;
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    cp = execFileSync('bash', [path.join(REPO, 'scripts', 'java-classpath.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    cp = null;
  }
  return cp;
}

/** Compile every .java file in `srcDir` into `outDir` unless the classes are newer. */
export function compileJava(srcDir: string, outDir: string): string {
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.java')).map((f) => path.join(srcDir, f));
  const stamp = path.join(outDir, '.stamp');
  const newest = Math.max(...sources.map((s) => fs.statSync(s).mtimeMs));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newest) return outDir;
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath()!, '-d', outDir, ...sources], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(stamp, '');
  return outDir;
}

export interface JavaResult { code: number; stdout: string; stderr: string }

export function runJava(classDir: string, main: string, args: string[], timeout = 60000): Promise<JavaResult> {
  return new Promise((resolve) => {
    execFile('java', ['-cp', `${classDir}${path.delimiter}${classpath()!}`, main, ...args], { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

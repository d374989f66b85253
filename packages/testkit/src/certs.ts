// Certificates for TLS tests, made with openssl in a directory: CAs, and keys with certificates
// signed by one of them (EC P-256, valid two days).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
  /** The CA file that signed it (its own file for a CA). */
  ca: string;
}

export class TestPki {
  constructor(readonly dir: string) {}

  /** Is openssl there? Tests skip without it. */
  static available(): boolean {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  private run(...args: string[]): void {
    execFileSync('openssl', args, { stdio: 'ignore' });
  }

  private newKey(name: string): string[] {
    return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', this.file(`${name}.key`)];
  }

  /** A self-signed CA. */
  ca(name: string): TestCert {
    this.run('req', '-x509', ...this.newKey(name), '-out', this.file(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`);
    return { key: this.file(`${name}.key`), cert: this.file(`${name}.pem`), ca: this.file(`${name}.pem`) };
  }

  /** A certificate for `subject` (`/O=Example/CN=alice`) signed by `ca`; `san` for servers (`DNS:localhost,IP:127.0.0.1`). */
  issue(ca: TestCert, name: string, subject: string, san?: string): TestCert {
    this.run('req', ...this.newKey(name), '-out', this.file(`${name}.csr`), '-subj', subject);
    const ext = this.file(`${name}.ext`);
    fs.writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
    this.run('x509', '-req', '-in', this.file(`${name}.csr`), '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', this.file(`${name}.pem`), '-days', '2', '-extfile', ext);
    return { key: this.file(`${name}.key`), cert: this.file(`${name}.pem`), ca: ca.cert };
  }
}

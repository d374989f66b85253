// Debian's ActiveMQ 5.17 as a recording target: its own config, data and tmp directories under
// a temporary folder, a STOMP connector on a free loopback port, the scheduler on, KahaDB. Run
// as the `activemq` user (root starts it through setpriv), the JVM being the process we started,
// so stop() ends exactly it. restart() stops it gracefully and starts it again on the same port
// and data, for the restart scenarios.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function config(dir, port) {
  return `<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="stompdiff" useJmx="false"
          dataDirectory="${dir}/data" schedulerSupport="true">
    <persistenceAdapter>
      <kahaDB directory="${dir}/data/kahadb"/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:${port}"/>
    </transportConnectors>
  </broker>
</beans>
`;
}

export async function startActiveMQ() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-stomp-diff-amq-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['conf', 'data', 'tmp']) fs.mkdirSync(path.join(dir, d));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'conf/activemq.xml'), config(dir, port));
  try {
    fs.copyFileSync('/etc/activemq/instances-available/main/log4j2.properties', path.join(dir, 'conf/log4j2.properties'));
  } catch {}
  execFileSync('chown', ['-R', 'activemq:activemq', dir]);
  const java = fs.existsSync('/usr/lib/jvm/default-java/bin/java') ? '/usr/lib/jvm/default-java/bin/java' : 'java';
  let child = null;

  async function start() {
    const out = fs.openSync(path.join(dir, 'console.log'), 'a');
    child = spawn('setpriv', ['--reuid=activemq', '--regid=activemq', '--init-groups', '--', java,
      '-Xms256M', '-Xmx512M', '-Djava.awt.headless=true', `-Djava.io.tmpdir=${dir}/tmp`, '--add-reads=java.xml=java.logging',
      '--add-opens=java.base/java.security=ALL-UNNAMED', '--add-opens=java.base/java.net=ALL-UNNAMED',
      '--add-opens=java.base/java.lang=ALL-UNNAMED', '--add-opens=java.base/java.util=ALL-UNNAMED',
      '--add-opens=java.naming/javax.naming.spi=ALL-UNNAMED', '--add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED',
      '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED', '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED',
      `-Dactivemq.classpath=${dir}/conf`, '-Dactivemq.home=/usr/share/activemq', `-Dactivemq.base=${dir}`,
      `-Dactivemq.conf=${dir}/conf`, `-Dactivemq.data=${dir}/data`,
      '-jar', '/usr/share/activemq/bin/activemq.jar', 'start', `xbean:file:${dir}/conf/activemq.xml`],
    { cwd: dir, stdio: ['ignore', out, out] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 90000;
    for (;;) {
      if (await canConnect(port)) return;
      if (child.exitCode !== null) throw new Error(`ActiveMQ exited: ${fs.readFileSync(path.join(dir, 'console.log'), 'utf8').slice(-2000)}`);
      if (Date.now() > deadline) throw new Error('ActiveMQ did not listen within 90 s');
      await Promise.race([new Promise((r) => setTimeout(r, 250)), exited]);
    }
  }

  async function stop() {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(t);
  }

  await start();
  return {
    name: 'activemq',
    host: '127.0.0.1',
    port,
    wsUrl: null,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A TCP echo server in its own process, for the loopback ceiling in scripts/bench.mjs: it sends
// back every chunk it reads and reports its port over IPC.
import net from 'node:net';

const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
  s.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));

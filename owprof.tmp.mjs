import { Broker } from '@wharf/broker';
import { openwireProtocol } from '@wharf/openwire';
import { execFile } from 'node:child_process';
const b = new Broker({ brokerName: 'prof', persistent: process.argv[2] === 'persistent', dataDirectory: '/tmp/owprof-data', logLevel: 'warn', advisorySupport: false, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] }, { protocols: [openwireProtocol] });
await b.start();
const cp = '/tmp/owbench:' + process.env.CP;
await new Promise((resolve) => execFile('java', ['-cp', cp, 'JavaBench', b.connectorUrl('tcp'), process.argv[2], '8', '5'], (e, out, err) => { console.log(out, err); resolve(); }));
await b.stop();

// The admin UI: plain files from packages/console/static (no build step, nothing from a CDN),
// read once at start and served under /admin/.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConsoleError, ConsoleErrorCode } from './errors';
import { CSP } from './access';

export const STATIC_DIR = path.join(__dirname, '..', '..', 'static');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  type: string;
  data: Buffer;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    const file = path.join(dir, name);
    if (type && fs.statSync(file).isFile()) assets.set(name, { type, data: fs.readFileSync(file) });
  }
  return assets;
}

export function registerStatic(app: FastifyInstance, dir = STATIC_DIR): void {
  const assets = loadAssets(dir);
  const index = assets.get('index.html');
  if (!index) throw new ConsoleError(ConsoleErrorCode.CONFIG, `console: the UI files are missing (${path.join(dir, 'index.html')})`);

  const sendIndex = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.type(index.type).header('Content-Security-Policy', CSP).header('Cache-Control', 'no-cache').send(index.data);

  app.get('/', async (_req, reply) => reply.redirect('/admin/'));
  app.get('/admin', sendIndex);
  app.get('/admin/', sendIndex);
  app.get<{ Params: { file: string } }>('/admin/:file', async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) throw new ConsoleError(ConsoleErrorCode.NOT_FOUND, `no such file: /admin/${req.params.file}`);
    return reply.type(asset.type).header('Cache-Control', 'no-cache').send(asset.data);
  });
}

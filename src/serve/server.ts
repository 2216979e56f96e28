// `netspace serve`: a read-only web dashboard of one database, on Fastify. It answers GET and HEAD only, serves its
// own bundled assets from memory and nothing from the file system, and binds to loopback unless told otherwise.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { NetspaceError, isNetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { dashboardAssets, type AssetTable } from './assets.ts';
import { DashboardData, type JsonAnswer } from './dashboard.ts';
import { errorPage, shellPage } from './pages.ts';

/*
 * What a request goes through:
 *
 *   GET /                        page shell (list)          -> the script polls GET /api/sweeps
 *   GET /sweeps/:name            page shell (sweep)         -> the script polls GET /api/sweeps/:name, opens /api/runs/:id
 *   GET /api/...                 JSON from DashboardData    (cached per database change, ETag / 304)
 *   GET /assets/:file            bundled script, stylesheet, icon, from memory
 *   anything else                404; methods other than GET and HEAD: 405, before any routing or body parsing
 */

/** Options of startServer; every one but `db` has a default in SERVE_DEFAULTS. */
export interface ServeOptions {
  /** The netspace database to show; opened read-only. */
  db: string;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 8765. */
  port?: number;
  /** Least time between two analyses of a sweep that is being written, seconds. Default 5. */
  refreshSeconds?: number;
  /** How often the page asks for news, seconds. Default 2. */
  pollSeconds?: number;
}

export const SERVE_DEFAULTS: Readonly<Required<Omit<ServeOptions, 'db'>>> = Object.freeze({
  host: '127.0.0.1',
  port: 8765,
  refreshSeconds: 5,
  pollSeconds: 2,
});

/** A listening dashboard. */
export interface RunningServer {
  /** Where to point a browser, e.g. http://127.0.0.1:8765/. */
  url: string;
  host: string;
  port: number;
  /** Whether only this machine can reach it. */
  loopback: boolean;
  close(): Promise<void>;
}

/**
 * Every response says: run no script, load no style, image or connection but from this server, be framed by no
 * page. vega runs under it through its expression interpreter (no eval), and its styles come from dashboard.css.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Whether an address is loopback: 127.0.0.0/8, ::1, or the name localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * Host headers a loopback dashboard answers to: its own address, by number or as localhost. A page of another site
 * that has its name resolve to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
 */
function allowedHosts(host: string, port: number): string[] {
  const bare = host.replace(/^\[|\]$/g, '');
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', isIP(bare) === 6 ? `[${bare}]` : bare]);
  return [...names].map((name) => `${name}:${port}`);
}

/** The port a listening app is bound to. */
function boundPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function checkOptions(options: ServeOptions): Required<ServeOptions> {
  const merged = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<ServeOptions>;
  if (!Number.isInteger(merged.port) || merged.port < 0 || merged.port > 65535) throw new NetspaceError(messages.option.integerIn('--port', merged.port, 0, 65535));
  if (typeof merged.host !== 'string' || merged.host.trim() === '' || /[\s/]/.test(merged.host)) throw new NetspaceError(messages.serve.badHost(merged.host));
  if (!(typeof merged.refreshSeconds === 'number' && merged.refreshSeconds > 0)) throw new NetspaceError(messages.option.positiveNumber('--refresh', merged.refreshSeconds));
  if (!(typeof merged.pollSeconds === 'number' && merged.pollSeconds > 0)) throw new NetspaceError(messages.option.positiveNumber('--poll', merged.pollSeconds));
  return merged;
}

/** Sends a cached JSON answer, or 304 when the client already has it. */
function sendJson(request: FastifyRequest, reply: FastifyReply, answer: JsonAnswer): FastifyReply {
  reply.header('etag', answer.etag).header('cache-control', 'no-cache');
  if (request.headers['if-none-match'] === answer.etag) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

function sendError(request: FastifyRequest, reply: FastifyReply, code: number, message: string, db: string): FastifyReply {
  reply.code(code).header('cache-control', 'no-store');
  if (request.url.startsWith('/api/') || !(request.headers.accept ?? '').includes('text/html')) {
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ error: message }));
  }
  return reply.type('text/html; charset=utf-8').send(errorPage(db, message));
}

/**
 * The Fastify app over `data` and `assets`, not listening yet. With `loopbackHost`, only requests whose Host header
 * names that address (or localhost) and the bound port are answered.
 */
export function dashboardApp(data: DashboardData, assets: AssetTable, options: { pollMs: number; loopbackHost: string | null }): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, return503OnClosing: true, routerOptions: { maxParamLength: 1000 } });
  const db = data.db;
  let hosts: string[] | null = null;

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (!READ_METHODS.has(request.method)) {
      reply.header('allow', 'GET, HEAD');
      return sendError(request, reply, 405, messages.serve.readOnly(request.method), db);
    }
    if (options.loopbackHost !== null) {
      hosts ??= allowedHosts(options.loopbackHost, boundPort(app));
      if (!hosts.includes(request.headers.host ?? '')) return sendError(request, reply, 421, messages.serve.foreignHost(request.headers.host, hosts), db);
    }
    return undefined;
  });

  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, messages.serve.notFound(), db));
  app.setErrorHandler((error, request, reply) => {
    if (isNetspaceError(error)) return sendError(request, reply, 404, error.message, db);
    // Fastify's own client errors (a malformed URL) keep their status; anything else is ours.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return sendError(request, reply, status, (error as Error).message, db);
    process.stderr.write(`netspace serve: ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}\n`);
    return sendError(request, reply, 500, messages.serve.internal(), db);
  });

  const html = (reply: FastifyReply, body: string): FastifyReply => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);

  app.get('/', (_request, reply) => html(reply, shellPage({ page: 'list', db, pollMs: options.pollMs })));
  app.get<{ Params: { name: string } }>('/sweeps/:name', (request, reply) => {
    const { name } = request.params;
    if (!data.hasSweep(name)) return sendError(request, reply, 404, messages.store.noSweep(name, db, data.sweepNames()), db);
    return html(reply, shellPage({ page: 'sweep', sweep: name, db, pollMs: options.pollMs }));
  });
  app.get('/api/sweeps', (request, reply) => sendJson(request, reply, data.sweepList()));
  app.get<{ Params: { name: string } }>('/api/sweeps/:name', (request, reply) => sendJson(request, reply, data.sweepView(request.params.name)));
  app.get<{ Params: { id: string } }>('/api/runs/:id', (request, reply) => {
    const { id } = request.params;
    if (!/^[1-9]\d{0,15}$/.test(id)) return sendError(request, reply, 404, messages.serve.badRunId(id), db);
    return sendJson(request, reply, data.runView(Number(id)));
  });
  // Assets by exact name from a table in memory: no path is ever built from the URL, so none can leave it.
  app.get<{ Params: { file: string } }>('/assets/:file', (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return sendError(request, reply, 404, messages.serve.notFound(), db);
    reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding').type(asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  });
  return app;
}

/**
 * Opens the database read-only (refusing a missing file or one that is not netspace's), loads the page's assets and
 * listens. The caller prints the URL and, when `loopback` is false, messages.serve.exposed.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { db, host, port, refreshSeconds, pollSeconds } = checkOptions(options);
  const data = new DashboardData({ db, refreshSeconds });
  try {
    const assets = await dashboardAssets();
    const loopback = isLoopback(host);
    const app = dashboardApp(data, assets, { pollMs: Math.round(pollSeconds * 1000), loopbackHost: loopback ? host : null });
    await app.listen({ host, port });
    const bound = boundPort(app);
    return {
      url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${bound}/`,
      host,
      port: bound,
      loopback,
      close: async () => {
        await app.close();
        data.close();
      },
    };
  } catch (error) {
    data.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new NetspaceError(messages.serve.portInUse(host, port));
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES' || code === 'EAI_AGAIN') {
      throw new NetspaceError(messages.serve.cannotListen(host, port, (error as Error).message));
    }
    throw error;
  }
}

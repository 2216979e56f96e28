// A throwaway HTTP server on 127.0.0.1 for the download tests: serves fixtures, errors, redirects and cut-off bodies.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | { body: Buffer }
  /** Announces the whole body in Content-Length, sends `sent` bytes of it, then drops the connection. */
  | { body: Buffer; sent: number }
  | { status: number }
  | { redirect: string };

export interface FixtureServer {
  /** Base URL ending in '/'. */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serve(routes: Record<string, Route>): Promise<FixtureServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404).end('not here');
    } else if ('redirect' in route) {
      res.writeHead(302, { location: route.redirect }).end();
    } else if ('status' in route) {
      res.writeHead(route.status).end();
    } else if ('sent' in route) {
      res.writeHead(200, { 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.sent), () => res.socket?.destroy());
    } else {
      res.writeHead(200, { 'content-length': route.body.length }).end(route.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

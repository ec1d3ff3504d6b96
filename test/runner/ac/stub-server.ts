// A scripted loopback HTTP server for deterministic client tests (exact bodies, resets, slow answers). The project's
// sandbox covers realistic behaviour; this covers the edges one at a time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export type Handler = (req: Seen, res: ServerResponse, n: number) => void | Promise<void>;

export interface Stub {
  url: string;
  seen: Seen[];
  handle(h: Handler): void;
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  let handler: Handler = (_req, res) => json(res, 404, { message: "no handler" });
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const entry: Seen = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, at: performance.now() };
    seen.push(entry);
    try {
      await handler(entry, res, seen.length);
    } catch (e) {
      res.destroy(e as Error);
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/3`,
    seen,
    handle: (h) => (handler = h),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

export function raw(res: ServerResponse, status: number, text: string, contentType = "application/json"): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(text);
}

/** Headers and half a body, then the socket dies. */
export function resetMidResponse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
  res.write('{"contacts":[');
  setTimeout(() => res.socket?.destroy(), 5);
}

export const CLOUDFLARE_504 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html><head><title>acme.api-us1.com | 504: Gateway time-out</title></head>
<body><h1>Gateway time-out</h1><p>Error code 504</p><p>Cloudflare Ray ID: 7f0d</p></body></html>`;

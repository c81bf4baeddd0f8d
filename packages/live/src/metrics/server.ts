import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SessionMetrics } from "./metrics.js";

/** A running metrics endpoint. */
export interface MetricsServer {
  /** `http://127.0.0.1:PORT/metrics` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on `host:port`; port 0
 * picks a free port. Anything else is 404. Rejects when the port is taken.
 */
export function serveMetrics(metrics: SessionMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; try /metrics\n");
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(e)}\n`),
    );
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", (e) => reject(new Error(`cannot serve metrics on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolveServer({
        url: `http://${shownHost}:${actual}/metrics`,
        port: actual,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

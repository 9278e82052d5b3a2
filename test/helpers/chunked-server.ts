/**
 * A loopback server that answers every call with `status` and `body` (and counts them), written in pieces of
 * `size` bytes with a pause after each (`pauseMs`, or the pause after the piece of that index),
 * so that a client receives it in many packets.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export async function chunkedServer(
  status: number,
  body: string,
  size: number,
  pauseMs: number | ((piece: number) => number) = 5,
): Promise<{ url: string; calls(): number; close(): Promise<void> }> {
  const bytes = Buffer.from(body, "utf8");
  let calls = 0;
  const server = http.createServer(async (_request, response) => {
    calls++;
    response.writeHead(status, { "Content-Type": "application/vnd.api+json" });
    for (let at = 0; at < bytes.length; at += size) {
      response.write(bytes.subarray(at, at + size));
      const pause = typeof pauseMs === "number" ? pauseMs : pauseMs(at / size);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

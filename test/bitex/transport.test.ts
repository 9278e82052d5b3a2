/**
 * The fetch transport (src/bitex/transport.ts) hands a 2xx body over as it arrives when asked:
 * the pieces make up exactly the text response.text() would give, a character cut between two
 * packets included; any other answer's body stays whole in bodyText.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { createFetchTransport, type HttpResponse } from "../../src/bitex/transport.js";
import { chunkedServer } from "../helpers/chunked-server.js";

describe("fetch transport: a 2xx body handed over as it arrives", () => {
  // "ñ" is two bytes in UTF-8; pieces of 5 bytes cut it (and the BOM) between two packets.
  const body = '\ufeff{"data":{"name":"Ñoño Peña"},"included":[1,2,3]}';

  async function exchange(status: number, wanted = Number.POSITIVE_INFINITY) {
    const server = await chunkedServer(status, body, 5);
    const transport = createFetchTransport({ concurrency: 1 });
    const pieces: string[] = [];
    try {
      const response: HttpResponse = await transport.send({
        method: "GET",
        url: `${server.url}/x`,
        headers: {},
        signal: new AbortController().signal,
        into: {
          push: (piece) => {
            pieces.push(piece);
            return pieces.length < wanted;
          },
        },
      });
      return { response, pieces };
    } finally {
      transport.close();
      await server.close();
    }
  }

  it("a 2xx: the pieces, as they came, are the text without its BOM; bodyText is empty", async () => {
    const { response, pieces } = await exchange(200);
    expect(response.status).to.equal(200);
    expect(response.streamed).to.equal(true);
    expect(response.bodyText).to.equal("");
    expect(pieces.join("")).to.equal(body.slice(1));
    expect(pieces.filter((piece) => piece !== "").length).to.be.greaterThan(5);
  });

  it("a 2xx whose rest is not wanted: no piece is read after the one that said so", async () => {
    const { response, pieces } = await exchange(200, 2);
    expect(response.streamed).to.equal(true);
    expect(pieces).to.have.length(2);
  });

  it("a 2xx whose rest is not wanted: its connection is not reused, the next call reads its own answer", async () => {
    // The first answer is long and comes slowly: its unread rest must not become the next answer.
    let connections = 0;
    const server = http.createServer(async (request, response) => {
      if (request.url !== "/long") return response.end('{"next":true}');
      response.writeHead(200, { "Content-Length": 20 * 1000 });
      for (let i = 0; i < 20 && !response.destroyed; i++) {
        response.write('{"long":true}'.padEnd(1000, " "));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      response.end();
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = createFetchTransport({ concurrency: 1 });
    try {
      const signal = new AbortController().signal;
      await transport.send({
        method: "GET",
        url: `${url}/long`,
        headers: {},
        signal,
        into: { push: () => false },
      });
      const pieces: string[] = [];
      const next = await transport.send({
        method: "GET",
        url: `${url}/next`,
        headers: {},
        signal,
        into: { push: (piece) => pieces.push(piece) > 0 },
      });
      expect(next.status).to.equal(200);
      expect(pieces.join("")).to.equal('{"next":true}');
      expect(connections).to.equal(2);
    } finally {
      transport.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("any other answer: its body whole in bodyText, nothing handed over", async () => {
    const { response, pieces } = await exchange(503);
    expect(response.status).to.equal(503);
    expect(response.streamed).to.equal(undefined);
    expect(response.bodyText).to.equal(body.slice(1));
    expect(pieces).to.deep.equal([]);
  });
});

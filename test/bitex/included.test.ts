/**
 * A request's outputs in one call (src/bitex/included.ts): taken only when the one answer
 * proves them whole, listed otherwise, and a server that does not answer `include=outputs`
 * is asked once.
 */

import v8 from "node:v8";
import vm from "node:vm";
import { expect } from "chai";
import { readOutputs } from "../../src/batch/lookup.js";
import { type BitexClient, type BitexClientOptions, createBitexClient } from "../../src/bitex/client.js";
import { wholeOutputs } from "../../src/bitex/included.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import {
  createFetchTransport,
  type HttpRequest,
  type HttpResponse,
  type Transport,
} from "../../src/bitex/transport.js";
import type { Faults, Sandbox } from "../../src/sandbox/index.js";
import { chunkedServer } from "../helpers/chunked-server.js";
import { Api, startTestSandbox } from "../sandbox/helpers.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe("bitex client: a request's outputs included in its answer", () => {
  let sandbox: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client.close();
    await sandbox.close();
  });

  /** Request 1 with 23 outputs, request 2 with 2, recorded lists of 10 a page. */
  async function start(faults: Partial<Faults> = {}, options: Partial<BitexClientOptions> = {}) {
    sandbox = await startTestSandbox({ faults: { list_style: "recorded", page_cap: 10, ...faults } });
    const api = new Api(sandbox);
    await api.createRequest();
    await api.createRequest();
    for (let i = 1; i <= 23; i++) await api.createOutput({ request: "1", amount: i });
    for (let i = 1; i <= 2; i++) await api.createOutput({ request: "2", amount: i });
    const { url: baseUrl, apiKey } = sandbox;
    client = createBitexClient({ baseUrl, apiKey, concurrency: 1, rate: 1000, ...options });
  }
  const calls = () => sandbox.state().stats.calls;
  const idsOf = (outputs: readonly ConciergeOutput[] | null) => outputs?.map((output) => output.id) ?? null;

  it("honoured: every output in one call, with what a listing shows of each", async () => {
    await start();
    const before = calls();
    const included = await client.includedOutputs("1");
    expect(idsOf(included)).to.deep.equal(range(1, 23));
    expect(calls() - before).to.equal(1);
    expect(await readOutputs(client, "1")).to.deep.equal(included);
    expect(calls() - before).to.equal(2);
    expect(await client.listOutputs("1")).to.deep.equal(included);
  });

  for (const includes of ["ignored", "refused"] as const) {
    it(`${includes}: readOutputs lists instead, and the parameter is not asked again`, async () => {
      await start({ includes });
      const before = calls();
      expect(idsOf(await readOutputs(client, "1"))).to.deep.equal(range(1, 23));
      // The answer that does not include them, then pages of 10, 10 and 3 and the empty page
      // that ends a list of only data.
      expect(calls() - before).to.equal(5);
      expect(idsOf(await readOutputs(client, "2"))).to.deep.equal(["24", "25"]);
      expect(calls() - before).to.equal(7);
      expect(await client.includedOutputs("1")).to.equal(null);
      expect(calls() - before).to.equal(7);
    });
  }

  it("reads started while the first is in flight wait for what it shows: one refused call in all", async () => {
    await start({ includes: "refused" });
    const before = calls();
    const both = await Promise.all([client.includedOutputs("1"), client.includedOutputs("2")]);
    expect(both).to.deep.equal([null, null]);
    expect(calls() - before).to.equal(1);
  });

  it("a request without outputs says nothing of the server: it is asked again", async () => {
    await start({ includes: "ignored" });
    await new Api(sandbox).createRequest();
    expect(await client.includedOutputs("3")).to.deep.equal([]);
    expect(idsOf(await client.includedOutputs("1"))).to.equal(null);
    // 3 requests and 25 outputs created, then the two reads.
    expect(calls()).to.equal(3 + 25 + 2);
  });

  it("once a server answered whole, a later answer that is not is listed that once and the next asked again", async () => {
    await start();
    expect(idsOf(await client.includedOutputs("2"))).to.deep.equal(["24", "25"]);
    await new Api(sandbox).control("POST", "faults", { includes: "ignored" });
    expect(await client.includedOutputs("1")).to.equal(null);
    await new Api(sandbox).control("POST", "faults", { includes: "honoured" });
    expect(idsOf(await client.includedOutputs("1"))).to.deep.equal(range(1, 23));
  });

  it("an answer naming another request (a proxy's misrouted answer) is not this request's: listed instead", async () => {
    const inner = createFetchTransport({ concurrency: 1 });
    const transport: Transport = {
      // The read of request 1 with its outputs answered as request 2's, outputs and all.
      send: (request) =>
        inner.send({
          ...request,
          url: request.url.replace("/concierge_requests/1?include=", "/concierge_requests/2?include="),
        }),
      close: () => inner.close(),
    };
    await start({}, { transport });
    const listed = (await readOutputs(client, "1")).map((output) => output.id);
    expect(listed).to.deep.equal(range(1, 23));
  });

  // No usable answer to the read: a request of many outputs may be too large to draw up in one
  // answer before a proxy's or the client's timeout, where the listing's pages come back. The
  // listing proves the outputs on its own (paging.ts), so the read falls back to it and the
  // parameter is not asked again: a run must not stop, every time, on a read a listing does.
  const failures: Array<[string, (request: HttpRequest) => Promise<HttpResponse>]> = [
    [
      "a server error (503, a router's timeout page)",
      async () => ({
        status: 503,
        headers: new Headers({ "content-type": "text/html" }),
        bodyText: "<html><body>Application error: request timeout</body></html>",
      }),
    ],
    [
      "no answer before the client's timeout",
      (request) =>
        new Promise((_, reject) => {
          request.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
        }),
    ],
  ];
  for (const [what, fail] of failures) {
    it(`${what}: readOutputs lists instead, and the parameter is not asked again`, async () => {
      const inner = createFetchTransport({ concurrency: 1 });
      let asked = 0;
      const transport: Transport = {
        send: (request) => {
          if (!request.url.includes("include=")) return inner.send(request);
          asked++;
          return fail(request);
        },
        close: () => inner.close(),
      };
      const policy = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
      await start({}, { timeoutMs: 1_000, policy, transport });
      const listed = (await readOutputs(client, "1")).map((output) => output.id);
      expect(listed).to.deep.equal(range(1, 23));
      // Both attempts of the one read that asked; none after it.
      expect(asked).to.equal(2);
      expect(await client.includedOutputs("1")).to.equal(null);
      expect(asked).to.equal(2);
    });
  }
});

describe("bitex client: an answer with outputs included, read a part at a time", () => {
  /** A client whose every call is answered by `send` (a scripted transport, no socket). */
  const scripted = (send: Transport["send"]) =>
    createBitexClient({
      baseUrl: "http://127.0.0.1:9/api",
      apiKey: "sk-secret-key",
      concurrency: 1,
      rate: 100_000,
      transport: { send, close: () => undefined },
    });
  /** A client whose every call gets `body` (status 200), whole. */
  const answering = (body: string, sent: string[] = []) =>
    scripted(async (request) => {
      sent.push(request.url);
      request.onSent?.();
      return { status: 200, headers: { get: () => null }, bodyText: body };
    });
  const output = (id: string, attributes: string) =>
    `{"type":"concierge_request_outputs","id":"${id}","attributes":{"state":"accepted",${attributes}},"relationships":{"request":{"data":{"type":"concierge_requests","id":"7"}}}}`;
  const request = (ids: string[]) =>
    `{"type":"concierge_requests","id":"7","attributes":{"state":"quoted","outputs_count":${ids.length}},"relationships":{"outputs":{"data":[${ids.map((id) => `{"type":"concierge_request_outputs","id":"${id}"}`).join(",")}]}}}`;

  it("exact money, the key echoed back removed, resources of other types left out", async () => {
    const body = `{"data":${request(["1", "2"])},"included":[${output("1", '"amount":12345678901234567.89,"budget":null')},{"type":"users","id":"9","attributes":{}},${output("2", '"amount":1e-8,"note":"sk-secret-key"')}]}`;
    const client = answering(body);
    const included = await client.includedOutputs("7");
    expect(included?.map((o) => [o.id, o.amount, o.request_id])).to.deep.equal([
      ["1", "12345678901234567.89", "7"],
      ["2", "0.00000001", "7"],
    ]);
    expect(JSON.stringify(included)).to.not.include("sk-secret-key");
  });

  /**
   * The same client, its answer from a loopback server in pieces of `size` bytes, a pause of
   * `pauseMs` after each; `pieces` counts what it handed over.
   */
  async function fromSocket(
    body: string,
    size: number,
    pauseMs: number | ((piece: number) => number) = 5,
    options: Partial<BitexClientOptions> = {},
  ) {
    const server = await chunkedServer(200, body, size, pauseMs);
    const inner = createFetchTransport({ concurrency: 1 });
    const seen = { pieces: 0 };
    const client = createBitexClient({
      baseUrl: server.url,
      apiKey: "sk-secret-key",
      concurrency: 1,
      rate: 100_000,
      ...options,
      transport: {
        send: (request) =>
          inner.send({
            ...request,
            into: request.into && {
              push: (piece) => {
                seen.pieces++;
                return request.into?.push(piece) ?? false;
              },
            },
          }),
        close: () => inner.close(),
      },
    });
    const close = () => {
      client.close();
      return server.close();
    };
    return { client, seen, calls: server.calls, close };
  }

  it("from the socket: read as it arrives, a piece at a time, to the same outputs", async () => {
    const ids = range(1, 40);
    const outputs = ids.map((id) => output(id, `"amount":${id}.5,"note":"Peña sk-secret-key"`));
    const body = `{"data":${request(ids)},"included":[${outputs.join(",")}]}`;
    const { client, seen, close } = await fromSocket(body, 512);
    try {
      const included = await client.includedOutputs("7");
      expect(included?.map((o) => [o.id, o.amount])).to.deep.equal(ids.map((id) => [id, `${id}.5`]));
      expect(JSON.stringify(included)).to.not.include("sk-secret-key");
      expect(seen.pieces).to.be.greaterThan(Math.floor(Buffer.byteLength(body) / 512));
    } finally {
      await close();
    }
  });

  it("from the socket: a body broken halfway is no answer, listed instead and not asked again", async () => {
    const body = `{"data":${request(["1", "2"])},"included":[${output("1", '"amount":1')},{"id":}]}`;
    const { client, calls, close } = await fromSocket(body, 64);
    try {
      expect(await client.includedOutputs("7")).to.equal(null);
      expect(await client.includedOutputs("7")).to.equal(null);
      expect(calls()).to.equal(1);
    } finally {
      await close();
    }
  });

  // Thirty outputs in `pieces` pieces with a pause after each: each piece gives the call its
  // timeout again, up to ten timeouts in all. A body cut off is not asked again whole (asked
  // again it would take as long): the retries are left as by default, their backoff short.
  const thirty = range(1, 30);
  const retries = { baseDelayMs: 1, maxDelayMs: 1 };
  const slowly: Array<
    [string, number, number | ((piece: number) => number), Partial<BitexClientOptions>, string[] | null]
  > = [
    // About 1.2 s in all against a timeout of 500 ms: slower than one timeout, with margin
    // both ways (each piece far within it, the whole far within ten) on a loaded machine.
    [
      "an answer slower in all than the timeout, its pieces each within it, is read whole",
      40,
      30,
      { timeoutMs: 500 },
      thirty,
    ],
    // About eight seconds, cut off after ten timeouts of 200 ms (2 s): each piece and the
    // answer's head far within one timeout, also on a loaded machine (at 50 ms the head came
    // late once under load, and the call was asked again).
    [
      "an answer still trickling after ten timeouts is cut off, not asked again (then listed)",
      200,
      40,
      { timeoutMs: 200, policy: retries },
      null,
    ],
    // Half the answer, then nothing for longer than the timeout.
    [
      "an answer that stops arriving halfway is cut off, not asked again (then listed)",
      10,
      (piece) => (piece === 4 ? 400 : 5),
      { timeoutMs: 100, policy: retries },
      null,
    ],
  ];
  for (const [what, pieces, pauseMs, options, expected] of slowly) {
    it(`from the socket: ${what}`, async () => {
      const body = `{"data":${request(thirty)},"included":[${thirty.map((id) => output(id, '"amount":1')).join(",")}]}`;
      const size = Math.ceil(Buffer.byteLength(body) / pieces);
      const { client, calls, close } = await fromSocket(body, size, pauseMs, options);
      try {
        expect((await client.includedOutputs("7"))?.map((o) => o.id) ?? null).to.deep.equal(expected);
        expect(calls()).to.equal(1);
      } finally {
        await close();
      }
    });
  }

  it("two `included` members: refused, not read as both (JSON.parse keeps the last, which is not whole)", async () => {
    const body = `{"data":${request(["1", "2"])},"included":[${output("1", '"amount":1')}],"included":[${output("2", '"amount":2')}]}`;
    const { client, close } = await fromSocket(body, 64);
    try {
      expect(await client.includedOutputs("7")).to.equal(null);
    } finally {
      await close();
    }
  });

  it("an amount of 13 or more characters does not keep the piece of text it arrived in alive", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const ids = range(1, 20_000);
    /** A client handed `body` in pieces of 64 KiB, each a fresh string as TextDecoder makes them. */
    const streaming = (body: string) =>
      scripted(async (call) => {
        call.onSent?.();
        for (let at = 0; at < body.length; at += 65_536)
          call.into?.push(Buffer.from(body.slice(at, at + 65_536)).toString());
        return { status: 200, headers: { get: () => null }, bodyText: "", streamed: true };
      });
    /** The heap the decoded outputs hold once the answer and its pieces are gone. */
    const retained = async (amount: string) => {
      const client = streaming(
        `{"data":${request(ids)},"included":[${ids.map((id) => output(id, `"amount":${amount}`)).join(",")}]}`,
      );
      gc();
      const before = process.memoryUsage().heapUsed;
      const included = await client.includedOutputs("7");
      client.close();
      gc();
      gc();
      expect(included?.length).to.equal(ids.length);
      expect(included?.[0]?.amount).to.equal(amount);
      return process.memoryUsage().heapUsed - before;
    };
    // Each the least of three readings: whatever else this process allocates meanwhile (the
    // suite runs six files at once) only adds to a reading; the pieces held would be in all three.
    const least = async (amount: string) =>
      Math.min(await retained(amount), await retained(amount), await retained(amount));
    const short = await least("1.5");
    const long = await least("1234567890.12");
    // The two differ in 11 characters an amount, about 0.2 MB in all; the body is about 6 MB.
    // Pieces held by the amounts would show as most of the body.
    expect(long - short).to.be.lessThan(1_500_000);
  });

  it("an answer that is not one JSON object: listed instead, and not asked again", async () => {
    const sent: string[] = [];
    const client = answering(`{"data":${request(["1"])},"included":[${output("1", '"amount":1')},]}`, sent);
    expect(await client.includedOutputs("7")).to.equal(null);
    expect(await client.includedOutputs("7")).to.equal(null);
    expect(sent).to.deep.equal(["http://127.0.0.1:9/api/concierge_requests/7?include=outputs"]);
  });
});

describe("wholeOutputs: the one answer proves every output of the request", () => {
  const request = (ids: string[] | null, count = ids?.length ?? 0) =>
    ({ id: "1", state: "quoted", outputs_count: count, outputs_ids: ids }) as unknown as ConciergeRequest;
  const output = (id: string, requestId: string | null = "1") =>
    ({ id, request_id: requestId, state: "accepted" }) as ConciergeOutput;
  const all = [output("5"), output("6"), output("7")];

  it("every named output included, no other: taken", () => {
    expect(wholeOutputs(request(["5", "6", "7"]), all)).to.deep.equal(all);
    expect(wholeOutputs(request(["7", "5", "6"]), all)).to.deep.equal(all);
    expect(wholeOutputs(request([]), [])).to.deep.equal([]);
  });

  const refused: Array<[string, ConciergeRequest, ConciergeOutput[]]> = [
    ["nothing included (the parameter ignored)", request(["5", "6", "7"]), []],
    ["one named output missing", request(["5", "6", "7"]), all.slice(0, 2)],
    ["an output the relationship does not name", request(["5", "6"]), all],
    ["one output twice", request(["5", "6", "7"]), [output("5"), output("5"), output("7")]],
    ["fewer ids than the count", request(["5", "6", "7"], 4), all],
    ["an id named twice", request(["5", "6", "6"]), all],
    ["no relationship", request(null, 3), all],
    ["an output of another request", request(["5", "6", "7"]), [output("5"), output("6"), output("7", "2")]],
  ];
  for (const [what, req, included] of refused) {
    it(`${what}: not taken`, () => {
      expect(wholeOutputs(req, included)).to.equal(null);
    });
  }
});

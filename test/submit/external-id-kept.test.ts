/**
 * A server that does not keep a request's external_id (no Bitex source shows the attribute:
 * docs/design.md section 5). No look could ever find the request again, so the run's stale-look
 * words ("run again in 10 minutes; it finds the request by its external_id") were wrong, and
 * each run made another empty draft. Found by helper-71.
 */
import { expect } from "chai";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import { exitCodeFor } from "../../src/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { clientApi, submitRows, validRows } from "./rows.js";

describe("submit engine: a server that does not keep a request's external_id", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  for (const answered of [undefined, null, "bb-other"]) {
    it(`a create answered with external_id ${JSON.stringify(answered) ?? "absent"}: stopped before any output, exit 2, saying so`, async () => {
      const made = makeWorld(6);
      box = await sandbox({}, made.seed);
      client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 2, rate: 1000 });
      const rows = validRows(made.rows).filter((row) => row.senderPort === "ar_ars");
      const api = clientApi(client, {
        createRequest: async (args) => {
          const request = await client.createRequest(args);
          if (answered === undefined) delete (request as { external_id?: unknown }).external_id;
          else request.external_id = answered;
          return request;
        },
      });
      const result = await submitRows(api, box.url, "kept", rows, { concurrency: 2, quietMs: 0 });
      expect(result.stopped?.message).to.match(
        new RegExp(
          `^Bitex answered the creation of request 1 with external_id ${answered === "bb-other" ? '"bb-other"' : "none"}, not the bb-\\S+ sent: this Bitex does not keep it, and bitex-batch finds a batch's requests again by it \\(after a lost journal, and to tell two runs apart\\); no output was sent into request 1$`,
        ),
      );
      expect(result.stopped?.hint).to.equal(
        "cancel request 1 at Bitex (a draft holds no money) and ask Bitex whether its API keeps external_id on concierge requests; until then each run makes another empty request",
      );
      expect(exitCodeFor(result.stopped)).to.equal(2);
      expect(box.state().requests.map((r) => [r.id, r.attributes.outputs_count])).to.deep.equal([["1", 0]]);
      expect(box.state().outputs).to.deep.equal([]);
    });
  }
});

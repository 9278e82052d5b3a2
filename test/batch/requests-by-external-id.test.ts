/**
 * The batch's requests found by its external_id (src/batch/lookup.ts), as submit and the
 * follow-through both read them: another id's request is never the batch's, and a cancelled
 * request holding no output does not count (cancelling it ends a twin).
 */
import { expect } from "chai";
import { requestsByExternalId } from "../../src/batch/lookup.js";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";

const request = (id: string, externalId: string, state: string, outputs: number) =>
  ({ id, external_id: externalId, state, outputs_count: outputs }) as unknown as ConciergeRequest;

describe("batch/lookup requestsByExternalId", () => {
  it("keeps the batch's own, a cancelled one with outputs among them; leaves out another id's and a cancelled empty one", async () => {
    const listed = [
      request("1", "bb-a", "draft", 20),
      request("2", "bb-a", "cancelled", 0),
      request("3", "bb-b", "draft", 0),
      request("4", "bb-a", "cancelled", 3),
    ];
    const found = await requestsByExternalId({ findRequestsByExternalId: async () => listed }, "bb-a");
    expect(found.map((r) => r.id)).to.deep.equal(["1", "4"]);
  });
});

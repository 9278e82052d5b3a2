import { expect } from "chai";
import { readOutputs } from "../../src/batch/lookup.js";
import type { ConciergeOutput } from "../../src/bitex/jsonapi.js";

const output = (id: string, requestId: string | null): ConciergeOutput => ({
  id,
  state: "accepting",
  port_code: "cl_clp",
  amount: "10",
  budget: null,
  request_id: requestId,
  user_id: "1",
  withdrawal_instruction_id: "2",
  created_at: "",
  updated_at: "",
});

/** An API whose every read is noted; both ways answer the request's outputs and one of another request. */
function api(includes: boolean) {
  const calls: string[] = [];
  const answer = (requestId: string) => [output("1", requestId), output("2", "99")];
  return {
    calls,
    listOutputs: async (requestId: string, named?: ReadonlySet<string>) => {
      calls.push(`list ${requestId}${named ? ` named ${[...named].join(",")}` : ""}`);
      return answer(requestId);
    },
    includedOutputs: async (requestId: string) => {
      calls.push(`include ${requestId}`);
      return includes ? answer(requestId) : null;
    },
  };
}

describe("batch/lookup readOutputs: a request's outputs in one answer where the server gives them", () => {
  it("included whole: that one answer, however large the request", async () => {
    const server = api(true);
    const outputs = await readOutputs(server, "7");
    expect(server.calls).to.deep.equal(["include 7"]);
    // another request's output is never this request's, whichever way it was read
    expect(outputs.map((o) => o.id)).to.deep.equal(["1"]);
  });

  it("not included whole: listed a page at a time, with the ids it names", async () => {
    const server = api(false);
    const outputs = await readOutputs(server, "7", new Set(["1"]));
    expect(server.calls).to.deep.equal(["include 7", "list 7 named 1"]);
    expect(outputs.map((o) => o.id)).to.deep.equal(["1"]);
  });
});

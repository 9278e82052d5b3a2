/**
 * The verdict of the bitex-js check (test/bitex-js/run.ts) on each call: the emulator's answer
 * against the SDK's cassette. Cassettes here are in axios-vcr's format, cut down from the SDK's.
 */
import { expect } from "chai";
import { againstCassette, type Exchange } from "./cassette.js";

const CONTENT_TYPE = "application/vnd.api+json; charset=utf-8";

function recording(method: string, path: string, response: Record<string, unknown>) {
  const config = { method, url: `https://localhost:3000/api${path}` };
  return { digest: { meta: config, originalResponseData: { ...response, config } } };
}

const instruction = (id: string, body: object) => ({
  id,
  type: "withdrawal_instructions",
  attributes: { label: "l", schema: "bitex", body },
});

const LIST = recording("get", "/withdrawal_instructions/", {
  status: 200,
  headers: { "content-type": CONTENT_TYPE },
  data: { data: [instruction("1", { country: "AR" }), instruction("2", { country: "CL" })] },
});

const listed = (answer: Partial<Exchange>): Exchange => ({
  method: "GET",
  path: "/withdrawal_instructions/",
  status: 200,
  contentType: CONTENT_TYPE,
  ...answer,
});

describe("bitex-js check: an answer against the SDK's cassette", () => {
  it("the same status, Content-Type and members: no problem, whatever the values and the list's length", () => {
    const three = [1, 2, 3].map((n) => instruction(`${n + 10}`, { country: "UY" }));
    expect(againstCassette([listed({ body: { data: three } })], LIST)).to.deep.equal([]);
  });

  it("names each difference: status, Content-Type, a member missing or added, a JSON type", () => {
    const body = { data: [{ id: 1, type: "withdrawal_instructions", attributes: { label: "l", body: {} } }] };
    expect(
      againstCassette([listed({ status: 201, contentType: "application/json", body })], LIST),
    ).to.deep.equal([
      "GET /withdrawal_instructions/: status 201, recorded 200",
      `GET /withdrawal_instructions/: Content-Type application/json, recorded ${CONTENT_TYPE}`,
      "GET /withdrawal_instructions/: body shape " +
        '{"data":[{"attributes":{"body":{},"label":"string"},"id":"number","type":"string"}]}, recorded ' +
        '{"data":[{"attributes":{"body":{"country":"string"},"label":"string","schema":"string"},"id":"string","type":"string"}]}',
    ]);
  });

  it("a failure recorded with its status only is judged by the status only", () => {
    const notFound = recording("get", "/markets/unexistent_orderbook/", { status: 404 });
    const answer = { method: "GET", path: "/markets/unexistent_orderbook/", contentType: CONTENT_TYPE };
    expect(againstCassette([{ ...answer, status: 404, body: { errors: [] } }], notFound)).to.deep.equal([]);
    expect(againstCassette([{ ...answer, status: 401, body: { error: "x" } }], notFound)).to.deep.equal([
      "GET /markets/unexistent_orderbook/: status 401, recorded 404",
    ]);
  });

  it("a 204 with no Content-Type and an empty body matches only the same", () => {
    const deleted = recording("delete", "/withdrawal_instructions/4/", {
      status: 204,
      headers: {},
      data: "",
    });
    const call = { method: "DELETE", path: "/withdrawal_instructions/4/" };
    expect(againstCassette([{ ...call, status: 204, contentType: null, body: "" }], deleted)).to.deep.equal(
      [],
    );
    expect(
      againstCassette([{ ...call, status: 404, contentType: CONTENT_TYPE, body: { errors: [] } }], deleted),
    ).to.deep.equal([
      "DELETE /withdrawal_instructions/4/: status 404, recorded 204",
      `DELETE /withdrawal_instructions/4/: Content-Type ${CONTENT_TYPE}, recorded null`,
      'DELETE /withdrawal_instructions/4/: body shape {"errors":[]}, recorded "string"',
    ]);
  });

  it("no call, a call the cassette does not hold, a call with no answer: each a problem", () => {
    expect(againstCassette([], LIST)).to.deep.equal(["the test made no call"]);
    expect(againstCassette([listed({ path: "/withdrawal_instructions" })], LIST)).to.deep.equal([
      "GET /withdrawal_instructions: not in the SDK's cassette (GET /withdrawal_instructions/)",
    ]);
    expect(againstCassette([{ method: "GET", path: "/users/", error: "ECONNREFUSED" }], LIST)).to.deep.equal([
      "GET /users/: no answer (ECONNREFUSED)",
    ]);
  });
});

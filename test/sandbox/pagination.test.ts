/** Contract: page[number], page[size], meta and links on list endpoints. */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, type Json, startTestSandbox } from "./helpers.js";

describe("sandbox contract: pagination", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    // Written for the rich list style (meta and links), the default before the recorded style.
    sandbox = await startTestSandbox({ faults: { list_style: "rich" } });
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  /** Seven outputs in request 1, one in request 2 (id 4). */
  async function sevenOutputs(): Promise<void> {
    await api.createRequest();
    await api.createRequest();
    for (let i = 1; i <= 8; i++) await api.createOutput({ request: i === 4 ? "2" : "1", amount: i });
  }

  const ids = (body: { data: { id: string }[] }) => body.data.map((item) => item.id);

  it("pages through a filtered list with meta and absolute links that keep the filter", async () => {
    await sevenOutputs();
    const base = `${sandbox.url}/concierge_request_outputs?filter%5Brequest_id%5D=1`;
    const link = (n: number) => `${base}&page%5Bnumber%5D=${n}&page%5Bsize%5D=3`;

    const first = await api.get("/concierge_request_outputs?filter[request_id]=1&page[size]=3");
    assertJsonApiDocument(first.body);
    expect(ids(first.body)).to.deep.equal(["1", "2", "3"]);
    expect(first.body.meta).to.deep.equal({ total_items: 7, total_pages: 3, page: 1, page_size: 3 });
    expect(first.body.links).to.deep.equal({
      self: link(1),
      first: link(1),
      last: link(3),
      prev: null,
      next: link(2),
    });

    const second = await api.get(
      "/concierge_request_outputs?filter[request_id]=1&page[size]=3&page[number]=2",
    );
    expect(ids(second.body)).to.deep.equal(["5", "6", "7"]);
    expect(second.body.links).to.deep.equal({
      self: link(2),
      first: link(1),
      last: link(3),
      prev: link(1),
      next: link(3),
    });

    const third = await api.get(
      "/concierge_request_outputs?filter[request_id]=1&page[size]=3&page[number]=3",
    );
    expect(ids(third.body)).to.deep.equal(["8"]);
    expect(third.body.links.next).to.equal(null);

    // Following the links verbatim works too.
    const followed = await fetch(first.body.links.next, { headers: { Authorization: sandbox.apiKey } });
    expect(ids((await followed.json()) as Json)).to.deep.equal(["5", "6", "7"]);
  });

  it("a page past the end is empty, not an error", async () => {
    await sevenOutputs();
    const response = await api.get("/concierge_request_outputs?page[size]=5&page[number]=4");
    expect(response.status).to.equal(200);
    assertJsonApiDocument(response.body);
    expect(response.body.data).to.deep.equal([]);
    expect(response.body.meta).to.deep.equal({ total_items: 8, total_pages: 2, page: 4, page_size: 5 });
    expect(response.body.links.prev).to.match(/page%5Bnumber%5D=2/);
  });

  it("defaults to page 1 of 25 and caps page[size] at 500", async () => {
    await api.createRequest();
    for (let i = 1; i <= 26; i++) await api.createOutput({ request: "1", amount: i });
    const byDefault = await api.get("/concierge_request_outputs");
    expect(byDefault.body.data).to.have.length(25);
    expect(byDefault.body.meta).to.deep.equal({ total_items: 26, total_pages: 2, page: 1, page_size: 25 });
    const capped = await api.get("/concierge_request_outputs?page[size]=100000");
    expect(capped.body.data).to.have.length(26);
    expect(capped.body.meta.page_size).to.equal(500);
  });

  for (const query of ["page[number]=0", "page[size]=abc", "page[number]=-1", "page[size]=2.5"]) {
    it(`${query} → 400 invalid_page naming the parameter`, async () => {
      const response = await api.get(`/users?${query}`);
      expect(response.status).to.equal(400);
      expect(response.body.errors[0].code).to.equal("invalid_page");
      expect(response.body.errors[0].source.parameter).to.equal(query.slice(0, query.indexOf("=")));
    });
  }
});

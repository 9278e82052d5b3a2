/**
 * `--sandbox` runs the emulator inside the run, on a loopback port every local user can
 * reach. A rehearsal is made with the real payroll (names, emails, tax ids, bank accounts):
 * while it runs, only the run itself may read what the emulator holds.
 */
import { readFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { expect } from "chai";
import { connect } from "../../src/app/connect.js";
import { createConsole } from "../../src/commands/console.js";
import { DEFAULT_SEED_PATH } from "../../src/sandbox/seed.js";

const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

describe("connect --sandbox: the embedded emulator serves only its own run", () => {
  it("answers no control surface (404) and refuses the published demo key (401); the run's client is served", async () => {
    const out = createConsole({ quiet: true, stdout: sink(), stderr: sink(), zone: "UTC" });
    const connection = await connect({ sandbox: true }, out, { concurrency: 1, rate: 100 });
    try {
      const url = /^the embedded emulator at (http:\/\/127\.0\.0\.1:\d+\/api)$/.exec(connection.label)?.[1];
      expect(url, connection.label).to.be.a("string");
      const origin = new URL(url as string).origin;
      const state = await fetch(`${origin}/_sandbox/state`);
      expect(state.status).to.equal(404);
      expect(await state.text()).to.not.include("withdrawal_instructions");
      const demoKey = (JSON.parse(await readFile(DEFAULT_SEED_PATH, "utf8")) as { api_key: string }).api_key;
      const users = await fetch(`${url}/users`, { headers: { Authorization: demoKey } });
      expect(users.status).to.equal(401);
      await users.body?.cancel();
      // The run's own key is no text anyone could know, and never printed.
      expect(connection.secrets).to.have.length(1);
      expect(connection.secrets[0]).to.match(/^[0-9a-f]{48}$/);
      expect(connection.secrets[0]).to.not.equal(demoKey);
      expect((await connection.client.getMe()).id).to.equal("112");
    } finally {
      await connection.close();
    }
  });
});

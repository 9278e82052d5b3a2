/**
 * The README's `--json` examples are the objects the commands print: for each example, a run
 * of that command against the emulator gives an object with exactly the same keys (and the
 * same keys in its lists' items). `submit` has one shape with or without `--until`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, DEMO_SEED } from "../helpers/sandbox.js";

type Json = Record<string, unknown>;

/** The ```json examples of the README's "The `--json` objects", by command (a failure as "error"). */
async function readmeExamples(): Promise<Map<string, Json>> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("### The `--json` objects");
  const section = readme.slice(start, readme.indexOf("\n## ", start));
  const examples = new Map<string, Json>();
  for (const [, text] of section.matchAll(/```json\n([\s\S]*?)```/g)) {
    const example = JSON.parse(text as string) as Json;
    examples.set(example.error ? "error" : String(example.command), example);
  }
  return examples;
}

/** Its keys, and the keys of the first item of each list of objects, as "list[].key". */
function shape(value: Json): string[] {
  return Object.entries(value)
    .flatMap(([key, item]) => {
      const first = Array.isArray(item) ? item[0] : null;
      const inner = first && typeof first === "object" ? Object.keys(first).map((k) => `${key}[].${k}`) : [];
      return [key, ...inner];
    })
    .sort();
}

describe("the README's --json examples", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let examples: Map<string, Json>;
  before(async () => {
    // 60 times real time: the payouts' checks and steps (seconds of the emulator's clock) pass at once.
    box = await startSandbox({ port: 0, seed: DEMO_SEED, faults: { rate_limit: 0 }, timeScale: 60 });
    dir = await tempDir();
    examples = await readmeExamples();
    const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
    // Rows Bitex quotes at once (from pesos to Chile and Uruguay), none of the demo's planned failures.
    const fast = rows.filter((row) => /^EMP-10(01|03|07|09),/.test(row));
    await writeFile(join(dir, "fast.csv"), `${[header, ...fast.slice(0, 2)].join("\n")}\n`);
    await writeFile(join(dir, "staged.csv"), `${[header, ...fast.slice(2, 4)].join("\n")}\n`);
  });
  after(() => box.close());

  const json = async (args: string[]) => {
    const result = await runCli([...args, "--json", "--rate", "1000", "--state-dir", "state"], {
      cwd: dir,
      env: apiEnv(box),
    });
    return JSON.parse(result.stdout) as Json;
  };

  it("has one example each of submit, quote, export and a failure", () => {
    expect([...examples.keys()].sort()).to.deep.equal(["error", "export", "quote", "submit"]);
  });

  it("submit --until final and plain submit: the example's shape, plain without the follow-through's remaining and money, its by_state, settled, requests null", async () => {
    const readme = shape(examples.get("submit") as Json);
    const until = await json([
      "submit",
      "fast.csv",
      "--until",
      "final",
      "--max-total",
      "ARS=99999999",
      "--interval",
      "0.2",
    ]);
    expect([until.exit_code, shape(until)]).to.deep.equal([0, readme]);
    const plain = await json(["submit", "staged.csv"]);
    expect(Object.keys(plain).sort()).to.deep.equal(
      readme.filter((key) => !key.includes("[]") && !["remaining", "money", "money_rule"].includes(key)),
    );
    expect([plain.by_state, plain.settled, plain.requests]).to.deep.equal([null, null, null]);
  });

  it("quote, export and a usage error: the example's shape", async () => {
    const quote = await json(["quote", "staged.csv"]);
    expect(shape(quote)).to.deep.equal(shape(examples.get("quote") as Json));
    const month = new Date().toISOString().slice(0, 7);
    const exported = await json(["export", "--month", month]);
    expect(shape(exported)).to.deep.equal(shape(examples.get("export") as Json));
    const failed = await json(["submit", "fast.csv", "--concurency", "2"]);
    expect(shape(failed)).to.deep.equal(shape(examples.get("error") as Json));
  });
});

/** The layers of src/ keep to their boundaries (docs/design.md section 14; test/helpers/boundaries.ts). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { expect } from "chai";
import { circlesUnder, forbiddenImports, importsUnder } from "./helpers/boundaries.js";
import { fromRoot } from "./helpers/root.js";

const SRC = fromRoot("src");

describe("import boundaries", () => {
  it("src/ crosses none of them", () => {
    expect(importsUnder(SRC).length).to.be.greaterThan(100);
    expect(forbiddenImports(SRC)).to.deep.equal([]);
  });

  it("no two files outside src/sandbox/ import each other (bitex/retry.ts ↔ errors.ts was one)", () => {
    const edges = importsUnder(SRC).map(([file, target]) => [
      relative(SRC, file).replace(/\.ts$/, ""),
      relative(SRC, target).replace(/\.js$/, ""),
    ]);
    const seen = new Set(edges.map(([file, target]) => `${file} > ${target}`));
    const mutual = edges
      .filter(([file, target]) => seen.has(`${target} > ${file}`))
      .filter(([file]) => !file?.startsWith(`sandbox${sep}`));
    expect(mutual).to.deep.equal([]);
  });

  it("the use cases (src/app/) never touch the process: no process.argv, env, exit, signals or streams", () => {
    const touching = readdirSync(join(SRC, "app"))
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) =>
        readFileSync(join(SRC, "app", name), "utf8")
          .split("\n")
          .map(
            (line, i) =>
              [`app/${name}:${i + 1}`, line.replace(/\/\/.*$|^\s*\*.*$|^\s*\/\*\*.*$/, "")] as const,
          )
          .filter(([, code]) => /\bprocess\.\w/.test(code))
          .map(([where]) => where),
      );
    expect(touching).to.deep.equal([]);
  });

  it("src/ has no circle of imports, type-only imports included (sandbox/store.ts ↔ progress.ts was one)", () => {
    expect(circlesUnder(SRC)).to.deep.equal([]);
  });

  describe("the check refuses a forbidden import (a fixture tree)", () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), "boundaries-"));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    function tree(files: Record<string, string>): void {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
    }

    const table: Array<[string, string, string]> = [
      [
        "sandbox/store.ts",
        'import { x } from "../bitex/client.js";\n',
        "sandbox/store.ts imports bitex/client.js",
      ],
      [
        "bitex/client.ts",
        'import type { X } from "../sandbox/index.js";\n',
        "bitex/client.ts imports sandbox/index.js",
      ],
      [
        "report/rows.ts",
        'import {\n  a,\n  b,\n} from "../submit/engine.js";\n',
        "report/rows.ts imports submit/engine.js",
      ],
      [
        "bitex/gate.ts",
        'export { y } from "../commands/output.js";\n',
        "bitex/gate.ts imports commands/output.js",
      ],
      [
        "follow/run.ts",
        'const m = await import("../commands/load.js");\n',
        "follow/run.ts imports commands/load.js",
      ],
      [
        "model.ts",
        'import "../src/commands/x.js";\nimport "./commands/x.js";\n',
        "model.ts imports commands/x.js",
      ],
    ];
    for (const [file, text, expected] of table) {
      it(`${expected}`, () => {
        tree({ [file]: text });
        const found = forbiddenImports(root);
        // bitex → commands breaks two rules; each finding names the crossing.
        expect(found).to.not.be.empty;
        for (const finding of found) expect(finding.startsWith(`${expected}: `)).to.equal(true, finding);
      });
    }

    it("lets the emulator import src/wire/, the CLI import the commands, and a folder import itself", () => {
      tree({
        "sandbox/store.ts": 'import { x } from "../wire/resources.js";\n',
        "bitex/client.ts": 'import { x } from "../wire/json.js";\nimport { y } from "./errors.js";\n',
        "cli.ts": 'import { submit } from "./commands/submit.js";\n',
        "commands/submit.ts": 'import { load } from "./load.js";\nimport { e } from "../submit/engine.js";\n',
      });
      expect(importsUnder(root)).to.have.length(6);
      expect(forbiddenImports(root)).to.deep.equal([]);
    });

    const layered: Array<[string, string, string]> = [
      [
        "app/submit.ts",
        'import { x } from "../commands/console.js";\n',
        "app/submit.ts imports commands/console.js",
      ],
      [
        "submit/engine.ts",
        'import type { S } from "../app/session.js";\n',
        "submit/engine.ts imports app/session.js",
      ],
      [
        "submit/policy.ts",
        'import { StepRefused } from "../follow/steps.js";\n',
        "submit/policy.ts imports follow/steps.js",
      ],
      [
        "batch/journal.ts",
        'import { x } from "../submit/engine.js";\n',
        "batch/journal.ts imports submit/engine.js",
      ],
      [
        "sandbox/store.ts",
        'import type { J } from "../batch/journal.js";\n',
        "sandbox/store.ts imports batch/journal.js",
      ],
      ["commands/console.ts", 'import { run } from "../main.js";\n', "commands/console.ts imports main.js"],
      ["queue/drop.ts", 'import { x } from "../app/submit.js";\n', "queue/drop.ts imports app/submit.js"],
    ];
    for (const [file, text, expected] of layered) {
      it(`refuses a layer crossed: ${expected}`, () => {
        tree({ [file]: text });
        const found = forbiddenImports(root);
        expect(found).to.have.length(1);
        expect(found[0]?.startsWith(`${expected}: `)).to.equal(true, found[0]);
      });
    }

    it("finds a circle closed by a type-only import, and none in a tree without one", () => {
      tree({
        "sandbox/store.ts": 'import { Progress } from "./progress.js";\n',
        "sandbox/progress.ts": 'import type { OutputRecord } from "./store.js";\n',
        "sandbox/records.ts": "export interface OutputRecord {}\n",
      });
      expect(circlesUnder(root)).to.deep.equal([["sandbox/progress", "sandbox/store"]]);
      tree({ "sandbox/progress.ts": 'import type { OutputRecord } from "./records.js";\n' });
      expect(circlesUnder(root)).to.deep.equal([]);
    });
  });
});

import { createHash } from "node:crypto";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import { openSource, type Source } from "../../src/read/source.js";

async function content(source: Source): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source.chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("openSource (the file read in passes)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bb-source-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function open(bytes: Buffer, name = "in.csv") {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const hash = createHash("sha256");
    const source = await openSource(path, { file: name, hash });
    return { source, path, digest: () => hash.digest("hex") };
  }

  it("reads UTF-8 as is when a character straddles the 64 KB chunk boundary, wherever it falls", async () => {
    for (const shift of [0, 1, 2, 3]) {
      // "€" is 3 bytes, "𝄞" 4: place them across offset 65536.
      const text = `${"a".repeat(65536 - 2 - shift)}€𝄞 Núñez\n`;
      const bytes = Buffer.from(text, "utf8");
      const { source, digest } = await open(bytes);
      expect(source.encoding, `shift ${shift}`).to.equal("utf8");
      expect(source.notice).to.equal(undefined);
      expect((await content(source)).equals(bytes)).to.equal(true);
      expect(digest()).to.equal(createHash("sha256").update(bytes).digest("hex"));
      await source.close();
    }
  });

  it("drops a UTF-8 byte order mark and says the file had one", async () => {
    const { source } = await open(Buffer.from("\uFEFFa,b\n1,2\n", "utf8"));
    expect(source.bom).to.equal(true);
    expect((await content(source)).toString("utf8")).to.equal("a,b\n1,2\n");
    await source.close();
  });

  it("falls back to Windows-1252 (with a notice) for a byte that is not UTF-8, even the last one", async () => {
    const bytes = Buffer.concat([Buffer.from("a".repeat(70_000), "latin1"), Buffer.from([0xc3])]);
    const { source } = await open(bytes);
    expect(source.encoding).to.equal("windows-1252");
    expect(source.notice).to.match(/not valid UTF-8/);
    expect((await content(source)).toString("utf8").endsWith("Ã")).to.equal(true);
    await source.close();
  });

  it("knows whether the file has any CR or double quote (the parser's shortcuts), in any chunk", async () => {
    const lf = await open(Buffer.from("a\nb\n"));
    const crlf = await open(Buffer.from(`${"x".repeat(70_000)}"a\r\nb"\r\n`), "crlf.csv");
    expect([lf.source.onlyLf, crlf.source.onlyLf]).to.deep.equal([true, false]);
    expect([lf.source.noQuotes, crlf.source.noQuotes]).to.deep.equal([true, false]);
    await lf.source.close();
    await crlf.source.close();
  });

  it("refuses a file that changed while it was read", async () => {
    const { source, path } = await open(Buffer.from("a,b\n1,2\n"));
    await appendFile(path, "3,4\n");
    const error = await source.verifyUnchanged().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(BatchError);
    expect((error as BatchError).message).to.equal("in.csv: the file changed while it was being read");
    await source.close();
  });
});

/** The remaining file keeps the input's own bytes: header, delimiter, quoting, line endings, encoding. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { remainingPath, writeRemaining } from "../../src/report/remaining.js";
import { tempDir } from "../helpers/cli.js";

async function cut(bytes: Buffer, starts: number[], keep: number[]): Promise<Buffer> {
  const dir = await tempDir();
  const source = join(dir, "in.csv");
  const target = join(dir, "in.remaining.csv");
  await writeFile(source, bytes);
  await writeRemaining(source, target, starts, new Set(keep));
  expect((await stat(target)).mode & 0o777).to.equal(0o600);
  return readFile(target);
}

describe("the remaining file", () => {
  it("is named <input>.remaining.csv beside the input", () => {
    expect(remainingPath("/srv/pay/payroll.csv")).to.equal("/srv/pay/payroll.remaining.csv");
    expect(remainingPath("nov.txt")).to.equal("nov.remaining.csv");
  });

  it("keeps ; and CRLF, a quoted field with a line break inside, and drops blank lines between records", async () => {
    const text = 'ref;amount\r\nA;1\r\n"B\r\nsecond";2\r\n\r\nC;3\r\nD;4';
    const out = await cut(Buffer.from(text), [2, 3, 6, 7], [3, 7]);
    expect(out.toString("utf8")).to.equal('ref;amount\r\n"B\r\nsecond";2\r\nD;4\r\n');
  });

  it("keeps a UTF-8 BOM and CR-only line endings", async () => {
    const text = "\uFEFFref,amount\rA,1\rB,2\r";
    const out = await cut(Buffer.from(text), [2, 3], [2]);
    expect(out.toString("utf8")).to.equal("\uFEFFref,amount\rA,1\r");
  });

  it("keeps Windows-1252 bytes as they were (never decoded)", async () => {
    const bytes = Buffer.concat([
      Buffer.from("ref,name\n"),
      Buffer.from([0x41, 0x2c, 0xd1, 0x61, 0x0a]),
      Buffer.from("B,x\n"),
    ]);
    const out = await cut(bytes, [2, 3], [2]);
    expect([...out]).to.deep.equal([...Buffer.from("ref,name\n"), 0x41, 0x2c, 0xd1, 0x61, 0x0a]);
  });

  it("keeps UTF-16 LE and BE with their byte order mark", async () => {
    const text = "ref,amount\nA,1\nB,2\n";
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const outLe = await cut(le, [2, 3], [3]);
    expect(outLe.subarray(2).toString("utf16le")).to.equal("ref,amount\nB,2\n");
    expect([...outLe.subarray(0, 2)]).to.deep.equal([0xff, 0xfe]);
    const be = Buffer.from(le);
    be.swap16();
    const outBe = await cut(be, [2, 3], [3]);
    expect([...outBe.subarray(0, 2)]).to.deep.equal([0xfe, 0xff]);
    const body = Buffer.from(outBe.subarray(2));
    body.swap16();
    expect(body.toString("utf16le")).to.equal("ref,amount\nB,2\n");
  });
});

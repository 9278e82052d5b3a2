/** BITEX_API_KEY_FILE's refusals name the file, never a key set in its place. */
import { join } from "node:path";
import { expect } from "chai";
import { keyFromFile } from "../../src/app/key-file.js";
import { BatchError } from "../../src/errors.js";
import { tempDir } from "../helpers/cli.js";

function refusal(path: string): { code: string; message: string; hint: string | undefined } {
  try {
    keyFromFile(path);
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    const { code, message, hint } = error as BatchError;
    return { code, message, hint };
  }
  throw new Error("expected a refusal");
}

describe("keyFromFile (BITEX_API_KEY_FILE)", () => {
  it("a file that is not there: named when it is a path, not shown when it looks like the key itself", async () => {
    const missing = join(await tempDir(), "bitex.key");
    expect(refusal(missing)).to.deep.equal({
      code: "auth",
      message: `BITEX_API_KEY_FILE ${missing} cannot be read (ENOENT)`,
      hint: "point BITEX_API_KEY_FILE at the file that holds the key, readable by you",
    });
    // The key given where its file's name goes (BITEX_API_KEY_FILE=<key>): no dot, no slash, long.
    const key = "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f";
    const refused = refusal(key);
    expect(refused).to.deep.equal({
      code: "auth",
      message:
        "BITEX_API_KEY_FILE cannot be read (ENOENT); its value is not shown: with no dot or slash and 32 characters long, it looks like a key, not a file's name",
      hint: "put the key in a file only you can read and set BITEX_API_KEY_FILE to that file's path (or set BITEX_API_KEY)",
    });
    // A base64 key holds slashes: a path whose folder does not exist is not shown either (helper-90).
    const base64 = "q8Zx/Pl0+Base64LikeSECRETKEYvalue==";
    expect(refusal(base64).message).to.equal(
      "BITEX_API_KEY_FILE cannot be read (ENOENT); its value is not shown: no folder of that name exists, and it may be a key, not a file's name",
    );
  });
});

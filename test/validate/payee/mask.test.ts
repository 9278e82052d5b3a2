import { expect } from "chai";
import { maskId } from "../../../src/validate/payee/index.js";

describe("maskId", () => {
  const table: Array<[string, string]> = [
    ["0110012920000091344977", "******************4977"],
    ["0110-0129 2000 0091 3449 77", "******************4977"],
    ["'0110012920000091344977", "******************4977"],
    ["12.531.909-2", "*****9092"],
    ["20-05536168-2", "*******1682"],
    ["GB82 WEST 1234 5698 7654 32", "******************5432"],
    ["12345", "*2345"],
    ["1234", "****"],
    ["12", "**"],
    ["", ""],
  ];
  for (const [raw, masked] of table) {
    it(`${JSON.stringify(raw)} → ${masked}`, () => expect(maskId(raw)).to.equal(masked));
  }
});

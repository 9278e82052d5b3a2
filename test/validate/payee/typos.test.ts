import { readFileSync } from "node:fs";
import { expect } from "chai";
import { checkPayeeId, isPayeeIdKind, type PayeeIdKind } from "../../../src/validate/payee/index.js";
import { fromRoot } from "../../helpers/root.js";

function load(name: string): Record<string, { valid?: string[] }> {
  const path = fromRoot("fixtures", "payee-ids", name);
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, { valid?: string[] }>;
}

/**
 * The kinds whose check digits catch every single mistyped digit: weights prime to the modulus
 * (CBU and CVU 3,1,7,9 mod 10; CLABE and ABA 3,7,1 mod 10; the CCI's doubling with digit sums;
 * RUT mod 11 with 11 distinct check characters; IBAN mod 97). Peru's RUC and Uruguay's CI are
 * left out: their schemes let some substitutions through (a RUC folds 10 and 0 together; the
 * CI's even weights miss a change of 5).
 */
const CATCH_EVERY_TYPO: PayeeIdKind[] = ["cbu", "cvu", "clabe", "pe_cci", "us_aba", "cl_rut", "iban"];

describe("a mistyped digit", () => {
  const files = [load("bank-ids.json"), load("more-ids.json")];
  const valid = (kind: PayeeIdKind) => files.flatMap((file) => file[kind]?.valid ?? []);

  it("has valid vectors for every kind tested here", () => {
    for (const kind of CATCH_EVERY_TYPO) expect(valid(kind), kind).not.to.be.empty;
  });

  for (const kind of CATCH_EVERY_TYPO) {
    it(`never passes as a ${kind}`, () => {
      let tried = 0;
      for (const value of valid(kind)) {
        for (let i = 0; i < value.length; i++) {
          if (!/\d/.test(value[i] ?? "")) continue;
          for (const digit of "0123456789") {
            if (digit === value[i]) continue;
            const typo = value.slice(0, i) + digit + value.slice(i + 1);
            expect(checkPayeeId(kind, typo).ok, `${kind} ${typo}`).to.equal(false);
            tried++;
          }
        }
      }
      expect(tried).to.be.greaterThan(50);
    });
  }

  it("isPayeeIdKind knows the kinds and nothing else", () => {
    expect(isPayeeIdKind("cbu")).to.equal(true);
    expect(isPayeeIdKind("toString")).to.equal(false);
    expect(isPayeeIdKind("CBU")).to.equal(false);
  });
});

/**
 * Mexico: CLABE (Banxico, "Clave Bancaria Estandarizada"), 18 digits: 3 bank + 3 plaza (city)
 * + 11 account + 1 check. Check = (10 - Σ (digit × weight mod 10) mod 10) mod 10, weights
 * 3,7,1 repeating over the first 17. The bank code must be one of the table's: the table is
 * clabe-validator's (pinned, so `CLABE_BANKS.asOf` stays that release's date). Codes change
 * when an institution moves processor, so an unknown code says which table it was checked
 * against. The plaza code is not checked: fintech CLABEs and the published test CLABE
 * (002000000000000008) carry plazas no table lists.
 */
import { clabe } from "clabe-validator";
import { DIGITS, type IdSpec } from "./spec.js";

/** Where the bank codes come from, for display next to an unknown-bank-code error. */
export const CLABE_BANKS = {
  source: `clabe-validator ${clabe.version}`,
  /** The day that release was published. */
  asOf: "2026-07-11",
} as const;

/** The bank a CLABE's first 3 digits name, if the table knows the code. */
export function clabeBank(value: string): string | undefined {
  return clabe.banksMap[Number(value.slice(0, 3))]?.name;
}

export const mxClabe: IdSpec = {
  kind: "clabe",
  label: "CLABE",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [18],
  leadingZeros: true,
  failures(value) {
    const failures: ("check_digit" | "unknown_bank_code")[] = [];
    if (clabe.computeChecksum(value.slice(0, 17)) !== Number(value[17])) failures.push("check_digit");
    if (clabeBank(value) === undefined) failures.push("unknown_bank_code");
    return failures;
  },
  explain: {
    unknown_bank_code: `its first 3 digits are not a bank code in the CLABE bank table of ${CLABE_BANKS.asOf} (${CLABE_BANKS.source}); if the bank is new, the table must be updated first`,
  },
  bank: clabeBank,
};

/**
 * Peru: RUC (SUNAT tax id) and CCI (interbank account code).
 *
 * RUC: 11 digits starting 10, 15, 17 or 20; weights 5,4,3,2,7,6,5,4,3,2 over the first 10;
 * check = (11 - Σ mod 11) mod 10.
 * CCI: 20 digits, 3 bank + 3 branch + 12 account + 2 check digits: the first checks digits
 * 1-6, the second digits 7-18. Each: weights 1,2,1,2,... from the left, the digits of each
 * product added (12 counts 1 + 2), check = (10 - Σ mod 10) mod 10. A CCI ending in 00 fails
 * like any other wrong check digit: "00" as "not computed" is one provider's convention.
 */
import type { Failure } from "./problems.js";
import { DIGITS, type IdSpec, weightedSum } from "./spec.js";

export const peRuc: IdSpec = {
  kind: "pe_ruc",
  label: "RUC",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [11],
  leadingZeros: false,
  failures(value) {
    const failures: Failure[] = [];
    const check = (11 - (weightedSum(value.slice(0, 10), [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11)) % 10;
    if (check !== Number(value[10])) failures.push("check_digit");
    if (!["10", "15", "17", "20"].includes(value.slice(0, 2))) failures.push("prefix");
    return failures;
  },
  explain: { prefix: "a RUC starts with 10, 15 or 17 (people) or 20 (companies)" },
};

function cciCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const product = Number(digits[i]) * (i % 2 === 0 ? 1 : 2);
    sum += product > 9 ? product - 9 : product;
  }
  return (10 - (sum % 10)) % 10;
}

export const peCci: IdSpec = {
  kind: "pe_cci",
  label: "CCI",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [20],
  leadingZeros: true,
  failures(value) {
    const failures: Failure[] = [];
    if (cciCheckDigit(value.slice(0, 6)) !== Number(value[18])) failures.push("check_digit_1");
    if (cciCheckDigit(value.slice(6, 18)) !== Number(value[19])) failures.push("check_digit_2");
    return failures;
  },
  explain: {
    check_digit_1:
      "its 19th digit, the check digit of the bank and branch (digits 1 to 6), does not match them",
    check_digit_2: "its last digit, the check digit of the account (digits 7 to 18), does not match them",
  },
};

/**
 * The problems an offline payee-id check reports: one stable code each, with a one-line hint
 * that always ends the message (as the id cells' `excel_damaged_number` does), so a row error
 * reads "what is wrong; what to do". Messages never repeat the number itself: they end up on
 * the terminal, in logs and in `--json`, where account numbers and tax ids are shown masked.
 */
export type PayeeIdCode =
  | "id_empty"
  | "id_bad_characters"
  | "id_wrong_length"
  | "id_wrong_check_digit"
  | "id_unknown_bank_code"
  | "id_not_a_cvu"
  | "id_invalid_part"
  | "id_repeated_digits"
  | "excel_scientific_notation"
  | "excel_precision_loss"
  | "excel_leading_zero_lost";

const RETYPE = "copy the number again from the payee's bank or tax document";
const AS_TEXT =
  "re-export the column as text (in Excel: format the column as Text, then paste the numbers again from their source)";

export const PAYEE_ID_HINTS: Readonly<Record<PayeeIdCode, string>> = {
  id_empty: "fill it in",
  id_bad_characters: "write the number alone; spaces, dots and dashes between its digits are fine",
  id_wrong_length: `check that no digit is missing or doubled; ${RETYPE}`,
  id_wrong_check_digit: `a digit is mistyped or two are swapped; ${RETYPE}`,
  id_unknown_bank_code: `check the first digits; ${RETYPE}`,
  id_not_a_cvu: "give a bank account's CBU in the cbu column, and only a CVU in the cvu column",
  id_invalid_part: `no real number has this part; ${RETYPE}`,
  id_repeated_digits: "a number of one repeated digit is a placeholder; ask the payee for the real one",
  excel_scientific_notation: `the digits are lost; ${AS_TEXT}`,
  excel_precision_loss: `the digits are lost; ${AS_TEXT}`,
  excel_leading_zero_lost: AS_TEXT,
};

/**
 * What a check found failing, finer than the code (the conformance vectors name these):
 * `format` and `length` stop the checks; the rest are all listed, in the order checked.
 */
export type Failure =
  | "format"
  | "length"
  | "check_digit"
  | "check_digit_1"
  | "check_digit_2"
  | "not_cvu_prefix_000"
  | "reserved_digit_not_0"
  | "unknown_bank_code"
  | "repeated_digits"
  | "prefix"
  | "component";

export const CODE_OF_FAILURE: Readonly<Record<Failure, PayeeIdCode>> = {
  format: "id_bad_characters",
  length: "id_wrong_length",
  check_digit: "id_wrong_check_digit",
  check_digit_1: "id_wrong_check_digit",
  check_digit_2: "id_wrong_check_digit",
  not_cvu_prefix_000: "id_not_a_cvu",
  reserved_digit_not_0: "id_not_a_cvu",
  unknown_bank_code: "id_unknown_bank_code",
  repeated_digits: "id_repeated_digits",
  prefix: "id_invalid_part",
  component: "id_invalid_part",
};

/** "what is wrong; hint". */
export function phrase(code: PayeeIdCode, what: string): string {
  return `${what}; ${PAYEE_ID_HINTS[code]}`;
}

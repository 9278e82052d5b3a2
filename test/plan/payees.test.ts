/**
 * resolvePayees: rows by payee details against the users and instructions Bitex lists, as a
 * table (rows and directory in → found, to create, errors out), then the refusal of submit.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { decodePage } from "../../src/bitex/jsonapi.js";
import type { PayeeAccount, PayeeDetails, ValidRow } from "../../src/model.js";
import {
  accountCreateKey,
  holdersOf,
  instructionBody,
  type ListedInstruction,
  type ListedUser,
  type PayeePlan,
  resolvePayees,
  userCreateKey,
} from "../../src/plan/payees.js";
import { fromRoot } from "../helpers/root.js";

const CBU_A = "2850590940090418135201";
const CBU_B = "0110012920000091344977";
const CUIT = "20055361682";

function cbu(number: string): PayeeAccount {
  return { kind: "cbu", number, bank: "", accountType: "", routingNumber: "", swift: "" };
}

function payee(email: string, account: PayeeAccount, taxId = CUIT): PayeeDetails {
  return { email, name: "Ana Pérez", firstName: "", lastName: "", taxId, taxIdKind: "cuit", account };
}

function row(line: number, details: PayeeDetails | undefined, extra: Partial<ValidRow> = {}): ValidRow {
  return {
    line,
    reference: `R${line}`,
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId: "",
    port: "ar_ars",
    amount: "1000",
    budget: null,
    withdrawalInstructionId: "",
    ...(details ? { payee: details } : {}),
    ...extra,
  };
}

/** A legacy ("bitex" schema) domestic AR body, as the recordings show one. */
function legacy(id: string, number: string, more: Record<string, unknown> = {}): ListedInstruction {
  return {
    id,
    body: {
      payment_method: "domestic_bank",
      cbu: number,
      cuit: CUIT,
      currency: "ARS",
      country: "AR",
      ...more,
    },
  };
}

/** The newer Postman shape: payment_method_type and a body of account_type and cbu. */
function newer(id: string, number: string): ListedInstruction {
  return { id, payment_method_type: "ar_domestic_bank", body: { account_type: "savings", cbu: number } };
}

const ANA: ListedUser = { id: "300", email: "ana@example.com" };
const BOB: ListedUser = { id: "301", email: "Bob@Example.com" };

function directory(instructions: Record<string, ListedInstruction[]>, users = [ANA, BOB]) {
  return { users, instructionsByUser: new Map(Object.entries(instructions)) };
}

interface Seen {
  rows: Array<[line: number, userId: string | null, instructionId: string | null, status: string]>;
  newPayees: Array<[email: string, lines: number[]]>;
  newAccounts: Array<[userId: string | null, number: string, lines: number[]]>;
  found: number;
  errors: Array<[line: number, column: string, code: string]>;
}

function seen(plan: PayeePlan): Seen {
  return {
    rows: plan.rows.map((r) => [r.line, r.userId, r.instructionId, r.status]),
    newPayees: plan.newPayees.map((p) => [p.email, p.lines]),
    newAccounts: plan.newAccounts.map((a) => [a.userId, a.account.number, a.lines]),
    found: plan.found,
    errors: plan.errors.map((e) => [e.line, e.column, e.code]),
  };
}

const NONE: Seen = { rows: [], newPayees: [], newAccounts: [], found: 0, errors: [] };

const TABLE: Array<[string, ValidRow[], ReturnType<typeof directory>, Seen]> = [
  [
    "a known payee and account (legacy body), the email in other case and spaces",
    [row(2, payee(" ANA@example.com ", cbu(CBU_A)))],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, rows: [[2, "300", "2100", "found"]], found: 1 },
  ],
  [
    "a known account in the newer body (payment_method_type)",
    [row(2, payee("bob@example.com", cbu(CBU_A)))],
    directory({ "301": [newer("2200", "285-0590940090418135201")] }),
    { ...NONE, rows: [[2, "301", "2200", "found"]], found: 1 },
  ],
  [
    "an instruction Bitex pays out on another port (port_code), its body naming no country or currency: not the row's account (helper-81)",
    [row(2, payee("ana@example.com", cbu(CBU_A)))],
    directory({
      "300": [
        { id: "2100", user_id: "300", port_code: "cl_clp", body: { cbu: CBU_A } },
        { id: "2101", user_id: "300", port_code: "ar_ars", body: { cbu: CBU_A } },
      ],
    }),
    { ...NONE, rows: [[2, "300", "2101", "found"]], found: 1 },
  ],
  [
    "an instruction listed for the payee that Bitex shows as another user's: not the payee's account (helper-81)",
    [row(2, payee("ana@example.com", cbu(CBU_A)))],
    directory({
      "300": [
        { ...legacy("2100", CBU_A), user_id: "777" },
        { ...legacy("2105", CBU_A), user_id: "0300" },
      ],
    }),
    { ...NONE, rows: [[2, "300", "2105", "found"]], found: 1 },
  ],
  [
    "a returning payee with a new bank account: a new instruction on the same user",
    [row(2, payee("ana@example.com", cbu(CBU_B)))],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, rows: [[2, "300", null, "would create"]], newAccounts: [["300", CBU_B, [2]]] },
  ],
  [
    "a new payee on three rows with two accounts: one user, two instructions",
    [
      row(2, payee("new@example.com", cbu(CBU_A))),
      row(3, payee("New@Example.com", cbu(CBU_A))),
      row(4, payee("new@example.com", cbu(CBU_B))),
    ],
    directory({}),
    {
      ...NONE,
      rows: [
        [2, null, null, "would create"],
        [3, null, null, "would create"],
        [4, null, null, "would create"],
      ],
      newPayees: [["new@example.com", [2, 3, 4]]],
      newAccounts: [
        [null, CBU_A, [2, 3]],
        [null, CBU_B, [4]],
      ],
    },
  ],
  [
    "an account of the right number in another currency is not the same instruction",
    [row(2, payee("ana@example.com", cbu(CBU_A)))],
    directory({ "300": [legacy("2100", CBU_A, { currency: "USD" })] }),
    { ...NONE, rows: [[2, "300", null, "would create"]], newAccounts: [["300", CBU_A, [2]]] },
  ],
  [
    "another payee's instruction with the same account is not this payee's",
    [row(2, payee("ana@example.com", cbu(CBU_A)))],
    directory({ "301": [legacy("2200", CBU_A)] }),
    { ...NONE, rows: [[2, "300", null, "would create"]], newAccounts: [["300", CBU_A, [2]]] },
  ],
  [
    "the email matches but the tax id differs: an error, not a new user",
    [row(2, payee("ana@example.com", cbu(CBU_A), "27111111113"))],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, errors: [[2, "recipient_tax_id", "payee_tax_id_differs"]] },
  ],
  [
    "one email with two tax ids in the file: the later row is the error",
    [
      row(2, payee("new@example.com", cbu(CBU_A))),
      row(3, payee("new@example.com", cbu(CBU_A), "27111111113")),
    ],
    directory({}),
    {
      ...NONE,
      rows: [[2, null, null, "would create"]],
      newPayees: [["new@example.com", [2]]],
      newAccounts: [[null, CBU_A, [2]]],
      errors: [[3, "recipient_tax_id", "payee_tax_id_differs"]],
    },
  ],
  [
    "one tax id under two emails in the file: the later row is the error, no second user",
    [
      row(2, payee("new@example.com", cbu(CBU_A))),
      row(3, payee("New.Typo@example.com", cbu(CBU_B))),
      row(4, payee(" NEW@example.com", cbu(CBU_B))),
    ],
    directory({}),
    {
      ...NONE,
      rows: [
        [2, null, null, "would create"],
        [4, null, null, "would create"],
      ],
      newPayees: [["new@example.com", [2, 4]]],
      newAccounts: [
        [null, CBU_A, [2]],
        [null, CBU_B, [4]],
      ],
      errors: [[3, "recipient_email", "payee_email_differs"]],
    },
  ],
  [
    "one account under two payees in the file (a row copied, its account left): the later row is the error (helper-108)",
    [
      row(2, payee("sh1@example.com", cbu(CBU_A), "20300000070")),
      row(3, payee("sh2@example.com", cbu(CBU_A), "20300000143")),
      row(4, payee("SH1@example.com", cbu(CBU_A), "20300000070")),
    ],
    directory({}),
    {
      ...NONE,
      rows: [
        [2, null, null, "would create"],
        [4, null, null, "would create"],
      ],
      newPayees: [["sh1@example.com", [2, 4]]],
      newAccounts: [[null, CBU_A, [2, 4]]],
      errors: [[3, "cbu", "account_other_payee"]],
    },
  ],
  [
    "one CBU called checking on one row and savings on the next, two payees: still one account (helper-111)",
    [
      row(2, payee("sh1@example.com", { ...cbu(CBU_A), accountType: "checking" }, "20300000070")),
      row(3, payee("sh2@example.com", { ...cbu(CBU_A), accountType: "savings" }, "20300000143")),
    ],
    directory({}),
    {
      ...NONE,
      rows: [[2, null, null, "would create"]],
      newPayees: [["sh1@example.com", [2]]],
      newAccounts: [[null, CBU_A, [2]]],
      errors: [[3, "cbu", "account_other_payee"]],
    },
  ],
  [
    "one payee's CBU called checking on one row and savings on a later one: which is meant is the file's to say",
    [
      row(2, payee("ana2@example.com", cbu(CBU_A), "20300000070")),
      row(3, payee("ana2@example.com", { ...cbu(CBU_A), accountType: "checking" }, "20300000070")),
      row(4, payee("ana2@example.com", { ...cbu(CBU_A), accountType: "savings" }, "20300000070")),
      row(5, payee("ana2@example.com", { ...cbu(CBU_A), accountType: "checking" }, "20300000070")),
    ],
    directory({}),
    {
      ...NONE,
      rows: [
        [2, null, null, "would create"],
        [3, null, null, "would create"],
        [5, null, null, "would create"],
      ],
      newPayees: [["ana2@example.com", [2, 3, 5]]],
      newAccounts: [[null, CBU_A, [2, 3, 5]]],
      errors: [[4, "account_type", "account_type_differs"]],
    },
  ],
  [
    "the same digits as tax ids of another kind or country are other people's, not a second email",
    [
      row(2, payee("new@example.com", cbu(CBU_A))),
      row(3, { ...payee("other@example.com", cbu(CBU_B)), taxIdKind: "cuil" }),
      row(4, payee("third@example.com", cbu(CBU_B)), { port: "cl_clp" }),
    ],
    directory({}),
    {
      ...NONE,
      rows: [
        [2, null, null, "would create"],
        [3, null, null, "would create"],
        [4, null, null, "would create"],
      ],
      newPayees: [
        ["new@example.com", [2]],
        ["other@example.com", [3]],
        ["third@example.com", [4]],
      ],
      newAccounts: [
        [null, CBU_A, [2]],
        [null, CBU_B, [3]],
        [null, CBU_B, [4]],
      ],
    },
  ],
  [
    "two Bitex users with one email: the row must give ids",
    [row(2, payee("ana@example.com", cbu(CBU_A)))],
    directory({}, [ANA, { id: "399", email: "Ana@Example.com" }]),
    { ...NONE, errors: [[2, "recipient_email", "payee_ambiguous"]] },
  ],
  [
    "ids and details that agree: found",
    [
      row(2, payee("ana@example.com", cbu(CBU_A)), {
        recipientUserId: "300",
        withdrawalInstructionId: "2100",
      }),
    ],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, rows: [[2, "300", "2100", "found"]], found: 1 },
  ],
  [
    "ids and details that agree, the ids written with leading zeros (0300, 02100): found, not ids_disagree (helper-77)",
    [
      row(2, payee("ana@example.com", cbu(CBU_A)), {
        recipientUserId: "0300",
        withdrawalInstructionId: "02100",
      }),
    ],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, rows: [[2, "300", "2100", "found"]], found: 1 },
  ],
  [
    "ids naming another user than the email's",
    [
      row(2, payee("ana@example.com", cbu(CBU_A)), {
        recipientUserId: "301",
        withdrawalInstructionId: "2100",
      }),
    ],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, errors: [[2, "recipient_user_id", "ids_disagree"]] },
  ],
  [
    "an instruction id that does not hold the row's account",
    [
      row(2, payee("ana@example.com", cbu(CBU_B)), {
        recipientUserId: "300",
        withdrawalInstructionId: "2100",
      }),
    ],
    directory({ "300": [legacy("2100", CBU_A)] }),
    { ...NONE, errors: [[2, "withdrawal_instruction_id", "ids_disagree"]] },
  ],
  [
    "a Chilean account number matches without its leading zeros, at the same bank only",
    [
      row(
        2,
        payee(
          "ana@example.com",
          { ...cbu("0012345678"), kind: "account_number", bank: "santander_ch" },
          "10626628K",
        ),
        { port: "cl_clp" },
      ),
      row(
        3,
        payee(
          "ana@example.com",
          { ...cbu("12345678"), kind: "account_number", bank: "bco_chile" },
          "10626628K",
        ),
        { port: "cl_clp" },
      ),
    ],
    directory({
      "300": [
        {
          id: "2150",
          body: {
            payment_method: "domestic_bank",
            bank: "santander_ch",
            bank_account_number: "12345678",
            currency: "CLP",
          },
        },
      ],
    }),
    {
      ...NONE,
      rows: [
        [2, "300", "2150", "found"],
        [3, "300", null, "would create"],
      ],
      newAccounts: [["300", "12345678", [3]]],
      found: 1,
    },
  ],
  [
    "rows by ids only are not resolution's",
    [row(2, undefined, { recipientUserId: "300", withdrawalInstructionId: "2100" })],
    directory({}),
    NONE,
  ],
];

describe("plan: resolving payees by details", () => {
  for (const [what, rows, dir, expected] of TABLE) {
    it(what, () => {
      expect(seen(resolvePayees(rows, dir))).to.deep.equal(expected);
    });
  }

  it("a new payee carries the first row's details for its creation", () => {
    const plan = resolvePayees([row(7, payee("New@Example.com", cbu(CBU_A)))], directory({}));
    expect(plan.newPayees).to.deep.equal([
      {
        email: "New@Example.com",
        name: "Ana Pérez",
        firstName: "",
        lastName: "",
        taxId: CUIT,
        taxIdKind: "cuit",
        lines: [7],
      },
    ]);
    expect(plan.newAccounts[0]).to.deep.include({ userId: null, email: "New@Example.com", currency: "ars" });
  });
});

describe("a tax id written with and without its leading zeros is one (helper-81)", () => {
  /** A Uruguayan payee: CI as written, an account at BROU. */
  const uy = (line: number, email: string, ci: string) =>
    row(
      line,
      {
        ...payee(email, { ...cbu("555555"), kind: "account_number", bank: "BROU" }, ci),
        taxIdKind: "ci",
      },
      { port: "uy_uyu" },
    );
  const brou = (id: string, ci: string): ListedInstruction => ({
    id,
    body: { country: "UY", currency: "UYU", cuit: ci, bank: "BROU", bank_account_number: "555555" },
  });

  it("one email, its CI as 0.123.456-1 on one row and 123.456-1 (a number cell) on another: one payee", () => {
    const plan = resolvePayees(
      [uy(2, "uy@example.com", "01234561"), uy(3, "uy@example.com", "1234561")],
      directory({}),
    );
    expect(seen(plan).errors).to.deep.equal([]);
    expect(seen(plan).newPayees).to.deep.equal([["uy@example.com", [2, 3]]]);
  });

  it("a returning payee whose instruction holds the CI with its zero: found, not another tax id", () => {
    const plan = resolvePayees(
      [uy(2, "ana@example.com", "1234561")],
      directory({ "300": [brou("900", "01234561")] }),
    );
    expect(seen(plan)).to.deep.equal({ ...NONE, rows: [[2, "300", "900", "found"]], found: 1 });
  });

  it("the same CI written both ways under two emails: payee_email_differs, not two payees", () => {
    const plan = resolvePayees(
      [uy(2, "ana@example.com", "01234561"), uy(3, "ana.p@example.com", "1234561")],
      directory({}),
    );
    expect(seen(plan).errors).to.deep.equal([[3, "recipient_email", "payee_email_differs"]]);
  });
});

describe("what creating a payee's account sends and finds", () => {
  it("the legacy body: domestic_bank in the port's country and currency, the CBU where it was recorded, the tax id as cuit", () => {
    const details = payee("a@example.com", { ...cbu(CBU_A), accountType: "savings" });
    expect(instructionBody(details, "ar_ars")).to.deep.equal({
      payment_method: "domestic_bank",
      name: "Ana Pérez",
      country: "AR",
      currency: "ARS",
      cuit: CUIT,
      city: "",
      phone: "",
      address: "",
      further_instructions: "",
      account_type: "savings",
      cbu: CBU_A,
    });
  });

  it("an other_* port: international_bank, the IBAN and the SWIFT in bank_swift", () => {
    const iban = {
      kind: "iban" as const,
      number: "DE89370400440532013000",
      bank: "",
      accountType: "" as const,
      routingNumber: "",
      swift: "COBADEFFXXX",
    };
    const body = instructionBody(payee("a@example.com", iban), "other_eur");
    expect(body).to.include({
      payment_method: "international_bank",
      country: "OTHER",
      currency: "EUR",
      iban: iban.number,
      bank_swift: "COBADEFFXXX",
    });
  });

  it("an instruction made from that body is found again by resolution, and of two holding it the lowest id wins", () => {
    const details = payee("a@example.com", cbu(CBU_A));
    const body = instructionBody(details, "ar_ars");
    const instructions: ListedInstruction[] = [
      { id: "12", body },
      { id: "9", body },
    ];
    expect(holdersOf(instructions, details.account, "ar_ars").map((w) => w.id)).to.deep.equal(["9", "12"]);
    const plan = resolvePayees([row(2, details)], {
      users: [{ id: "300", email: "A@example.com" }],
      instructionsByUser: new Map([["300", instructions]]),
    });
    expect(plan.rows).to.deep.equal([{ line: 2, userId: "300", instructionId: "9", status: "found" }]);
  });

  it("journal keys: one per email (any case), one per email, currency and account", () => {
    expect(userCreateKey(" A@Example.com ")).to.equal("a@example.com");
    expect(accountCreateKey("A@Example.com", cbu(CBU_A), "ars")).to.equal(`a@example.com|ars||cbu:${CBU_A}`);
  });

  it("an email written decomposed (é as e and U+0301, as a macOS export writes it) is the composed one's user (helper-78)", () => {
    const composed = "jos\u00e9@example.com";
    const decomposed = "jose\u0301@example.com";
    expect(userCreateKey(decomposed)).to.equal(userCreateKey(composed));
    const users: ListedUser[] = [{ id: "353", email: composed }];
    const plan = resolvePayees([row(2, payee(decomposed, cbu(CBU_A)))], {
      users,
      instructionsByUser: new Map([["353", [legacy("2153", CBU_A)]]]),
    });
    expect(plan.newPayees).to.deep.equal([]);
    expect(plan.rows.map((r) => [r.userId, r.instructionId])).to.deep.equal([["353", "2153"]]);
  });
});

describe("accounts by a plain number: the same digits at another bank are another account", () => {
  const plain = (number: string, more: Partial<PayeeAccount>): PayeeAccount => ({
    ...cbu(number),
    kind: "account_number",
    ...more,
  });
  const resolve = (port: ValidRow["port"], account: PayeeAccount, instructions: ListedInstruction[]) =>
    seen(
      resolvePayees(
        [row(2, payee("ana@example.com", account), { port })],
        directory({ "300": instructions }),
      ),
    );
  const found = (id: string): Seen => ({ ...NONE, rows: [[2, "300", id, "found"]], found: 1 });
  const toCreate = (number: string): Seen => ({
    ...NONE,
    rows: [[2, "300", null, "would create"]],
    newAccounts: [["300", number, [2]]],
  });

  it("a Uruguayan bank as the operator wrote it (capitals, accents, spaces): the instruction made from the row is found again", () => {
    const account = plain("001234567", { bank: "BROU" });
    const body = instructionBody(payee("ana@example.com", account), "uy_uyu");
    expect(resolve("uy_uyu", account, [{ id: "2150", body }])).to.deep.equal(found("2150"));
    expect(resolve("uy_uyu", plain("1234567", { bank: " brou " }), [{ id: "2150", body }])).to.deep.equal(
      found("2150"),
    );
    const itau = instructionBody(payee("ana@example.com", plain("7654321", { bank: "Itaú" })), "py_pyg");
    expect(resolve("py_pyg", plain("7654321", { bank: "ITAU" }), [{ id: "2160", body: itau }])).to.deep.equal(
      found("2160"),
    );
    expect(resolve("uy_uyu", plain("1234567", { bank: "Santander" }), [{ id: "2150", body }])).to.deep.equal(
      toCreate("1234567"),
    );
  });

  it("a US account: the routing number names its bank", () => {
    const at = (routingNumber: string) => plain("1234567890", { routingNumber, accountType: "savings" });
    const chase = instructionBody(payee("ana@example.com", at("021000021")), "us_usd");
    const boston = instructionBody(payee("ana@example.com", at("011000015")), "us_usd");
    const both = [
      { id: "2901", body: chase },
      { id: "2902", body: boston },
    ];
    expect(resolve("us_usd", at("021000021"), both)).to.deep.equal(found("2901"));
    expect(resolve("us_usd", at("011000015"), both)).to.deep.equal(found("2902"));
    expect(resolve("us_usd", at("011000015"), [{ id: "2901", body: chase }])).to.deep.equal(
      toCreate("1234567890"),
    );
  });

  it("checking or savings, where the row and the instruction both say: the other type is another account (helper-108)", () => {
    const at = (accountType: PayeeAccount["accountType"]) =>
      plain("000123456789", { routingNumber: "021000021", accountType });
    const checking = instructionBody(payee("ana@example.com", at("checking")), "us_usd");
    expect(resolve("us_usd", at("checking"), [{ id: "2150", body: checking }])).to.deep.equal(found("2150"));
    // Paid to the checking account before, the row now says savings: not that instruction.
    expect(resolve("us_usd", at("savings"), [{ id: "2150", body: checking }])).to.deep.equal(
      toCreate("000123456789"),
    );
    // A row or an instruction that names no type matches either.
    expect(resolve("us_usd", at(""), [{ id: "2150", body: checking }])).to.deep.equal(found("2150"));
    const untyped = { ...checking, account_type: undefined };
    expect(resolve("us_usd", at("savings"), [{ id: "2151", body: untyped }])).to.deep.equal(found("2151"));
    // A body's type in another spelling is read as a row's is (helper-110).
    const corriente = { ...checking, account_type: "Cuenta Corriente" };
    expect(resolve("us_usd", at("checking"), [{ id: "2152", body: corriente }])).to.deep.equal(found("2152"));
    // A type this version cannot read is another account, never either (helper-111).
    const vista = { ...checking, account_type: "cuenta vista" };
    expect(resolve("us_usd", at("checking"), [{ id: "2153", body: vista }])).to.deep.equal(
      toCreate("000123456789"),
    );
  });

  it("an account abroad by number and SWIFT: the SWIFT's bank (its first 8 characters) names it", () => {
    const at = (swift: string) => plain("998877", { swift });
    const deutsche = instructionBody(payee("ana@example.com", at("DEUTDEFF")), "other_usd");
    expect(resolve("other_usd", at("DEUTDEFFXXX"), [{ id: "2950", body: deutsche }])).to.deep.equal(
      found("2950"),
    );
    expect(resolve("other_usd", at("COBADEFFXXX"), [{ id: "2950", body: deutsche }])).to.deep.equal(
      toCreate("998877"),
    );
  });

  it("two rows of one payee, one number at two banks: two instructions to create, one journal key each", () => {
    const chase = plain("1234567890", { routingNumber: "021000021" });
    const boston = plain("1234567890", { routingNumber: "011000015" });
    const plan = resolvePayees(
      [
        row(2, payee("ana@example.com", chase), { port: "us_usd" }),
        row(3, payee("ana@example.com", boston), { port: "us_usd" }),
      ],
      directory({ "300": [] }),
    );
    expect(plan.newAccounts.map((a) => [a.account.routingNumber, a.lines])).to.deep.equal([
      ["021000021", [2]],
      ["011000015", [3]],
    ]);
    expect(accountCreateKey("a@example.com", chase, "usd")).to.not.equal(
      accountCreateKey("a@example.com", boston, "usd"),
    );
  });
});

describe("resolution against the instructions Bitex recorded (fixtures/recorded/withdrawal_instructions-list.json)", () => {
  // As the client reads the recorded answer: 15414 AR domestic (hsbc, USD), 15415 CL
  // international (bco_chile, USD), both holding account number 12345678; 15234, 15416 third_party.
  const recording = JSON.parse(
    readFileSync(fromRoot("fixtures", "recorded", "withdrawal_instructions-list.json"), "utf8"),
  ) as { response: { body: unknown } };
  const recorded = decodePage(recording.response.body, "withdrawal_instructions").items;
  // The row names no bank: the number, currency and country decide.
  const account: PayeeAccount = { ...cbu("12345678"), kind: "account_number" };
  const rick = (port: ValidRow["port"]) =>
    row(2, payee("rick@example.com", account, "20112233344552"), { port });
  const plan = (port: ValidRow["port"]) =>
    seen(
      resolvePayees([rick(port)], directory({ "594": recorded }, [{ id: "594", email: "rick@example.com" }])),
    );

  it("an account in Uruguay is not the Chilean or Argentine account of the same number and currency", () => {
    expect(plan("uy_usd")).to.deep.equal({
      ...NONE,
      rows: [[2, "594", null, "would create"]],
      newAccounts: [["594", "12345678", [2]]],
    });
  });

  it("the Argentine account is the one in Argentina, not the Chilean one listed after it", () => {
    expect(plan("ar_usd")).to.deep.equal({ ...NONE, rows: [[2, "594", "15414", "found"]], found: 1 });
  });

  it("an account abroad in a currency its country has no port for (CL in USD) is paid on other_usd", () => {
    expect(plan("other_usd")).to.deep.equal({ ...NONE, rows: [[2, "594", "15415", "found"]], found: 1 });
  });
});

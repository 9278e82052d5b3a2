import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import {
  CANONICAL_COLUMNS,
  canonicalColumn,
  HEADER_ALIASES,
  levenshtein,
  mapHeader,
  normalizeHeader,
  requiredColumns,
} from "../../src/read/headers.js";

const file = "pagos.csv";
const required = requiredColumns();

function refusal(run: () => unknown): BatchError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected a BatchError");
}

describe("normalizeHeader", () => {
  const table: Array<[string, string]> = [
    ["amount", "amount"],
    ["  Amount ", "amount"],
    ["\uFEFFreference", "reference"],
    ["Instrucción-Retiro", "instruccion_retiro"],
    ["PUERTO  DE   DESTINO", "puerto_de_destino"],
    ["recipient--user__id", "recipient_user_id"],
    ["Monto ($)", "monto"],
    ["Año", "ano"],
    ["N° de referencia", "n_de_referencia"],
  ];
  for (const [input, expected] of table)
    it(`${JSON.stringify(input)} → ${expected}`, () => expect(normalizeHeader(input)).to.equal(expected));
});

describe("canonicalColumn", () => {
  const table: Array<[string, string | null]> = [
    ["Monto", "amount"],
    ["IMPORTE", "amount"],
    ["Presupuesto", "budget"],
    ["Puerto Origen", "sender_port"],
    ["puerto_destino", "port"],
    ["Referencia", "reference"],
    ["Usuario Destinatario", "recipient_user_id"],
    ["Usuario-Pagador", "payer_user_id"],
    ["Instrucción Retiro", "withdrawal_instruction_id"],
    ["Recipient ID", "recipient_user_id"],
    ["payer_id", "payer_user_id"],
    ["Destination Port", "port"],
    ["withdrawal instruction", "withdrawal_instruction_id"],
    ["Ref", "reference"],
    // Too vague to take: a name column as often as an id column, or either party.
    ["recipient", null],
    ["payer", null],
    ["user_id", null],
    ["destinatario", null],
    ["nombre", null],
  ];
  for (const [input, expected] of table)
    it(`${input} → ${expected}`, () => expect(canonicalColumn(input)).to.equal(expected));

  it("lists every canonical column first among its own aliases, and no alias twice", () => {
    const all = CANONICAL_COLUMNS.flatMap((column) => {
      expect(HEADER_ALIASES[column][0]).to.equal(column);
      return HEADER_ALIASES[column];
    });
    expect(new Set(all).size).to.equal(all.length);
    for (const alias of all) expect(normalizeHeader(alias)).to.equal(alias);
  });
});

describe("levenshtein", () => {
  it("counts edits", () => {
    expect(levenshtein("kitten", "sitting")).to.equal(3);
    expect(levenshtein("", "abc")).to.equal(3);
    expect(levenshtein("port", "port")).to.equal(0);
  });
});

describe("mapHeader", () => {
  it("maps Spanish headers and reports unknown ones", () => {
    const header = mapHeader(
      [
        "Referencia",
        "Puerto Origen",
        "Usuario Destinatario",
        "Puerto Destino",
        "Monto",
        "Instrucción Retiro",
        "Nombre",
        "",
      ],
      { required, file },
    );
    expect(header.columns).to.deep.equal([
      "reference",
      "sender_port",
      "recipient_user_id",
      "port",
      "amount",
      "withdrawal_instruction_id",
      null,
      null,
    ]);
    expect(header.index).to.deep.equal({
      reference: 0,
      sender_port: 1,
      recipient_user_id: 2,
      port: 3,
      amount: 4,
      withdrawal_instruction_id: 5,
    });
    expect(header.unknown).to.deep.equal(["Nombre"]);
  });

  it("accepts budget instead of amount, and no sender_port with --sender-port", () => {
    const header = mapHeader(["recipient_user_id", "port", "budget", "withdrawal_instruction_id"], {
      required: requiredColumns({ senderPortOption: true }),
      file,
    });
    expect(header.index.budget).to.equal(2);
  });

  it("names a missing column and the closest header present", () => {
    const error = refusal(() =>
      mapHeader(["sender_port", "recipient", "port", "amount", "withdrawal_instruction_id"], {
        required,
        file,
      }),
    );
    expect(error.code).to.equal("input");
    expect(error.message).to.equal(
      'pagos.csv:1: missing column "recipient_user_id" (closest header present: "recipient")',
    );
    expect(error.hint).to.equal("rename the column or see `bitex-batch template`");
  });

  it("suggests a misspelt header", () => {
    const error = refusal(() =>
      mapHeader(["sender_port", "recipient_user_id", "prot", "amount", "withdrawal_instruction_id"], {
        required,
        file,
        line: 3,
      }),
    );
    expect(error.message).to.equal('pagos.csv:3: missing column "port" (closest header present: "prot")');
  });

  it("names amount or budget together, and shows the header when nothing is close", () => {
    const error = refusal(() =>
      mapHeader(["sender_port", "recipient_user_id", "port", "withdrawal_instruction_id", "nombre"], {
        required,
        file,
      }),
    );
    expect(error.message).to.equal(
      'pagos.csv:1: missing column "amount" or "budget" (the header has: sender_port, recipient_user_id, port, withdrawal_instruction_id, nombre)',
    );
  });

  it("shows a first line of data (the header left out) with its numbers masked: a tax id or account number is no header", () => {
    const error = refusal(() =>
      mapHeader(
        [
          "EMP-2001",
          "112",
          "uy_uyu",
          "ar_ars",
          "1090238.10",
          "Facundo López",
          "20-12345678-6",
          "0110599500000001003053",
        ],
        { required, file },
      ),
    );
    expect(error.message).to.equal(
      'pagos.csv:1: missing columns "sender_port", "recipient_user_id", "port", "amount" or "budget", "withdrawal_instruction_id" (the header has: EMP-2001, 112, uy_uyu, ar_ars, ******8.10, Facundo López, *********78-6, ******************3053)',
    );
  });

  it("points at the delimiter when the header is one single column", () => {
    const error = refusal(() => mapHeader(["sender_port;recipient_user_id;port;amount"], { required, file }));
    expect(error.message).to.equal(
      'pagos.csv:1: missing columns "sender_port", "recipient_user_id", "port", "amount" or "budget", "withdrawal_instruction_id" (the header has: sender_port;recipient_user_id;port;amount); with a single column, the delimiter may be wrong (see --delimiter)',
    );
  });

  it("names Excel's sep= first line instead of listing the columns it lacks (helper-88)", () => {
    for (const cells of [["sep="], ["sep=", ""], ["sep=;"]]) {
      const error = refusal(() => mapHeader(cells, { required, file }));
      expect(error.message).to.equal(
        'pagos.csv:1: the first line is Excel\'s "sep=" line (a hint to Excel of the delimiter), not the header',
      );
      expect(error.hint).to.equal("delete that line: bitex-batch finds the delimiter from the header");
    }
  });

  it("refuses two columns that mean the same", () => {
    const error = refusal(() =>
      mapHeader(
        ["sender_port", "recipient_user_id", "port", "Monto", "amount", "withdrawal_instruction_id"],
        { required, file },
      ),
    );
    expect(error.message).to.equal('pagos.csv:1: columns 4 ("Monto") and 5 ("amount") both mean "amount"');
  });
});

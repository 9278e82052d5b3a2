import { expect } from "chai";
import { defaultStateDir } from "../../src/batch/paths.js";

describe("defaultStateDir (docs/design.md section 3)", () => {
  it("$XDG_STATE_HOME/bitex-batch when it is an absolute path", () => {
    expect(defaultStateDir({ XDG_STATE_HOME: "/var/state" }, "/home/ana")).to.equal("/var/state/bitex-batch");
  });

  it("~/.local/state/bitex-batch otherwise (unset, empty or relative, which the XDG spec says to ignore)", () => {
    for (const env of [{}, { XDG_STATE_HOME: "" }, { XDG_STATE_HOME: "state" }]) {
      expect(defaultStateDir(env, "/home/ana")).to.equal("/home/ana/.local/state/bitex-batch");
    }
  });
});

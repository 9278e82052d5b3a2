/** A payee's compliance review at Bitex (`compliance_state`, docs/design.md "Input modes") in words. */

/**
 * Plain words for a payee's compliance review, as `compliance_state` (or `kyc_accepted`) says.
 * `settled`: the row's output is final (its payment's fate known), so nothing of it is deferred.
 */
export function complianceWords(state: string, settled = false): string {
  const defer = (words: string, until: string) =>
    settled ? words : `${words}: Bitex may defer the payment ${until}`;
  switch (state) {
    case "enabled":
      return "approved";
    case "new":
      return defer("in review at Bitex", "until it approves the payee and may ask for more (documents)");
    case "not approved":
      return defer("not approved at Bitex yet (in review or refused)", "until it approves the payee");
    case "disabled":
      return defer("disabled by Bitex's compliance", "until it enables the payee again");
    case "rejected":
      // A row whose output is final was paid or not by then: no promise of what Bitex will do.
      return settled
        ? "refused by Bitex's compliance review"
        : "refused by Bitex's compliance review: Bitex will not pay this payee";
    default:
      return state;
  }
}

/** A payee's compliance review at Bitex (`compliance_state`, docs/design.md "Input modes") in words. */

/** Plain words for a payee's compliance review, as `compliance_state` (or `kyc_accepted`) says. */
export function complianceWords(state: string): string {
  switch (state) {
    case "enabled":
      return "approved";
    case "new":
      return "in review at Bitex: Bitex may defer the payment until it approves the payee and may ask for more (documents)";
    case "not approved":
      return "not approved at Bitex yet (in review or refused): Bitex may defer the payment until it approves the payee";
    case "disabled":
      return "disabled by Bitex's compliance: Bitex may defer the payment until it enables the payee again";
    case "rejected":
      return "refused by Bitex's compliance review: Bitex will not pay this payee";
    default:
      return state;
  }
}

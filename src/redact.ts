/**
 * Removes secrets (the API key) from text before it is printed: as written, and in the forms
 * a server or a library may echo it in (JSON-escaped, URL-encoded). A "key" shorter than
 * MIN_SECRET_LENGTH is no key anyone could keep secret, and hiding it would mangle the output
 * (a key "x" would take every x of every word): it is left alone, and the run says so
 * (implausibleSecret).
 */
export const MIN_SECRET_LENGTH = 8;

/** The warning for a key too short to be a key (and to be hidden), or null. */
export function implausibleSecret(secret: string): string | null {
  if (secret.length === 0 || secret.length >= MIN_SECRET_LENGTH) return null;
  return `the API key is only ${secret.length} character(s) long, which no Bitex key is: check BITEX_API_KEY (or BITEX_API_KEY_FILE); so short a text is not hidden from the output`;
}

export function redactor(secrets: readonly string[], mark = "[redacted]"): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
    // In a URL's path or query as a URL parser writes it (`<` as %3C, a space as %20 or +).
    forms.add(encodeURI(secret));
    forms.add(new URL(`http://h/${secret}`).pathname.slice(1));
    forms.add(new URLSearchParams({ k: secret }).toString().slice(2));
  }
  // Longest first, so that a form containing another is replaced whole.
  const ordered = [...forms].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  // The includes() test first: most texts hold no key, and split/join copies every one of them.
  return (text) =>
    ordered.reduce((out, form) => (out.includes(form) ? out.split(form).join(mark) : out), text);
}

/** Characters of a masked number left visible, as on a bank statement. */
const VISIBLE = 4;

/**
 * An account number or tax id as shown on the terminal, in logs and in `--json`: only its
 * last 4 characters, and its length (it tells a CBU from a CUIT); 4 or fewer are hidden whole.
 */
export function maskTail(value: string): string {
  if (value.length <= VISIBLE) return "*".repeat(value.length);
  return "*".repeat(value.length - VISIBLE) + value.slice(-VISIBLE);
}

/**
 * A cell that should hold words (a column's name, an email, a bank, an account type) as shown
 * in a message: with 5 digits or more it is rather a number out of its column (a cell left
 * out or an unquoted delimiter moves the rest), and is masked as an account number would be.
 */
export function shownWord(text: string): string {
  return /(?:\d\D*){5}/.test(text) ? maskTail(text) : text;
}

/**
 * Which hosts are this machine: the client sends the API key over plain http only to them,
 * and the emulator listens only on them. One test for both, so they cannot disagree.
 */
export function isLoopback(hostname: string): boolean {
  // The URL parser has already normalised IPv4 forms such as 127.1 or 0x7f.1 to dotted quads.
  if (hostname === "localhost" || hostname === "[::1]") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

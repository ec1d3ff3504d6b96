/** Wraps an output stream so the API key can never be printed, whatever a dependency puts in a message. */
export function redacting<S extends { write(s: string): unknown; isTTY?: boolean }>(stream: S, secret: string | undefined): S {
  if (!secret || secret.length < 4) return stream;
  return { write: (s: string) => stream.write(s.split(secret).join("***")), isTTY: stream.isTTY } as S;
}

// How a bad value appears in an error message: strings quoted, long values cut, undefined as "nothing".
// Shared by the config schema, the cron parser and the constructs, so every message shows values alike.

export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

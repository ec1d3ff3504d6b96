import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../../runner/sync/email.js";

describe("normalizeEmail", () => {
  it.each([
    ["  Jane.Doe@Example.COM ", "jane.doe@example.com"],
    ["o'brien+vip@mail.example.co.uk", "o'brien+vip@mail.example.co.uk"],
    ["user@xn--bcher-kva.example", "user@xn--bcher-kva.example"],
    ["a@b.io", "a@b.io"],
  ])("accepts and normalizes %j", (raw, expected) => {
    expect(normalizeEmail(raw)).toEqual({ ok: true, email: expected });
  });

  it.each([
    [undefined, "email is empty"],
    ["   ", "email is empty"],
    ["jane doe@example.com", "email contains spaces"],
    ["jane@bücher.example", "email contains non-ASCII characters"],
    ["jané@example.com", "email contains non-ASCII characters"],
    ["jane.example.com", "email has no @"],
    ['"jane doe"@example.com', "email contains spaces"],
    ['"jane"@example.com', "quoted local part"],
    ["a@b@example.com", "more than one @"],
    [".jane@example.com", "local part (before @) has invalid characters or dots"],
    ["jane..doe@example.com", "local part (before @) has invalid characters or dots"],
    ["jane@example.com.", "domain ends with a dot"],
    ["jane@example", "domain is not a valid domain name"],
    ["jane@-example.com", "domain is not a valid domain name"],
    ["jane@example.c", "domain is not a valid domain name"],
    [`${"a".repeat(65)}@example.com`, "local part (before @) must be 1-64 characters"],
  ])("rejects %j", (raw, reason) => {
    const r = normalizeEmail(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

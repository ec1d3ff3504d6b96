import { describe, expect, it } from "vitest";
import { normalizeEmail } from "../../../runner/sync/email.js";

describe("normalizeEmail", () => {
  it.each([
    ["  Jane.Doe@Example.COM ", "jane.doe@example.com"],
    ["obrien+vip@mail.example.co.uk", "obrien+vip@mail.example.co.uk"],
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
    ["o'brien+vip@mail.example.co.uk", "ActiveCampaign refuses apostrophes in the local part (before @) of an address (its documentation lists invalid'character@example.com as a failed import)"],
    ["invalid'character@example.com", "ActiveCampaign refuses apostrophes in the local part (before @)"],
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

  describe("Unicode never turns one address into another", () => {
    it("refuses the KELVIN SIGN, which lower-cases into an ASCII k (it became another person's mailbox)", () => {
      expect("\u212A".toLowerCase()).toBe("k");
      expect(normalizeEmail("\u212Aate@example.com")).toEqual({
        ok: false,
        reason: "email contains non-ASCII characters (internationalized addresses are not accepted)",
      });
      expect(normalizeEmail("jane@\u212Aexample.com").ok).toBe(false);
    });

    it("refuses every non-ASCII character, whatever it lower-cases to, in the local part and in the domain", () => {
      const accepted: string[] = [];
      for (let cp = 0x80; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 0x1001) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const ch = String.fromCodePoint(cp);
        for (const raw of [`a${ch}@example.com`, `${ch}a@example.com`, `a@ex${ch}ample.com`, `A${ch}@EXAMPLE.COM`]) {
          const r = normalizeEmail(raw);
          if (r.ok) accepted.push(`U+${cp.toString(16)} in ${JSON.stringify(raw)} -> ${r.email}`);
        }
      }
      expect(accepted).toEqual([]);
    });

    it("no two different inputs that pass give the same address unless they differ only in ASCII case or ASCII padding", () => {
      const folding = [...Array(0x10000).keys()]
        .map((cp) => String.fromCharCode(cp))
        .filter((ch) => ch.charCodeAt(0) > 0x7f && /^[\x00-\x7f]+$/.test(ch.toLowerCase()));
      expect(folding.length).toBeGreaterThan(0); // U+0130 and U+212A at least
      for (const ch of folding) expect(normalizeEmail(`${ch}@example.com`).ok, `U+${ch.charCodeAt(0).toString(16)}`).toBe(false);
    });

    it.each([
      ["\uFEFFjane@example.com", "email contains spaces"],
      ["jane@example.com\u00A0", "email contains spaces"],
      ["\u2028jane@example.com", "email contains spaces"],
      ["jane\u200B@example.com", "email contains non-ASCII characters (internationalized addresses are not accepted)"],
      ["jane@example.com\u0000", "email contains non-ASCII characters (internationalized addresses are not accepted)"],
    ])("refuses invisible characters at the edges instead of trimming them away: %j", (raw, reason) => {
      expect(normalizeEmail(raw)).toEqual({ ok: false, reason });
    });
  });
});

import { describe, expect, it } from "vitest";
import { checkEmail, normalizeEmail, validEmail } from "../../../runner/sync/email.js";

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

// normalizeEmail and validEmail take a one-pass shortcut for the common shape of address and leave everything else to
// checkEmail (every rule, with its reason). The shortcut must never change a decision or an address.
describe("the common-address shortcut decides exactly as checkEmail", () => {
  const agree = (raw: string | undefined) => {
    const reference = checkEmail(raw);
    expect(normalizeEmail(raw), JSON.stringify(raw)).toEqual(reference);
    expect(validEmail(raw), JSON.stringify(raw)).toBe(reference.ok ? reference.email : undefined);
  };

  it.each([
    // at the limits the shortcut checks itself
    `${"a".repeat(64)}@example.com`,
    `${"a".repeat(65)}@example.com`,
    `a@${"b".repeat(63)}.com`,
    `a@${"b".repeat(64)}.com`,
    `a@example.${"c".repeat(63)}`,
    `a@example.${"c".repeat(64)}`,
    `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.io`, // 254 characters
    `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.io`, // 255
    "a@b.co", "a@b.c", "a@b", "a@.b.co", "a@b..co", "a@b.co.", "@b.co", "a@", "a", "",
    "a.b@c.io", ".a@c.io", "a.@c.io", "a..b@c.io", "a@-b.io", "a@b-.io", "a@b.-io", "a@b.io-", "a@b-c.d-e.io",
    "a@b.i0", "a@b.xn--p1ai", "a@b.XN--P1AI", "A@B.IO", "Ann.Lee@Example.COM", "a@b@c.io", '"a"@b.io', "a'b@c.io",
    "a+tag@b.io", "!#$%&*+/=?^_`{|}~-@b.io", "a(b)@c.io", "a@b_c.io", "a@b.io ", " a@b.io", "a @b.io", "a@b.io\u00a0",
    "\u212Aa@b.io", "a@b.\u212Aio", "\u0130@b.io", "a\u0000@b.io", "\u007f@b.io", "a@[127.0.0.1]",
  ])("%j", (raw) => agree(raw));

  it("on 20,000 generated addresses (a fixed seed: the same ones every run)", () => {
    const pieces = ["a", "Z", "k", "0", "9", ".", "..", "-", "_", "'", "@", '"', "+", " ", "\t", "é", "\u212A", "\u00a0", "(", "[", "xn--", "XN--", "com", "io", "c", "1", "b".repeat(63), "c".repeat(70)];
    let seed = 12;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let accepted = 0;
    for (let k = 0; k < 20_000; k++) {
      // Mostly well-formed (local@label.label.tld) with one piece swapped in, so both sides of each rule are reached.
      const parts = ["ann", "@", "mail", ".", "example", ".", "com"];
      for (let e = next(3); e >= 0; e--) parts.splice(next(parts.length + 1), next(2), pieces[next(pieces.length)]!);
      const raw = parts.join("");
      agree(raw);
      if (checkEmail(raw).ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  });
});

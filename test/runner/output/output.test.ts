// Safe text for outputs: CSV cells a spreadsheet will not run, Markdown that renders as the same characters,
// terminal text without escape sequences, visible invisible characters, short excerpts, masked secrets.
import { describe, expect, it } from "vitest";
import { csvCell, csvRow, escapeMarkdown, excerpt, forTerminal, markdownCode, maskSecrets, quoteValue, showInvisible } from "../../../runner/output/index.js";

describe("csvCell (OWASP CSV injection)", () => {
  it.each([
    ["=HYPERLINK(\"http://evil.example\",\"click\")", `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ["+1+cmd|' /C calc'!A0", `"'+1+cmd|' /C calc'!A0"`],
    ["-2+3", `"'-2+3"`],
    ["@SUM(A1:A9)", `"'@SUM(A1:A9)"`],
    ["\t=1+1", `"'\t=1+1"`],
    ["\r=1+1", `"'\r=1+1"`],
    ["\uFF1D1+1", `"'\uFF1D1+1"`],
  ])("neutralizes %j", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("leaves ordinary cells alone and quotes what RFC 4180 requires", () => {
    expect(csvCell("jane@example.com")).toBe("jane@example.com");
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("Smith, Jane")).toBe('"Smith, Jane"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell("a;b", ";")).toBe('"a;b"');
    expect(csvRow(["=1", "ok", undefined, "x,y"])).toBe(`"'=1",ok,,"x,y"`);
  });
});

describe("escapeMarkdown", () => {
  it.each([
    ["# Heading", "\\# Heading"],
    ["[click](javascript:alert(1))", "\\[click\\]\\(javascript\\:alert\\(1\\)\\)"],
    ["<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert\\(1\\)\\>"],
    ["<javascript:alert(1)>", "\\<javascript\\:alert\\(1\\)\\>"],
    ["- item", "\\- item"],
    ["1. item", "1\\. item"],
    ["**bold** _it_ `code` ~~s~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~"],
    ["a | b", "a \\| b"],
    ["&lt;", "\\&lt;"],
    ["line one\n# two\r\n> three", "line one \\# two \\> three"],
    ["![x](data:text/html,hi)", "\\!\\[x\\]\\(data\\:text/html,hi\\)"],
    ["\uFEFFFirst", "\\\\uFEFFFirst"],
  ])("escapes %j", (text, md) => {
    expect(escapeMarkdown(text)).toBe(md);
  });

  it("leaves plain text readable", () => {
    expect(escapeMarkdown("VIP newsletter 2024")).toBe("VIP newsletter 2024");
    expect(escapeMarkdown("jane.doe@example.com")).toBe("jane.doe@example.com");
  });

  it("makes inline code whatever backticks it holds", () => {
    expect(markdownCode("a`b")).toBe("``a`b``");
    expect(markdownCode("`x`")).toBe("`` `x` ``");
  });
});

describe("forTerminal", () => {
  it.each([
    ["red \x1b[31mtext\x1b[0m", "red text"],
    ["\x1b]0;owned title\x07after", "after"],
    ["\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"],
    ["clear\x1b[2J\x1b[H", "clear"],
    ["reset\x1bc!", "reset!"],
    ["c1 csi \u009b31mX", "c1 csi X"],
    ["bell\x07 back\x08space del\x7f nul\x00", "bell backspace del nul"],
    ["cr\roverwrite", "croverwrite"],
    ["bidi \u202Egnp.exe", "bidi \\u202Egnp.exe"],
    ["zero\u200Bwidth", "zero\\u200Bwidth"],
    ["emoji 😀 and é stay", "emoji 😀 and é stay"],
  ])("cleans %j", (text, clean) => {
    expect(forTerminal(text)).toBe(clean);
  });

  it("keeps line breaks and tabs only when asked", () => {
    expect(forTerminal("a\n\tb")).toBe("ab");
    expect(forTerminal("a\n\tb\x1b[1m", { keepLines: true })).toBe("a\n\tb");
  });
});

describe("invisible characters and long values in messages", () => {
  it("shows invisible characters as escapes, so First and \\uFEFFFirst differ", () => {
    expect(showInvisible("\uFEFFFirst")).toBe("\\uFEFFFirst");
    expect(showInvisible("First")).toBe("First");
    expect(showInvisible("a\u00A0b\u200Dc\u2066d\tE")).toBe("a\\u00A0b\\u200Dc\\u2066d\\u0009E");
    expect(showInvisible("tag\u{E0041}")).toBe("tag\\u{E0041}");
    expect(showInvisible("😀")).toBe("😀");
  });

  it("quotes a value unambiguously: a typed backslash-u is doubled, a real U+FEFF is escaped", () => {
    expect(quoteValue("\uFEFFemail")).toBe('"\\uFEFFemail"');
    expect(quoteValue("\\uFEFFemail")).toBe('"\\\\uFEFFemail"');
    expect(quoteValue(' "x" ')).toBe('" \\"x\\" "');
  });

  it("cuts a 1 MB value to an excerpt with an ellipsis and the original length", () => {
    const name = "c".repeat(1024 * 1024);
    expect(excerpt(name, 10)).toBe("cccccccccc… (1048576 characters)");
    expect(quoteValue(name, 5)).toBe('"ccccc"… (1048576 characters)');
    expect(quoteValue(name).length).toBeLessThan(120);
    expect(excerpt("short")).toBe("short");
    expect(excerpt("ab😀cd", 3)).toBe("ab… (6 characters)"); // never half a surrogate pair
  });
});

describe("maskSecrets", () => {
  const acKey = "0123456789abcdef".repeat(4) + "deadbeef";
  it("masks what looks like an ActiveCampaign key, wherever it stands", () => {
    expect(maskSecrets(`request failed: Api-Token ${acKey} refused`)).toBe("request failed: Api-Token *** refused");
    expect(maskSecrets(`{"key":"${acKey}"}`)).toBe('{"key":"***"}');
    expect(maskSecrets(`AC_API_KEY=${acKey.slice(0, 40)}`)).toBe("AC_API_KEY=***");
    expect(maskSecrets(`canary${acKey}`)).toBe("canary***");
  });

  it("masks labelled values whatever their form", () => {
    expect(maskSecrets("Api-Token: 123abc-def-ghi sent")).toBe("Api-Token: *** sent");
    expect(maskSecrets("env AC_API_KEY=not-hex-at-all!")).toBe("env AC_API_KEY=***");
  });

  it("masks the signature of an Azure SAS token and account keys, keeping the rest readable", () => {
    const sas = "https://acct.blob.core.windows.net/c/seg.csv?sv=2022-11-02&ss=b&sp=r&se=2030-01-01&sig=AbC%2Bdef%3D123xyz";
    expect(maskSecrets(`cannot read ${sas}: 403`)).toBe(
      "cannot read https://acct.blob.core.windows.net/c/seg.csv?sv=2022-11-02&ss=b&sp=r&se=2030-01-01&sig=***: 403",
    );
    expect(maskSecrets("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy+/==;EndpointSuffix=core.windows.net")).toBe(
      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net",
    );
    expect(maskSecrets("SharedAccessSignature=sv=2022&sig=abc")).toBe("SharedAccessSignature=***&sig=***");
  });

  it("masks the known secrets of this run, also URL-encoded, and leaves ordinary text alone", () => {
    expect(maskSecrets("key k3y/with+chars and k3y%2Fwith%2Bchars", ["k3y/with+chars"])).toBe("key *** and ***");
    const plain = "row 12: email contains spaces (etag 0x8DB2F1A9C3E4B5D, id 6f1c2e9a-3b4d-4e5f-8a9b-0c1d2e3f4a5b)";
    expect(maskSecrets(plain)).toBe(plain);
    expect(maskSecrets("design=sig=x")).toBe("design=sig=***");
  });
});

// classifyBody(): how the transport names a body before decide() reads it.
import { describe, expect, it } from "vitest";
import { classifyBody } from "../../../runner/ac/transport.js";
import { CLOUDFLARE_504 } from "./stub-server.js";

describe("classifyBody", () => {
  it.each([
    ["JSON", "application/json", '{"a":1}', { body: "json", json: { a: 1 } }],
    ["JSON with surrounding white space", "application/json", ' \n[1,2]\n', { body: "json", json: [1, 2] }],
    ["JSON whatever the type says", "text/plain", '{"ok":true}', { body: "json", json: { ok: true } }],
    ["a bare JSON value", "application/json", "null", { body: "json", json: null }],
    ["nothing", "application/json", "", { body: "empty", json: undefined }],
    ["only white space", "application/json", " \r\n ", { body: "empty", json: undefined }],
    ["HTML by its type, even when empty", "text/html; charset=UTF-8", "", { body: "html", json: undefined }],
    ["HTML by its first tag, served as JSON", "application/json", CLOUDFLARE_504, { body: "html", json: undefined }],
    ["an <html> page without a doctype", "", "<html><body>x</body></html>", { body: "html", json: undefined }],
    ["an XML prolog", "application/xml", '<?xml version="1.0"?><error/>', { body: "html", json: undefined }],
    ["JSON cut short", "application/json", '{"contactTags":[{"id":"1"', { body: "invalid", json: undefined }],
    ["plain text", "text/plain", "Bad Gateway", { body: "invalid", json: undefined }],
  ])("%s", (_name, type, text, expected) => {
    expect(classifyBody(type, text)).toStrictEqual(expected);
  });
});

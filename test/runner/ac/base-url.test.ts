import { describe, expect, it } from "vitest";
import { BaseUrlError, isLoopbackHost, resolveBaseUrl } from "../../../runner/ac/base-url.js";

describe("resolveBaseUrl", () => {
  it("builds https://<hostname>/api/3 without AC_API_URL", () => {
    expect(resolveBaseUrl("contoso.api-us1.com", {})).toBe("https://contoso.api-us1.com/api/3");
    expect(resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: "" })).toBe("https://contoso.api-us1.com/api/3");
  });

  it.each([
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010/api/3"],
    ["http://127.0.0.1:4010/", "http://127.0.0.1:4010/api/3"],
    ["http://127.0.0.1:4010/api/3", "http://127.0.0.1:4010/api/3"],
    ["http://127.0.0.1:4010/api/3/", "http://127.0.0.1:4010/api/3"],
    ["http://127.9.8.7:1", "http://127.9.8.7:1/api/3"],
    ["http://localhost:4010", "http://localhost:4010/api/3"],
    ["http://[::1]:4010/api/3", "http://[::1]:4010/api/3"],
    ["https://proxy.example.com/ac", "https://proxy.example.com/ac/api/3"],
    ["https://other.api-us1.com/api/3", "https://other.api-us1.com/api/3"],
  ])("AC_API_URL %s → %s", (value, expected) => {
    expect(resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: value })).toBe(expected);
  });

  it.each([
    ["http://example.com:4010", /AC_API_URL "http:\/\/example\.com:4010" uses plain http to a non-loopback host/],
    ["http://10.0.0.5", /AC_API_URL "http:\/\/10\.0\.0\.5" uses plain http/],
    ["http://128.0.0.1", /plain http/],
    ["http://127.0.0.1.evil.com", /plain http/],
    ["ftp://127.0.0.1", /AC_API_URL "ftp:\/\/127\.0\.0\.1" must use https:\/\//],
    ["127.0.0.1:4010", /AC_API_URL "127\.0\.0\.1:4010"/],
    ["not a url", /AC_API_URL "not a url" is not a URL/],
    ["https://h.example.com/api/3?x=1", /must not contain a query/],
  ])("refuses AC_API_URL %s", (value, message) => {
    expect(() => resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: value })).toThrow(BaseUrlError);
    expect(() => resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: value })).toThrow(message);
  });

  it("never echoes credentials put in AC_API_URL", () => {
    let message = "";
    try {
      resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: "https://user:s3cr3t-canary@example.com/api/3" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/AC_API_URL/);
    expect(message).not.toContain("s3cr3t-canary");
  });

  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.255.255.254", "localhost", "LOCALHOST", "[::1]"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["127.0.0.256", "10.0.0.1", "localhost.example.com", "[::2]", "0.0.0.0"]) expect(isLoopbackHost(h)).toBe(false);
  });
});

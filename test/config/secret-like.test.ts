import { describe, expect, it } from "vitest";
import { secretKind, secretRefusal } from "../../runner/config/secret-like.js";

describe("secretKind", () => {
  it.each<[string, string]>([
    ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "an ActiveCampaign API key"],
    ["contoso-0123456789ABCDEF0123456789abcdef01234567.api-us1.com", "an ActiveCampaign API key"],
    ["vip/segment.csv?sv=2022-11-02&ss=b&sig=AbCd%2Fefgh%3D", "an Azure SAS token"],
    ["DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc", "an Azure storage credential or an API token"],
    [`${"Zq8+".repeat(21)}Zq==`, "an Azure storage account key"],
  ])("%s → %s", (value, kind) => {
    expect(secretKind(value)).toBe(kind);
  });

  it.each(["contoso.api-us1.com", "vip/segment.csv", "ac-api-key-marketing-eu", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "design=signature"])(
    "accepts %s",
    (value) => expect(secretKind(value)).toBeUndefined(),
  );

  it("the refusal names the field and never the value", () => {
    expect(secretRefusal("connection.hostname", "an ActiveCampaign API key")).toBe(
      "connection.hostname: looks like an ActiveCampaign API key; secrets are never accepted here (the value is not shown). Keys belong in Key Vault: see ApiKey",
    );
  });
});

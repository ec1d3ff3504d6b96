// The circuit breaker (REAL-ACCOUNT.md F7): scattered failures never trip it, a run of failed imports does, and its
// message names the value shape every failed import shares and the completed ones lack, never a value itself.
import { describe, expect, it } from "vitest";
import type { BulkContact } from "../../../runner/ac/types.js";
import { CircuitBreaker, TRIP_CONSECUTIVE } from "../../../runner/sync/circuit-breaker.js";
import { shapeOf } from "../../../runner/sync/failure-profile.js";

const contact = (i: number, date: string, first = `Zoë${i % 3}`): BulkContact => ({ email: `p${i}@example.com`, first_name: first, fields: [{ id: 3, value: date }] });
const batch = (from: number, date: (i: number) => string) => Array.from({ length: 10 }, (_, k) => contact(from + k, date(from + k)));
const fieldName = (id: number) => (id === 3 ? "BIRTHDAY" : `id ${id}`);

describe("value shapes", () => {
  it("keeps digits and punctuation, collapses letters", () => {
    expect(shapeOf("31/12/2024")).toBe("99/99/9999");
    expect(shapeOf("2024-12-31")).toBe("9999-99-99");
    expect(shapeOf("Mary Ann")).toBe("a a");
  });
});

describe("the circuit breaker", () => {
  it("does not trip on failures scattered among completed imports (a bad row bisected, a transient fault)", () => {
    const b = new CircuitBreaker(fieldName);
    for (let i = 0; i < 40; i++) {
      for (let k = 0; k < (i % 5) + 1; k++) expect(b.failure(batch(i * 10, () => "2024-12-31"), "failed")).toBeUndefined();
      for (let k = 0; k < 5; k++) b.completed(batch(i * 10, () => "2024-12-31"));
    }
  });

  it(`trips at ${TRIP_CONSECUTIVE} failed imports in a row, naming the shape they share and the completed ones lack`, () => {
    const b = new CircuitBreaker(fieldName);
    b.completed(batch(0, () => "2024-12-31"));
    let error;
    for (let n = 1; n <= TRIP_CONSECUTIVE; n++) {
      error = b.failure(batch(n * 10, (i) => (i % 2 ? "31/12/2024" : "2024-12-31")), n % 2 ? "failed" : "interrupted");
      if (n < TRIP_CONSECUTIVE) expect(error).toBeUndefined();
    }
    expect(error?.code).toBe("IMPORTS_FAILING");
    expect(error?.message).toContain(`bulk imports keep failing: ${TRIP_CONSECUTIVE} of the ${TRIP_CONSECUTIVE + 1} imports that ended failed`);
    expect(error?.message).toContain('field BIRTHDAY values shaped like "99/99/9999" (50% of the failed contacts, 0% of the completed ones)');
    expect(error?.message).not.toContain("31/12/2024");
  });

  it("names characters outside the BMP when that is what the failures share", () => {
    const b = new CircuitBreaker(fieldName);
    let error;
    for (let n = 0; n < TRIP_CONSECUTIVE && !error; n++) error = b.failure([contact(n, "2024-12-31", "Ann 😀")], "failed");
    expect(error?.message).toContain("first_name has an emoji or another character outside the Basic Multilingual Plane (100% of the failed contacts)");
  });
});

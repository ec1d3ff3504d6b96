// Import this module from construct tests: it registers CDKTF matchers on vitest (kept out of runner tests, which need no cdktf).
// CDKTF ships only a Jest adapter; this registers its matchers on vitest's expect without globals
// (the approach of @cdktn/vitest, see shared/reference/azure-cdktf.md §2).
import { testingMatchers } from "cdktf";
import { expect } from "vitest";

type Ctor = testingMatchers.TerraformConstructor;

function pass(items: unknown[], props: Record<string, unknown>): boolean {
  if (Object.keys(props).length === 0) return items.length > 0;
  try {
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining(props)]));
    return true;
  } catch {
    return false;
  }
}

const wrap = (r: { pass: boolean; message: string }) => ({ pass: r.pass, message: () => r.message });

expect.extend({
  toHaveResource: (received: string, ctor: Ctor) => wrap(testingMatchers.getToHaveResourceWithProperties(pass)(received, ctor, {})),
  toHaveResourceWithProperties: (received: string, ctor: Ctor, props: Record<string, unknown>) =>
    wrap(testingMatchers.getToHaveResourceWithProperties(pass)(received, ctor, props)),
  toHaveDataSourceWithProperties: (received: string, ctor: Ctor, props: Record<string, unknown>) =>
    wrap(testingMatchers.getToHaveDataSourceWithProperties(pass)(received, ctor, props)),
  toHaveProviderWithProperties: (received: string, ctor: Ctor, props: Record<string, unknown>) =>
    wrap(testingMatchers.getToHaveProviderWithProperties(pass)(received, ctor, props)),
});

interface CdktfMatchers<R = unknown> {
  toHaveResource(ctor: Ctor): R;
  toHaveResourceWithProperties(ctor: Ctor, props: Record<string, unknown>): R;
  toHaveDataSourceWithProperties(ctor: Ctor, props: Record<string, unknown>): R;
  toHaveProviderWithProperties(ctor: Ctor, props: Record<string, unknown>): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends CdktfMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**"],
    globalSetup: ["./test/setup/build-runner.ts"],
    pool: "forks",
    // See runner/v8-regexp-workaround.ts: V8 on Node 20/22 can abort while compiling a regexp natively.
    execArgv: ["--regexp-interpret-all"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core CI machines: two workers keep CPU-bound suites from starving the servers they start.
    maxWorkers: 2,
  },
});

// Loaded with `node --import` into a measured process (the runner, or the bare parser): at exit it writes the
// process's own resource usage (peak RSS, CPU time) to the file named by BENCH_USAGE_FILE. Plain JS so it needs no
// loader and adds next to nothing to the process it measures.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  const t0 = performance.timeOrigin;
  process.on("exit", (code) => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        code,
        // ru_maxrss: kilobytes on Linux
        maxRssBytes: u.maxRSS * 1024,
        userCpuMs: u.userCPUTime / 1000,
        systemCpuMs: u.systemCPUTime / 1000,
        uptimeMs: performance.now(),
        startedAt: t0,
      }),
    );
  });
}

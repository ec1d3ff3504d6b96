// Loaded with `node --import` into a measured process (the runner, or the bare parser): at exit it writes the
// process's own resource usage (peak RSS, CPU time) to the file named by BENCH_USAGE_FILE. Plain JS so it needs no
// loader and adds next to nothing to the process it measures.
import { readFileSync, writeFileSync } from "node:fs";

/**
 * Peak RSS of this process's own memory: VmHWM from /proc/self/status. Not getrusage's ru_maxrss, which on Linux
 * carries over the parent's RSS through fork + exec (a child spawned by a 400 MB bench process would report >= 400 MB).
 */
function peakRssBytes() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  const t0 = performance.timeOrigin;
  // The highest V8 heap and external (ArrayBuffer) memory seen, sampled every second: what a heap cap
  // (--max-old-space-size, or the one Node derives from a container's memory limit) has to hold.
  const highest = { heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    highest.heapUsedBytes = Math.max(highest.heapUsedBytes, m.heapUsed);
    highest.heapTotalBytes = Math.max(highest.heapTotalBytes, m.heapTotal);
    highest.externalBytes = Math.max(highest.externalBytes, m.external);
  };
  setInterval(sample, 1000).unref();
  process.on("exit", (code) => {
    sample();
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        code,
        maxRssBytes: peakRssBytes(),
        ruMaxRssBytes: u.maxRSS * 1024,
        userCpuMs: u.userCPUTime / 1000,
        systemCpuMs: u.systemCPUTime / 1000,
        uptimeMs: performance.now(),
        ...highest,
        startedAt: t0,
      }),
    );
  });
}

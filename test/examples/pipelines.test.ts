// The example pipelines run exactly the commands the README documents, and none of them can fetch an unknown
// package from the registry (every npx has --no-install).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");
const pipelines = {
  "github-actions.yml": readFileSync("examples/pipelines/github-actions.yml", "utf8"),
  "azure-pipelines.yml": readFileSync("examples/pipelines/azure-pipelines.yml", "utf8"),
};

function readmeCommands(): string[] {
  const m = /<!-- pipeline-commands:start -->\s*```sh\n([\s\S]*?)```\s*<!-- pipeline-commands:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no pipeline-commands block");
  return m[1]!.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

/** The commands a pipeline runs: GitHub `run:` values, Azure `script:` values and inline script lines. */
function pipelineCommands(yaml: string): string[] {
  const out: string[] = [];
  for (const line of yaml.split("\n")) {
    const m = /^\s*-?\s*(?:run|script):\s*(.+)$/.exec(line);
    if (m && m[1] !== "|") out.push(m[1]!.trim());
    else if (/^\s{8,}\S/.test(line) && !/^\s*(?:[\w-]+:|-|#)/.test(line)) out.push(line.trim());
  }
  return out;
}

describe("example pipelines", () => {
  const commands = readmeCommands();

  it("the README lists the four pipeline commands", () => {
    expect(commands).toEqual([
      "npm ci",
      "npx --no-install cdktf synth",
      "npx --no-install ac-export review cdktf.out > review.md",
      "npx --no-install cdktf deploy --auto-approve '*'",
    ]);
  });

  for (const [name, yaml] of Object.entries(pipelines)) {
    it(`${name} runs every README command`, () => {
      const ran = pipelineCommands(yaml);
      for (const c of commands) expect(ran, `${name} should run: ${c}`).toContain(c);
    });

    it(`${name} never lets npx fetch a package`, () => {
      const npx = pipelineCommands(yaml).filter((c) => /\bnpx\b/.test(c));
      expect(npx.length).toBeGreaterThanOrEqual(3);
      for (const c of npx) expect(c).toMatch(/\bnpx --no-install /);
    });

    it(`${name} deploys with workload-identity federation and no stored secret`, () => {
      expect(yaml).toMatch(/ARM_USE_OIDC[:=]\s*"?true/);
      expect(yaml).not.toMatch(/ARM_CLIENT_SECRET|secrets\.AZURE_CLIENT_SECRET/);
    });
  }

  it("the GitHub workflow asks for an OIDC token only in the deploy job and posts the review on pull requests", () => {
    const gh = pipelines["github-actions.yml"];
    expect(gh.match(/id-token: write/g)).toHaveLength(1);
    expect(gh).toMatch(/gh pr comment .* --body-file review\.md/);
  });
});

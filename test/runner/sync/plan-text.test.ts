// `ac-export plan` says, before any write, what ActiveCampaign will keep as it is or refuse (unsubscribed,
// unconfirmed and bounced members, contacts it refused on an earlier run) with their first rows, and whether its
// automations fire for the contacts the run would add. The exact text, against the sandbox.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
let f: ExportFixture;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: ExportFixture.timeScale, requestsPerSecond: 5, seed: 9 });
  f = new ExportFixture(sandbox);
});
afterAll(async () => {
  f.cleanup();
  await sandbox.close();
});

it("lists kept unsubscribed, unconfirmed, bounced and earlier-refused members with their rows, and the automations", async () => {
  const everyone = f.people(12);
  const email = (i: number) => everyone[i]!.email;
  sandbox.inspect.seed({
    contacts: [
      { email: email(2), lists: { [f.listId]: { status: 2, by: "contact" } } },
      { email: email(3), lists: { [f.listId]: { status: 2, by: "contact" } } },
      { email: email(4), lists: { [f.listId]: 0 } },
      { email: email(5), lists: { [f.listId]: { status: 3, by: "bounce" } } },
    ],
  });
  sandbox.inspect.exclude({ matchPhrase: email(1) });
  sandbox.inspect.createTag("vip"); // the tag exists, so the first run's few contacts go through contact/sync
  f.writeSegment(csvOf(everyone.slice(0, 9)));
  const first = await f.run("run", ["--json"]);
  expect(first.code, first.stdout).toBe(3); // email(1) refused by ActiveCampaign, remembered
  f.writeSegment(csvOf([...everyone, { email: "not-an-email" }]));

  const plan = await f.run("plan");
  expect(plan.code, plan.stderr).toBe(0);
  const today = new Date().toISOString().slice(0, 10);
  const [head, ...rest] = plan.stdout.split("\n");
  expect(head).toMatch(new RegExp(`^Plan for test-export → list ${f.listId} "list-\\w+" on contoso\\.api-us1\\.com$`));
  expect(rest.join("\n")).toBe(
    [
      `Segment: ${f.dir}/segment.csv: 13 rows, 12 distinct valid members`,
      "",
      `  add                          3   e.g. ${email(9)}, ${email(10)}, ${email(11)}`,
      "  update                       0",
      "  unchanged                    4",
      "  re-subscribe                 0",
      "  leave (keep)                 0",
      "  keep unsubscribed            2   they unsubscribed themselves; never re-subscribed",
      "      rows 4, 5",
      "  keep unconfirmed             1   double opt-in pending; never activated",
      "      rows 6",
      "  keep bounced                 1   their address bounced; never activated",
      "      rows 7",
      "  refused earlier              1   ActiveCampaign refused them; data unchanged, not sent",
      `            1 refused by ActiveCampaign on ${today}; not sent again until its data changes (rows 3)`,
      "  reject                       1",
      "            1 email has no @ (rows 14)",
      "",
      "Automations: ActiveCampaign's list and tag automations will fire for the 3 contacts it would add (excludeAutomations is false; set it to true to suppress them).",
      "",
      "Nothing was written. To apply: ac-export run --config export.json",
      "",
    ].join("\n"),
  );

  f.writeConfig({ excludeAutomations: true });
  const quiet = await f.run("plan");
  expect(quiet.stdout).toContain("\nAutomations: suppressed for the 3 contacts it would add (excludeAutomations is true).\n");
});

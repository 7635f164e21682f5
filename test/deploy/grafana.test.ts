import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Grafana does not run here: the dashboard's structure is checked as Grafana lays it out (a 24-column
// grid), and every query uses the dashboard's datasource variable so that it imports anywhere.
// test/integration/deploy-metrics.test.ts checks what the queries read.

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr: string; datasource: { uid: string } }[];
}

const dash = JSON.parse(
  readFileSync(new URL("../../deploy/grafana/dashboards/tracewalk.json", import.meta.url), "utf8"),
) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };
const panels = dash.panels;

function overlap(a: Panel["gridPos"], b: Panel["gridPos"]): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe("the Grafana dashboard", () => {
  it("has a stable uid and unique panel ids", () => {
    expect(dash.uid).toBe("tracewalk");
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("lays its panels on the 24-column grid without overlaps", () => {
    for (const p of panels) {
      const g = p.gridPos;
      expect(g.x >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${p.title}: ${JSON.stringify(g)}`).toBe(
        true,
      );
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1))
        expect(overlap(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false);
    }
  });

  it("queries through its datasource variable, and says what each panel shows", () => {
    const dsVar = dash.templating.list.find((v) => v.type === "datasource")!;
    for (const p of panels.filter((x) => x.type !== "row")) {
      expect(p.description, p.title).toBeTruthy();
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid).toBe(`\${${dsVar.name}}`);
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(`\${${dsVar.name}}`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
    }
  });
});

/** Reading Prometheus' text format in tests. */
import assert from 'node:assert/strict';

// values as Prometheus parses them (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`)
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? [-+0-9.eEIifNan]+$/;

/** Checks the text is well formed (one HELP and TYPE per family, no duplicate series); its samples by series. */
export function parseExposition(text: string): Map<string, string> {
  const series = new Map<string, string>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^# (HELP|TYPE) (\S+) /.exec(line);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.ok(!typed.has(m[2]!), `TYPE of ${m[2]!} twice`);
        typed.add(m[2]!);
      }
      continue;
    }
    assert.match(line, SAMPLE);
    const cut = line.lastIndexOf(' ');
    const key = line.slice(0, cut);
    assert.ok(!series.has(key), `duplicate series ${key}`);
    series.set(key, line.slice(cut + 1));
  }
  return series;
}

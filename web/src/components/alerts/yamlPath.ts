// Finds the line of a YAML document that an import error names ("rules[2].warning"), so the
// import form can point at it. Best effort over block-style YAML as Vigil exports it; a flow
// item ("- {id: x, …}") resolves to its own line. Returns a 0-based line or undefined.

export function lineOf(yaml: string, path: string): number | undefined {
  const lines = yaml.split("\n");
  const parts = path.match(/\[\d+\]|[^.[\]]+/g) ?? [];
  const indentOf = (l: string) => l.search(/[^\s-]/);
  let from = 0, to = lines.length;
  let found: number | undefined;
  for (const p of parts) {
    if (p.startsWith("[")) {
      const want = Number(p.slice(1, -1));
      let seen = -1, itemIndent = -1, hit = -1;
      for (let i = from; i < to && hit < 0; i++) {
        const m = /^(\s*)- /.exec(lines[i]);
        if (!m) continue;
        if (itemIndent < 0) itemIndent = m[1].length;
        if (m[1].length === itemIndent && ++seen === want) hit = i;
      }
      if (hit < 0) return found;
      let j = hit + 1;
      while (j < to && !(lines[j].trim() !== "" && lines[j].search(/\S/) <= itemIndent)) j++;
      found = hit;
      from = hit;
      to = j;
    } else {
      const key = p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const re = new RegExp(`^[\\s-]*${key}\\s*:|[{,]\\s*${key}\\s*:`);
      let hit = -1;
      for (let i = from; i < to && hit < 0; i++) if (re.test(lines[i])) hit = i;
      if (hit < 0) return found;
      const ind = indentOf(lines[hit]);
      let j = hit + 1;
      while (j < to && (lines[j].trim() === "" || lines[j].search(/\S/) > ind)) j++;
      found = hit;
      from = hit + (/^[\s-]*[^\s{]+\s*:\s*$/.test(lines[hit]) ? 1 : 0);
      to = Math.max(j, from);
    }
  }
  return found;
}

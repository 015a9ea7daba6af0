// Folded-stack profiles for the UI benchmark: a large one whose render needs the full 8,192-node
// budget, and a tiny one with the same shape on top (the baseline: same page, same code path,
// almost nothing to draw).

/** 20 × 20 × 25 call paths under main: 10,421 distinct nodes, so `/render` trims to 8,192. */
export function largeProfile() {
  const lines = [];
  for (let a = 0; a < 20; a++) {
    for (let b = 0; b < 20; b++) {
      for (let c = 0; c < 25; c++) {
        lines.push(`main.main;pkg${a}.Service.Handle;pkg${a}/sub${b}.step${b};pkg${a}/sub${b}.leaf${c} ${1 + ((a * 31 + b * 7 + c * 13) % 97)}`);
      }
    }
  }
  return lines.join('\n');
}

/** 2 × 2 × 2 call paths: 15 nodes. */
export function tinyProfile() {
  const lines = [];
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 2; c++) lines.push(`main.main;pkg${a}.Service.Handle;pkg${a}/sub${b}.step${b};pkg${a}/sub${b}.leaf${c} ${1 + a + b + c}`);
    }
  }
  return lines.join('\n');
}

// The song's timeline as SVG: loudness, beats, sections, sung lines and the shots on top.
const NS = "http://www.w3.org/2000/svg";
const W = 1000;
const ROWS = { wave: [0, 60], beats: [62, 10], sections: [76, 20], lines: [100, 20], shots: [124, 30] };

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) {
    const t = document.createElementNS(NS, "title");
    t.textContent = text;
    el.append(t);
  }
  return el;
}

function label(x, y, text, cls) {
  const el = s("text", { x: x + 3, y, class: cls });
  el.textContent = text;
  return el;
}

export function drawTimeline(svg, a, shotState = () => "created", onShot = () => {}) {
  const x = (t) => (t / a.duration) * W;
  svg.setAttribute("viewBox", `0 0 ${W} 158`);
  svg.replaceChildren();
  const [wy, wh] = ROWS.wave;
  const pts = a.energy.map((e, i) => `${x(i * a.energy_hop).toFixed(1)},${(wy + wh / 2 - (e * wh) / 2).toFixed(1)}`);
  const back = a.energy.map((e, i) => `${x(i * a.energy_hop).toFixed(1)},${(wy + wh / 2 + (e * wh) / 2).toFixed(1)}`).reverse();
  if (pts.length) svg.append(s("polygon", { points: [...pts, ...back].join(" "), class: "wave" }));
  for (const [start, end] of a.vocals) {
    svg.append(s("rect", { x: x(start), y: wy, width: Math.max(1, x(end) - x(start)), height: 3, class: "vocal" }));
  }
  const down = new Set(a.downbeats.map((b) => b.toFixed(3)));
  for (const b of a.beats) {
    const strong = down.has(b.toFixed(3));
    svg.append(s("line", { x1: x(b), x2: x(b), y1: ROWS.beats[0] + (strong ? 0 : 4),
      y2: ROWS.beats[0] + ROWS.beats[1], class: strong ? "downbeat" : "beat" }));
  }
  a.sections.forEach((sec, i) => {
    const [y, hgt] = ROWS.sections;
    svg.append(s("rect", { x: x(sec.start), y, width: Math.max(1, x(sec.end) - x(sec.start)), height: hgt,
      class: `section s${i % 4}` }, `${sec.label} ${sec.start.toFixed(1)}–${sec.end.toFixed(1)} s`));
    svg.append(label(x(sec.start), y + 14, sec.label, "tl-label"));
  });
  for (const line of a.lines) {
    const [y, hgt] = ROWS.lines;
    svg.append(s("rect", { x: x(line.start), y, width: Math.max(1, x(line.end) - x(line.start)), height: hgt,
      class: "sung" }, line.text));
    svg.append(label(x(line.start), y + 14, line.text.slice(0, Math.max(0, Math.floor((x(line.end) - x(line.start)) / 7))), "tl-label"));
  }
  for (const shot of a.shots) {
    const [y, hgt] = ROWS.shots;
    const g = s("g", { class: `shot state-${shotState(shot.index)}`, tabindex: "0", role: "button",
      "data-index": shot.index, "aria-label": `Shot ${shot.index + 1}, ${shot.start.toFixed(1)} to ${shot.end.toFixed(1)} s` });
    g.append(s("rect", { x: x(shot.start) + 1, y, width: Math.max(2, x(shot.end) - x(shot.start) - 2), height: hgt, rx: 4 },
      `Shot ${shot.index + 1}: ${shot.lyric_text}`));
    g.append(label(x(shot.start) + 2, y + 20, String(shot.index + 1), "tl-shot"));
    g.addEventListener("click", () => onShot(shot.index));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onShot(shot.index); } });
    svg.append(g);
  }
}

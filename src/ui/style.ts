/** The UI's stylesheet: system fonts, no external resources. */
export const STYLE = String.raw`
:root { --fg: #1d2330; --muted: #6b7385; --line: #dde1e8; --bg: #f6f7f9; --accent: #2b5fd9; --ok: #1e8e3e;
  --warn: #b26a00; --bad: #c5221f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
header { display: flex; align-items: center; gap: 24px; background: #1d2330; color: #fff; padding: 0 20px; height: 48px; }
header .brand { font-weight: 700; font-size: 17px; letter-spacing: .02em; color: #fff; text-decoration: none; }
header nav a { color: #c9d1e3; text-decoration: none; margin-right: 18px; padding: 14px 0; }
header nav a.active, header nav a:hover { color: #fff; border-bottom: 2px solid #7aa2ff; }
header .version { margin-left: auto; color: #8d97ad; font-size: 12px; }
main { padding: 18px 20px 40px; max-width: 1600px; }
h2 { font-size: 18px; margin: 6px 0 14px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px; margin-bottom: 14px; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
input, select, button, textarea { font: inherit; color: inherit; }
input[type=text], input[type=datetime-local], select, textarea { border: 1px solid #c6ccd7; border-radius: 4px; padding: 6px 8px; background: #fff; }
#expr { flex: 1; min-width: 320px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13.5px; resize: vertical; }
#history, #metrics { max-width: 320px; }
button { border: 1px solid #c6ccd7; background: #fff; border-radius: 4px; padding: 6px 12px; cursor: pointer; }
button:hover { background: #eef1f6; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { background: #234fb8; }
button.on { background: #e3ebfd; border-color: var(--accent); color: var(--accent); }
.tabs { display: flex; gap: 0; border-bottom: 1px solid var(--line); margin: 12px 0 10px; }
.tabs button { border: none; border-bottom: 2px solid transparent; border-radius: 0; background: none; padding: 8px 16px; }
.tabs button.on { border-bottom-color: var(--accent); color: var(--accent); font-weight: 600; }
.controls { margin-bottom: 10px; }
.controls label { color: var(--muted); font-size: 12.5px; }
.group { display: inline-flex; }
.group button { border-radius: 0; margin-left: -1px; }
.group button:first-child { border-radius: 4px 0 0 4px; margin-left: 0; }
.group button:last-child { border-radius: 0 4px 4px 0; }
.error { background: #fdecea; border: 1px solid #f5c2bd; color: var(--bad); border-radius: 4px; padding: 8px 12px; margin: 10px 0; white-space: pre-wrap; font-family: ui-monospace, Menlo, monospace; font-size: 13px; }
.warning { background: #fff6e0; border: 1px solid #f3d58c; color: #7a4c00; border-radius: 4px; padding: 6px 12px; margin: 10px 0; }
.meta { color: var(--muted); font-size: 12.5px; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12.5px; color: var(--muted); font-weight: 600; background: #fafbfc; }
td.value { font-family: ui-monospace, Menlo, monospace; white-space: nowrap; text-align: right; width: 1%; }
.series { font-family: ui-monospace, Menlo, monospace; font-size: 13px; word-break: break-all; }
.series .name { font-weight: 600; }
.series .lv { color: #0b6e4f; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.up, .badge.ok, .badge.inactive { background: var(--ok); }
.badge.down, .badge.err, .badge.firing { background: var(--bad); }
.badge.unknown, .badge.pending { background: var(--warn); }
.chip { display: inline-block; background: #eef1f6; border-radius: 3px; padding: 0 6px; margin: 1px 3px 1px 0; font-size: 12px; font-family: ui-monospace, Menlo, monospace; }
.chart-wrap { position: relative; }
svg.chart { display: block; user-select: none; }
svg.chart .grid line { stroke: #eceef2; }
svg.chart .grid line.zero { stroke: #b9bfca; }
svg.chart text { font-size: 11.5px; fill: var(--muted); }
svg.chart .frame { fill: none; stroke: #c6ccd7; }
svg.chart .crosshair { stroke: #8d97ad; stroke-dasharray: 3 3; }
svg.chart .marker { fill: #fff; stroke-width: 2; }
.tooltip { position: absolute; pointer-events: none; background: rgba(29,35,48,.94); color: #fff; border-radius: 4px; padding: 6px 9px; font-size: 12px; max-width: 520px; z-index: 5; }
.tooltip .t { color: #aab4c8; margin-bottom: 3px; }
.tooltip .v { font-weight: 700; font-family: ui-monospace, Menlo, monospace; }
.tooltip .s { font-family: ui-monospace, Menlo, monospace; word-break: break-all; }
.legend { margin-top: 8px; max-height: 260px; overflow: auto; }
.legend div { cursor: pointer; padding: 2px 4px; border-radius: 3px; }
.legend div:hover { background: #f0f2f6; }
.legend div.off { opacity: .35; }
.legend .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 8px; vertical-align: -1px; }
.empty { color: var(--muted); padding: 18px 4px; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; font-size: 12.5px; }
details.rule { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 8px; }
details.rule summary { padding: 8px 12px; cursor: pointer; }
details.rule .body { padding: 4px 12px 12px; }
.kv td:first-child { color: var(--muted); width: 220px; }
.filters { margin-bottom: 12px; }
table.fixed { table-layout: fixed; }
table.fixed td { overflow-wrap: anywhere; }
table.fixed pre { margin: 0; border: none; padding: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.filters label { margin-right: 14px; }
`;

/**
 * The UI as one self-contained HTML document: markup, stylesheet and scripts inline, nothing fetched from outside
 * vigil (the page itself only calls vigil's /api/v1).
 */
import { STYLE } from './style.js';
import { CHART_SCRIPT } from './chart-script.js';
import { APP_SCRIPT } from './app-script.js';

/** Navigation entries: path and title. Every path serves the same page; the script picks the view by path. */
export const UI_VIEWS: ReadonlyArray<readonly [path: string, title: string]> = [
  ['/graph', 'Graph'],
  ['/alerts', 'Alerts'],
  ['/rules', 'Rules'],
  ['/targets', 'Targets'],
  ['/tsdb-status', 'TSDB Status'],
  ['/config', 'Config'],
];

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<a class="brand" href="/graph">vigil</a>
<nav>${UI_VIEWS.map(([p, t]) => `<a href="${p}">${t}</a>`).join('')}</nav>
<span class="version" id="version"></span>
</header>
<main id="main"></main>
<noscript><p style="padding:20px">The vigil UI needs JavaScript. The HTTP API is at <a href="/api/v1/status/buildinfo">/api/v1</a>.</p></noscript>
<script>${CHART_SCRIPT}</script>
<script>${APP_SCRIPT}</script>
</body>
</html>
`;

// The console's page and style sheet. The page is a shell: its module (web/console-app.ts) draws the
// view the URL's hash names from the gateway's JSON, so one page serves every view.

export const consolePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cairn console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="console.css">
<link rel="stylesheet" href="uplot.css">
<script type="module" src="console-app.js"></script>
</head>
<body>
<header>
  <strong class="brand">Cairn</strong>
  <nav>
    <a href="#cluster">Cluster</a>
    <a href="#buckets">Buckets</a>
    <a href="#jobs">Jobs</a>
    <a href="#performance">Performance</a>
    <a href="#log">Logs</a>
  </nav>
  <form id="token-form" autocomplete="off">
    <input id="token" type="password" placeholder="AuthN token (cairn auth login)" aria-label="AuthN token">
    <button type="submit">Use token</button>
  </form>
</header>
<p id="status" role="status"></p>
<main id="view"></main>
</body>
</html>
`;

export const consoleCss = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; gap: 24px; align-items: center; padding: 10px 20px; background: #1d2330; color: #fff; }
header a { color: #cfd8ea; text-decoration: none; margin-right: 14px; }
header a.active { color: #fff; border-bottom: 2px solid #6ea8fe; }
.brand { font-size: 18px; }
#token-form { margin-left: auto; display: flex; gap: 6px; }
#token-form input { width: 260px; }
#status { margin: 8px 20px; color: #5a6275; min-height: 1.2em; }
#status.error { color: #b42318; }
main { padding: 0 20px 20px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e4e7ec; text-align: left; white-space: nowrap; }
th { background: #eef1f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { width: 180px; height: 12px; background: #e4e7ec; border-radius: 3px; overflow: hidden; }
.bar > div { height: 100%; background: #3b82f6; }
.bar.faulty > div, .bar.failed > div, .bar.aborted > div { background: #b42318; }
.bar.disabled > div { background: #98a2b3; }
.bar.finished > div { background: #12b76a; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: #fff; box-shadow: 0 1px 2px #0002; padding: 6px; }
pre.log { background: #fff; padding: 8px; max-height: 70vh; overflow: auto; font-size: 12px; }
.pager { margin-top: 8px; display: flex; gap: 8px; align-items: center; }
`;

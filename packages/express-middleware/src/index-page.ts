import { GO_ONLY_PROFILES, NODE_PROFILES } from './profile-catalog.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The index page, shaped like Go's (title `/debug/pprof/`, a "Count | Profile" table sorted by name with relative
 * `NAME?debug=1` links, then one description per profile), plus the list of Go-only names this server answers with 501.
 * Relative links need the trailing slash, which is why `/debug/pprof` redirects to `/debug/pprof/`.
 */
export function renderIndexPage(counts: ReadonlyMap<string, number>): string {
  const rows = NODE_PROFILES.map(
    (p) => `<tr><td>${counts.get(p.name) ?? 0}</td><td><a href="${escapeHtml(p.name)}?debug=1">${escapeHtml(p.name)}</a></td></tr>`,
  ).join('\n');
  const descriptions = NODE_PROFILES.map(
    (p) => `<li><div class="profile-name">${escapeHtml(p.name)}: </div> ${escapeHtml(p.description)}</li>`,
  ).join('\n');
  const goOnly = [...GO_ONLY_PROFILES.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, why]) => `<li><div class="profile-name">${escapeHtml(name)}: </div> 501 Not Implemented: ${escapeHtml(why)}.</li>`)
    .join('\n');
  return `<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
	display:inline-block;
	width:6rem;
}
</style>
</head>
<body>
/debug/pprof/ (Node.js ${escapeHtml(process.version)}, served by @kprof/express-middleware)<br>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
${rows}
</table>
<p>
The links use debug=1 (human-readable text) where a profile has it; without it the answer is a gzipped pprof
protobuf for <code>go tool pprof</code>.
</p>
<br>
<p>
Profile Descriptions:
<ul>
${descriptions}
</ul>
</p>
<p>
Go-only profiles (not faked for Node.js):
<ul>
${goOnly}
</ul>
</p>
</body>
</html>
`;
}

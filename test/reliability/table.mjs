// Prints the Markdown table of docs/RELIABILITY.md from .tmp/reliability.json (written by the suite):
//   node test/reliability/table.mjs
import { readFileSync } from 'node:fs';

const figures = JSON.parse(readFileSync(new URL('../../.tmp/reliability.json', import.meta.url), 'utf8'));
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rows = Object.values(figures)
	.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }))
	.map((entry) => {
		const shown = Object.entries(entry.figures).map(([name, value]) => `${name}: ${value}`).join('; ');
		return `| ${cell(entry.scenario)} | ${cell(entry.load)} | ${cell(entry.faults)} | ${entry.result} | ${cell(shown)} |`;
	});
process.stdout.write(['| scenario | load | faults | result | figures |', '|---|---|---|---|---|', ...rows].join('\n') + '\n');

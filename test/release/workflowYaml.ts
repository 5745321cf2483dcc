/**
 * Reads the YAML subset our GitHub workflow files are written in: block mappings, block sequences,
 * plain and quoted one-line scalars, comments. Anything else (flow collections, block scalars,
 * anchors, tabs, documents, duplicate keys) is refused with its line number, so a workflow file
 * cannot mean something to GitHub that this reader understood differently.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
	number: number;
	indent: number;
	text: string;
}

const KEY = '[A-Za-z0-9_.-]+';
const MAPPING_ENTRY = new RegExp(`^(${KEY}):(?: +(.*))?$`);

function fail(line: Line, message: string): never {
	throw new Error(`workflow YAML line ${line.number}: ${message}`);
}

/**
 * The line without its comment: a `#` after whitespace, outside the quoted scalar the value may
 * start with (in a plain scalar, ` #` ends the value, as in YAML).
 */
function withoutComment(text: string): string {
	const valueStart = new RegExp(`^(?:- )*(?:${KEY}: +)?`).exec(text)![0].length;
	const quoted = /^(?:'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")/.exec(text.slice(valueStart));
	for (let index = valueStart + (quoted?.[0].length ?? 0); index < text.length; index++) {
		if (text[index] === '#' && (index === 0 || /\s/.test(text[index - 1]))) return text.slice(0, index).trimEnd();
	}
	return text.trimEnd();
}

function scalar(line: Line, raw: string): YamlValue {
	if (raw.startsWith("'")) {
		if (!/^'(?:[^']|'')*'$/.test(raw)) fail(line, `unterminated or trailing text after ${raw}`);
		return raw.slice(1, -1).replace(/''/g, "'");
	}
	if (raw.startsWith('"')) {
		if (!/^"(?:[^"\\]|\\["\\])*"$/.test(raw)) fail(line, `only \\" and \\\\ escapes are read, in ${raw}`);
		return raw.slice(1, -1).replace(/\\(["\\])/g, '$1');
	}
	if (/^(?:- |-$|[[{&*!|>%@`?])/.test(raw)) fail(line, `"${raw[0]}" starts syntax this reader does not support`);
	if (/: |:$/.test(raw)) fail(line, `a plain value cannot contain ": " (quote it): ${raw}`);
	if (raw === 'true' || raw === 'false') return raw === 'true';
	if (raw === 'null' || raw === '~') return null;
	if (/^-?\d+$/.test(raw)) return Number(raw);
	return raw;
}

function parseBlock(lines: Line[], start: number, indent: number): { value: YamlValue; next: number } {
	return lines[start].text.startsWith('-') ? parseSequence(lines, start, indent) : parseMapping(lines, start, indent);
}

/** The value after `key:` or `-`: inline, a nested block on the following lines, or null. */
function parseValue(lines: Line[], index: number, indent: number, inline: string | undefined): { value: YamlValue; next: number } {
	if (inline !== undefined && inline !== '') return { value: scalar(lines[index], inline), next: index + 1 };
	const following = lines[index + 1];
	if (following && following.indent > indent) return parseBlock(lines, index + 1, following.indent);
	return { value: null, next: index + 1 };
}

function parseMapping(lines: Line[], start: number, indent: number): { value: YamlValue; next: number } {
	const mapping: { [key: string]: YamlValue } = {};
	let index = start;
	while (index < lines.length && lines[index].indent === indent) {
		const line = lines[index];
		const entry = MAPPING_ENTRY.exec(line.text);
		if (!entry) fail(line, `expected "key: value", found ${line.text}`);
		const [, key, inline] = entry;
		if (Object.hasOwn(mapping, key)) fail(line, `duplicate key ${key}`);
		const parsed = parseValue(lines, index, indent, inline);
		mapping[key] = parsed.value;
		index = parsed.next;
	}
	if (index < lines.length && lines[index].indent > indent) fail(lines[index], 'unexpected indentation');
	return { value: mapping, next: index };
}

function parseSequence(lines: Line[], start: number, indent: number): { value: YamlValue; next: number } {
	const sequence: YamlValue[] = [];
	let index = start;
	while (index < lines.length && lines[index].indent === indent) {
		const line = lines[index];
		const item = /^-(?: (.*))?$/.exec(line.text);
		if (!item) fail(line, `expected "- item", found ${line.text}`);
		const rest = item[1] ?? '';
		if (MAPPING_ENTRY.test(rest)) {
			// `- key: value` opens a mapping whose keys line up two columns to the right.
			lines[index] = { number: line.number, indent: indent + 2, text: rest };
			const parsed = parseMapping(lines, index, indent + 2);
			sequence.push(parsed.value);
			index = parsed.next;
		} else {
			const parsed = parseValue(lines, index, indent, rest);
			sequence.push(parsed.value);
			index = parsed.next;
		}
	}
	if (index < lines.length && lines[index].indent > indent) fail(lines[index], 'unexpected indentation');
	return { value: sequence, next: index };
}

export function parseWorkflowYaml(source: string): YamlValue {
	const lines: Line[] = [];
	source.split('\n').forEach((raw, position) => {
		const indentation = /^[ \t]*/.exec(raw)![0];
		const line: Line = { number: position + 1, indent: indentation.length, text: withoutComment(raw.slice(indentation.length)) };
		if (line.text === '') return;
		if (indentation.includes('\t')) fail(line, 'tabs in indentation');
		if (line.text === '---' || line.text === '...') fail(line, 'one document per file');
		lines.push(line);
	});
	if (lines.length === 0) throw new Error('workflow YAML is empty');
	if (lines[0].indent !== 0) fail(lines[0], 'the document must start at column 1');
	const { value, next } = parseBlock(lines, 0, 0);
	if (next < lines.length) fail(lines[next], 'unexpected indentation');
	return value;
}

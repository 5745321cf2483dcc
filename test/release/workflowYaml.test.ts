import { parseWorkflowYaml } from './workflowYaml';

describe('the workflow YAML reader', () => {
	it('reads mappings, sequences of mappings, quoted and plain scalars, and drops comments', () => {
		const source = [
			'# header',
			'on:',
			'  push:',
			'    tags:',
			"      - 'v*' # quoted",
			'  workflow_call:',
			'jobs:',
			'  build:',
			'    steps:',
			'      - uses: actions/checkout@v4',
			'      - run: echo "a # b" # YAML ends a plain value at the first " #"',
			'        with:',
			'          node-version: 24',
			'          flag: true',
			'      - plain value #comment',
			'      - "say \\"hi\\""',
		].join('\n');
		expect(parseWorkflowYaml(source)).toEqual({
			on: { push: { tags: ['v*'] }, workflow_call: null },
			jobs: {
				build: {
					steps: [{ uses: 'actions/checkout@v4' }, { run: 'echo "a', with: { 'node-version': 24, flag: true } }, 'plain value', 'say "hi"'],
				},
			},
		});
	});

	it.each([
		['a flow sequence', 'tags: [v1, v2]', '"[" starts syntax'],
		['a flow mapping', 'with: { a: 1 }', '"{" starts syntax'],
		['a block scalar', 'run: |\n  echo hi', '"|" starts syntax'],
		['an anchor', 'a: &x 1', '"&" starts syntax'],
		['a nested sequence on one line', 'a:\n  - - b', '"-" starts syntax'],
		['a duplicate key', 'a: 1\na: 2', 'duplicate key a'],
		['tab indentation', 'a:\n\tb: 1', 'tabs in indentation'],
		['a second document', 'a: 1\n---\nb: 2', 'one document per file'],
		['a sequence at its key\'s indentation', 'steps:\n- run: x', 'expected "key: value"'],
		['a stray deeper line', 'a: 1\n    b: 2', 'unexpected indentation'],
		['": " in a plain value', 'run: echo a: b', 'cannot contain ": "'],
		['an unterminated quote', "a: 'open", 'unterminated'],
	])('refuses %s, naming the line', (_what, source, message) => {
		expect(() => parseWorkflowYaml(source)).toThrow(message);
		expect(() => parseWorkflowYaml(source)).toThrow(/^workflow YAML line \d+:/);
	});
});

import { EMAIL_MAX_LENGTH, escapeHtml, isEmailAddress } from '../../nodes/shared/lifecycle/text';

const MEGABYTE = 1024 * 1024;
/** `unit` repeated to one megabyte, then `tail`. */
const megabyteOf = (unit: string, tail = '') => unit.repeat(Math.ceil(MEGABYTE / unit.length)) + tail;

describe('escapeHtml', () => {
	it('escapes the five characters that end text or a quoted attribute', () => {
		expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
	});
});

describe('isEmailAddress', () => {
	it.each([
		'ada@example.com',
		"o'brien+billing@mail.example.co.uk",
		'first.last@sub-domain.example',
		'josé@bücher.example',
		'user_42@xn--bcher-kva.example',
	])('accepts %s', (address) => {
		expect(isEmailAddress(address)).toBe(true);
	});

	it.each([
		['a second recipient in a header', 'victim@example.com\r\nBcc: attacker@evil.example'],
		['a bare line feed', 'victim@example.com\nBcc: attacker@evil.example'],
		['a comma-separated list', 'victim@example.com, attacker@evil.example'],
		['a list without a space', 'victim@example.com,attacker@evil.example'],
		['a semicolon list', 'victim@example.com;attacker@evil.example'],
		['a display name', 'Victim <victim@example.com>'],
		['an address in angle brackets', '<victim@example.com>'],
		['a comment', 'victim@example.com (attacker@evil.example)'],
		['a group', 'friends: victim@example.com;'],
		['a quoted local part', '"victim attacker"@example.com'],
		['markup', 'x"><svg/onload=alert(1)>@hostile.test'],
		['a trailing line feed', 'victim@example.com\n'],
		['a space', 'victim @example.com'],
		['two @', 'victim@example.com@evil.example'],
		['no domain', 'someone@'],
		['no local part', '@example.com'],
		['a domain without a dot', 'root@localhost'],
		['an IP literal', 'root@[127.0.0.1]'],
		['consecutive dots', 'victim..x@example.com'],
		['a label starting with a hyphen', 'victim@-example.com'],
		['an empty string', ''],
	])('refuses %s', (_what, address) => {
		expect(isEmailAddress(address)).toBe(false);
	});

	it(`refuses anything longer than ${EMAIL_MAX_LENGTH} characters, however well formed`, () => {
		const domain = '@example.com';
		expect(isEmailAddress('a'.repeat(EMAIL_MAX_LENGTH - domain.length) + domain)).toBe(true);
		expect(isEmailAddress('a'.repeat(EMAIL_MAX_LENGTH - domain.length + 1) + domain)).toBe(false);
	});

	// Shapes that make a backtracking pattern such as /^[^\s@]+@[^\s@]+\.[^\s@]+$/ run for minutes; jest's per-test timeout is the bound.
	it.each([
		['"a." repeated after the @', `a@${megabyteOf('a.', '@')}`],
		['dots then a space', `a@${megabyteOf('.', ' ')}`],
		['a dot-atom local part with no @', megabyteOf('a.', '!')],
		['hyphens in one label', `a@b${megabyteOf('-')}`],
	])('refuses a megabyte of %s at once', (_what, input) => {
		expect(input.length).toBeGreaterThan(MEGABYTE);
		expect(isEmailAddress(input)).toBe(false);
	});

	it('refuses a megabyte-long address even when the pattern alone would accept it', () => {
		expect(isEmailAddress(`${megabyteOf('a')}@example.com`)).toBe(false);
	});
});

